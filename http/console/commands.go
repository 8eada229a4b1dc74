package console

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// commandForms are the command types the device page sends, with the name
// of the form each one lives in (for the error next to it) and what the
// confirmation says once it is queued.
var commandForms = map[steward.CommandType]struct{ form, done string }{
	steward.CmdSync:          {"cmd-sync", "A sync is queued: the device reports its state at once."},
	steward.CmdSendMessage:   {"cmd-message", "The message is queued for the device."},
	steward.CmdLock:          {"cmd-lock", "A lock is queued: the device locks its screen."},
	steward.CmdReboot:        {"cmd-reboot", "A reboot is queued."},
	steward.CmdClearAppCache: {"cmd-cache", "Clearing the app's cache is queued."},
	steward.CmdAgentDisable:  {"cmd-agent", "Disabling the agent is queued."},
	steward.CmdAgentEnable:   {"cmd-agent", "Enabling the agent is queued."},
}

// formField maps the service's payload fields to the inputs of the forms.
var formField = map[string]string{
	"payload.body": "body", "payload.package": "package", "payload": "body",
}

// sendCommand queues one of the device page's commands. A wipe has its own
// confirmation page and is refused here.
func (c *Console) sendCommand(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	typ := steward.CommandType(f.Get("type"))
	spec, ok := commandForms[typ]
	if !ok {
		steward.MarkAuthorized(r.Context()) // nothing is read or changed
		return refused(w, r, p, "commands", steward.FieldErrorf("type", "The console does not send %q commands from this form.", typ), c.againDevice)
	}
	var payload any
	switch typ {
	case steward.CmdSendMessage:
		payload = protocol.MessagePayload{Title: strings.TrimSpace(f.Get("title")), Body: strings.TrimSpace(f.Get("body"))}
	case steward.CmdClearAppCache:
		payload = protocol.AppPayload{Package: strings.TrimSpace(f.Get("package"))}
	case steward.CmdLock:
		if m := strings.TrimSpace(f.Get("message")); m != "" {
			payload = protocol.LockPayload{Message: m}
		}
	case steward.CmdAgentDisable, steward.CmdAgentEnable:
		if reason := strings.TrimSpace(f.Get("reason")); reason != "" {
			payload = protocol.AgentPayload{Reason: reason}
		}
	}
	var raw json.RawMessage
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	id := r.PathValue("device")
	if _, err := c.svc.SendCommand(r.Context(), service.CommandSend{DeviceIDs: []string{id}, Type: typ, Payload: raw}); err != nil {
		return refused(w, r, p, spec.form, asFormError(err, formField), c.againDevice)
	}
	return redirect(deviceURL(id)+"#commands", spec.done)
}

// wipePage asks for the device's support ID before a wipe.
func (c *Console) wipePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.Device(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Wipe "+d.SupportID, "devices", d
	return render("wipe")
}

// wipe queues a wipe only when the support ID typed matches the device's:
// only then does the console confirm it to the service.
func (c *Console) wipe(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.Device(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	typed := strings.ToUpper(strings.Join(strings.Fields(r.PostFormValue("confirm_support_id")), ""))
	if typed != d.SupportID {
		return refused(w, r, p, "wipe", steward.FieldErrorf("confirm_support_id", "Type the device's support ID, %s, to confirm the wipe.", d.SupportID), c.wipePage)
	}
	if _, err := c.svc.SendCommand(r.Context(), service.CommandSend{DeviceIDs: []string{d.ID}, Type: steward.CmdWipe, Confirm: true}); err != nil {
		return refused(w, r, p, "wipe", err, c.wipePage)
	}
	return redirect(deviceURL(d.ID)+"#commands", "The wipe of "+d.SupportID+" is queued. When the device confirms it, Steward deletes everything it holds about the device.")
}

// revokePage asks before a device's credential is revoked.
func (c *Console) revokePage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.Device(r.Context(), r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Revoke the credential of "+d.SupportID, "devices", d
	return render("revoke")
}

func (c *Console) revokeCredential(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.PathValue("device")
	if err := c.svc.RevokeDeviceCredential(r.Context(), id); err != nil {
		return refused(w, r, p, "revoke", err, c.revokePage)
	}
	return redirect(deviceURL(id), "The device's credential is revoked: it can no longer check in until it enrolls again.")
}

func (c *Console) cancelCommand(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	cmd, err := c.svc.Command(r.Context(), r.PathValue("command"))
	if err != nil {
		return nil, err
	}
	if _, err := c.svc.CancelCommand(r.Context(), cmd.ID); err != nil {
		return refused(w, r, p, "commands", err, func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
			return c.deviceView(r, p, cmd.DeviceID)
		})
	}
	return redirect(deviceURL(cmd.DeviceID)+"#commands", "The "+commandName(cmd.Type)+" command is cancelled.")
}

// commandName is how the console names a command type.
func commandName(t steward.CommandType) string {
	switch t {
	case steward.CmdSendMessage:
		return "message"
	case steward.CmdClearAppCache:
		return "clear app cache"
	case steward.CmdAgentEnable:
		return "enable agent"
	case steward.CmdAgentDisable:
		return "disable agent"
	}
	return strings.ReplaceAll(string(t), "_", " ")
}

// commandSummary describes a command's payload in a line.
func commandSummary(cmd *steward.Command) string {
	if len(cmd.Payload) == 0 {
		return ""
	}
	switch cmd.Type {
	case steward.CmdSendMessage:
		var m protocol.MessagePayload
		if json.Unmarshal(cmd.Payload, &m) == nil {
			if m.Title != "" {
				return m.Title + ": " + m.Body
			}
			return m.Body
		}
	case steward.CmdInstallApp, steward.CmdUpdateApp, steward.CmdUninstallApp, steward.CmdClearAppCache:
		var a protocol.AppPayload
		if json.Unmarshal(cmd.Payload, &a) == nil {
			return a.Package
		}
	case steward.CmdLock:
		var l protocol.LockPayload
		if json.Unmarshal(cmd.Payload, &l) == nil {
			return l.Message
		}
	case steward.CmdAgentEnable, steward.CmdAgentDisable:
		var a protocol.AgentPayload
		if json.Unmarshal(cmd.Payload, &a) == nil {
			return a.Reason
		}
	}
	return string(cmd.Payload)
}

package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// The policies' pages: the list with a creation form, and the editor, with
// one form per section of the settings. Each section's form saves the
// whole settings as the next version, the other sections as they are.
// Its inputs are named after the settings' JSON paths ("wifi[2].password"),
// so an error the service names lands next to its input.

// policiesView is the data of the policies list.
type policiesView struct {
	Policies []*steward.Policy
	Names    map[string]string // account ID → name
	Accounts []accountRow      // the accounts a policy may be created in
}

func (c *Console) policies(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	ps, err := c.svc.ListPolicies(ctx, "")
	if err != nil {
		return nil, err
	}
	v := policiesView{Policies: ps}
	var owners []string
	for _, x := range ps {
		owners = append(owners, x.AccountID)
	}
	v.Names = c.accountNames(ctx, owners...)
	if p.CanWrite() {
		accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: treePage})
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			v.Accounts = append(v.Accounts, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
		}
	}
	p.Title, p.Nav, p.Data = "Policies", "policies", v
	return render("policies")
}

// createPolicy creates an empty policy and opens its editor.
func (c *Console) createPolicy(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	name, desc := f.Get("name"), f.Get("description")
	d, err := c.svc.CreatePolicy(r.Context(), f.Get("account_id"), service.PolicyInput{Name: &name, Description: &desc})
	if err != nil {
		return refused(w, r, p, "create-policy", err, c.policies)
	}
	return redirect(policyURL(d.ID), "The policy is created. Add its settings below, then choose what it targets.")
}

func policyURL(id string) string { return "/console/policies/" + url.PathEscape(id) }

// pfield is one input of the policy editor.
type pfield struct {
	ID, Name, Label, Type, Value, Error, Hint, Placeholder, Min, Max string
	Checked                                                          bool
	Options                                                          []popt
}

// popt is an option of a select.
type popt struct {
	Value, Label string
	Selected     bool
}

var idChars = strings.NewReplacer("[", "-", "]", "", ".", "-", "_", "-")

// field makes an input named name, its ID derived from the name.
func (e *editor) field(name, label, typ, value string) pfield {
	return pfield{ID: "pol-" + idChars.Replace(name), Name: name, Label: label, Type: typ, Value: value, Error: e.errs[name]}
}

func (e *editor) selectField(name, label, value string, opts ...string) pfield {
	f := e.field(name, label, "select", value)
	for i := 0; i+1 < len(opts); i += 2 {
		f.Options = append(f.Options, popt{Value: opts[i], Label: opts[i+1], Selected: opts[i] == value})
	}
	return f
}

func (e *editor) check(name, label string, on bool) pfield {
	f := e.field(name, label, "checkbox", "true")
	f.Checked = on
	return f
}

// editor builds the sections of a policy's editor, from its settings or,
// for the refused section, from what was sent.
type editor struct {
	errs map[string]string // form field → message
}

// wifiRow is one network's inputs.
type wifiRow struct {
	Index                                                                  int
	Existing                                                               bool // a stored network: its secrets may be kept
	PasswordSet, ClientKeySet                                              bool
	SSID, Security, Hidden, EAP, Identity, CA, Domain, ClientCert          pfield
	Password, PasswordClear, ClientKey, ClientKeyClear, Remove, ExistingIn pfield
}

// caRow is one CA certificate's inputs and what it says about itself.
type caRow struct {
	Index          int
	Info           *steward.CertInfo // nil for the new one
	Name, PEM, Rem pfield
}

// appRuleRow is one app rule's inputs.
type appRuleRow struct {
	Index                   int
	Package, Action, Remove pfield
}

// policyView is the data of a policy's editor.
type policyView struct {
	*service.PolicyDetail
	AccountName  string
	Failed       string     // the refused section
	Summary      []fieldMsg // its errors, in order
	WiFi         []wifiRow
	WiFiRows     int
	CAs          []caRow
	CARows       int
	Apps         []appRuleRow
	AppRows      int
	Kiosk        pfield
	Password     []pfield
	Restrictions []pfield
	Tracking     []pfield
	CheckIn      pfield
	Choices      *service.TargetChoices
	Targeted     map[string]bool // "kind:id" → targeted
	DeviceIDs    string          // the device targets, one per line
	Versions     []versionRow
	Owned        bool // the actor may write it
}

// fieldMsg is one error of a refused section, linked to its input.
type fieldMsg struct {
	ID, Field, Label, Message string
}

var settingLabels = map[string]string{
	"ssid": "network name", "security": "security", "password": "password", "eap_method": "EAP method", "identity": "identity",
	"ca_cert_sha256": "server CA certificate", "domain_suffix_match": "server domain", "client_cert_pem": "client certificate",
	"client_key_pem": "client private key", "pem": "certificate", "name": "name", "package": "package", "action": "rule",
	"kiosk.package": "Kiosk app", "password.quality": "Password quality", "password.min_length": "Minimum password length",
	"password.max_failed_attempts": "Failed attempts before a wipe", "password.screen_lock_timeout_seconds": "Screen lock timeout",
	"checkin_interval_seconds": "Check-in interval", "wifi": "Wi-Fi networks", "ca_certs": "CA certificates", "apps": "App rules",
}

var listRef = regexp.MustCompile(`^(wifi|ca_certs|apps)\[(\d+)\]\.(.+)$`)

// settingLabel names a setting's field in words: "wifi[0].password" is
// "Wi-Fi network 1, password".
func settingLabel(field string) string {
	if m := listRef.FindStringSubmatch(field); m != nil {
		n, _ := strconv.Atoi(m[2])
		what := map[string]string{"wifi": "Wi-Fi network", "ca_certs": "CA certificate", "apps": "App rule"}[m[1]]
		return fmt.Sprintf("%s %d, %s", what, n+1, cmpOr(settingLabels[m[3]], m[3]))
	}
	return cmpOr(settingLabels[field], field)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// versionRow is a version with what changed in it.
type versionRow struct {
	*steward.PolicyVersion
	Changes []service.SettingChange
}

func (c *Console) policyPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.policyView(r, p, r.PathValue("policy"), "", nil)
}

// policyView builds a policy's editor; failed names the refused section,
// whose inputs show what was sent and errs.
func (c *Console) policyView(r *http.Request, p *page, id, failed string, errs map[string]string) (*response, error) {
	ctx := r.Context()
	d, err := c.svc.GetPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	v := policyView{PolicyDetail: d, Failed: failed, Targeted: map[string]bool{}, Owned: p.CanWrite()}
	v.AccountName = c.accountNames(ctx, d.AccountID)[d.AccountID]
	e := &editor{errs: map[string]string{}}
	st := d.Settings
	if failed != "" {
		e.errs = errs
		sent, _ := settingsFromForm(r.PostForm, st, failed)
		st = sent
	}
	e.build(&v, st)
	for _, f := range orderedErrors(errs) {
		v.Summary = append(v.Summary, fieldMsg{ID: "pol-" + idChars.Replace(f), Field: f, Label: settingLabel(f), Message: errs[f]})
	}
	for _, t := range d.Targets {
		v.Targeted[string(t.Kind)+":"+t.ID] = true
		if t.Kind == steward.TargetDevice {
			v.DeviceIDs += t.ID + "\n"
		}
	}
	if p.CanWrite() {
		if v.Choices, err = c.svc.PolicyTargetChoices(ctx, d.ID); err != nil {
			return nil, err
		}
	}
	vs, err := c.svc.PolicyVersions(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	for i, ver := range vs {
		row := versionRow{PolicyVersion: ver}
		if i < 20 { // the changes of the 20 newest
			var prev *steward.PolicySettings
			if i+1 < len(vs) {
				prev = &vs[i+1].Settings
			}
			row.Changes = service.SettingChanges(prev, &ver.Settings)
		}
		v.Versions = append(v.Versions, row)
	}
	p.Title, p.Nav, p.Data = d.Name, "policies", v
	return render("policy")
}

// orderedErrors lists the fields of errs in a stable order.
func orderedErrors(errs map[string]string) []string {
	out := make([]string, 0, len(errs))
	for f := range errs {
		out = append(out, f)
	}
	slices.Sort(out)
	return out
}

var securities = []string{protocol.WiFiOpen, "Open", protocol.WiFiWPA2Personal, "WPA2-Personal", protocol.WiFiWPA3Personal, "WPA3-Personal",
	protocol.WiFiWPA2Enterprise, "WPA2-Enterprise", protocol.WiFiWPA3Enterprise, "WPA3-Enterprise"}

// build fills the sections of v from st (the refused section as it was
// sent). Whether a network has stored secrets is read from the stored
// settings, by SSID, as the service keeps them.
func (e *editor) build(v *policyView, st steward.PolicySettings) {
	eap := []string{"", "—", protocol.EAPPEAP, "PEAP", protocol.EAPTLS, "EAP-TLS", protocol.EAPTTLS, "EAP-TTLS"}
	cas := []string{"", "None (do not check the server)"}
	for _, c := range v.Settings.CACerts {
		if c.CertInfo != nil {
			cas = append(cas, c.SHA256, c.Name)
		}
	}
	stored := map[string]steward.WiFiSetting{}
	for _, w := range v.Settings.WiFi {
		stored[w.SSID] = w
	}
	for i, w := range append(st.WiFi, steward.WiFiSetting{Security: protocol.WiFiWPA2Personal}) {
		n := fmt.Sprintf("wifi[%d]", i)
		// A network keeps its stored secrets by SSID (see the service).
		old, existing := stored[w.SSID]
		existing = existing && i < len(st.WiFi)
		row := wifiRow{Index: i, Existing: existing, PasswordSet: existing && old.PasswordSet, ClientKeySet: existing && old.ClientKeySet,
			SSID:       e.field(n+".ssid", "Network name (SSID)", "text", w.SSID),
			Security:   e.selectField(n+".security", "Security", w.Security, securities...),
			Hidden:     e.check(n+".hidden", "Hidden network", w.Hidden),
			EAP:        e.selectField(n+".eap_method", "EAP method", w.EAPMethod, eap...),
			Identity:   e.field(n+".identity", "Identity", "text", w.Identity),
			CA:         e.selectField(n+".ca_cert_sha256", "Server CA certificate", w.CACertSHA256, cas...),
			Domain:     e.field(n+".domain_suffix_match", "Server domain", "text", w.DomainSuffixMatch),
			ClientCert: e.field(n+".client_cert_pem", "Client certificate (PEM)", "textarea", w.ClientCertPEM),
			Password:   e.field(n+".password", "Password", "password", ""),
			ClientKey:  e.field(n+".client_key_pem", "Client private key (PEM)", "textarea", ""),
			ExistingIn: e.field(n+".existing", "", "hidden", strconv.FormatBool(existing)),
		}
		row.Domain.Hint = "The name on the RADIUS server's certificate, such as radius.example.com."
		row.Password.Hint = "8 to 63 characters for WPA2/WPA3-Personal."
		if existing {
			row.PasswordClear = e.check(n+".password_clear", "Remove the stored password", false)
			row.ClientKeyClear = e.check(n+".client_key_clear", "Remove the stored key", false)
			row.Remove = e.check(n+".remove", "Remove this network", false)
			if row.PasswordSet {
				row.Password.Placeholder = "Stored: leave empty to keep it"
			}
			if row.ClientKeySet {
				row.ClientKey.Placeholder = "Stored: leave empty to keep it"
			}
		}
		v.WiFi = append(v.WiFi, row)
	}
	v.WiFiRows = len(v.WiFi)
	for i, c := range append(st.CACerts, steward.CACertSetting{}) {
		n := fmt.Sprintf("ca_certs[%d]", i)
		row := caRow{Index: i, Info: c.CertInfo, Name: e.field(n+".name", "Name", "text", c.Name),
			PEM: e.field(n+".pem", "Certificate (PEM)", "textarea", c.PEM), Rem: e.check(n+".remove", "Remove this certificate", false)}
		if i == len(st.CACerts) {
			row.Info = nil
			row.PEM.Label, row.PEM.Hint = "Add a certificate: paste it (PEM) or choose a file", "A .pem, .crt or .cer file, PEM or DER."
			row.Name.Hint = "Optional: the certificate's common name by default."
		}
		v.CAs = append(v.CAs, row)
	}
	v.CARows = len(v.CAs)
	actions := []string{protocol.AppRequired, "Required (installed)", protocol.AppAllowed, "Allowed", protocol.AppBlocked, "Blocked"}
	for i, a := range append(st.Apps, steward.AppRuleSetting{Action: protocol.AppRequired}) {
		n := fmt.Sprintf("apps[%d]", i)
		v.Apps = append(v.Apps, appRuleRow{Index: i, Package: e.field(n+".package", "Package", "text", a.Package),
			Action: e.selectField(n+".action", "Rule", a.Action, actions...), Remove: e.check(n+".remove", "Remove", false)})
	}
	v.AppRows = len(v.Apps)
	kiosk := ""
	if st.Kiosk != nil {
		kiosk = st.Kiosk.Package
	}
	v.Kiosk = e.field("kiosk.package", "Kiosk app (package)", "text", kiosk)
	v.Kiosk.Hint = "Locks devices to this app. It must be a required app of this policy or an app of your store. Empty: no kiosk."
	pw := st.Password
	if pw == nil {
		pw = &steward.PasswordSetting{}
	}
	v.Password = []pfield{
		e.selectField("password.quality", "Quality", pw.Quality, "", "Not set", protocol.PasswordAny, "Any", protocol.PasswordNumeric, "Numeric",
			protocol.PasswordAlphanumeric, "Alphanumeric", protocol.PasswordComplex, "Complex"),
		e.number("password.min_length", "Minimum length", pw.MinLength, service.MinPasswordLength, service.MaxPasswordLength),
		e.number("password.max_failed_attempts", "Failed attempts before a wipe", pw.MaxFailedAttempts, 3, 100),
		e.number("password.screen_lock_timeout_seconds", "Screen lock after (seconds)", pw.ScreenLockTimeoutSec, 10, 3600),
	}
	r := st.Restrictions
	if r == nil {
		r = &steward.RestrictionsSetting{}
	}
	tri := func(name, label string, b *bool, unset, on, off string) pfield {
		val := ""
		if b != nil {
			val = strconv.FormatBool(*b)
		}
		return e.selectField(name, label, val, "", unset, "true", on, "false", off)
	}
	v.Restrictions = []pfield{
		tri("restrictions.disable_camera", "Camera", r.DisableCamera, "Not set", "Disabled", "Allowed"),
		tri("restrictions.disable_usb", "USB file transfer", r.DisableUSB, "Not set", "Disabled", "Allowed"),
		tri("restrictions.disable_screenshot", "Screenshots", r.DisableScreenshot, "Not set", "Disabled", "Allowed"),
	}
	tr := st.Tracking
	if tr == nil {
		tr = &steward.TrackingSetting{}
	}
	v.Tracking = []pfield{
		tri("tracking.location", "Location tracking", tr.Location, "Follow the account's switch", "On where the account's switch is on", "Off"),
		tri("tracking.web_history", "Web-history tracking", tr.WebHistory, "Follow the account's switch", "On where the account's switch is on", "Off"),
	}
	v.CheckIn = e.number("checkin_interval_seconds", "Check-in interval (seconds)", st.CheckInIntervalSeconds,
		service.MinCheckInIntervalSeconds, service.MaxCheckInIntervalSeconds)
	v.CheckIn.Hint = "How often devices check in when nothing is pushed; empty: the server's default (15 minutes)."
}

func (e *editor) number(name, label string, n *int, lo, hi int) pfield {
	val := ""
	if n != nil {
		val = strconv.Itoa(*n)
	}
	f := e.field(name, label, "number", val)
	f.Min, f.Max = strconv.Itoa(lo), strconv.Itoa(hi)
	return f
}

var sections = map[string]bool{"wifi": true, "ca_certs": true, "apps": true, "kiosk": true, "password": true,
	"restrictions": true, "tracking": true, "checkin": true}

// settingsFromForm replaces one section of current with what the form
// sent; rows removed or left blank are left out. fe holds what could not
// be read at all (a number that is not one). A refused section is shown
// again as it was sent, so the indices of the service's errors are those
// of the rows shown.
func settingsFromForm(f url.Values, current steward.PolicySettings, section string) (steward.PolicySettings, steward.FieldErrors) {
	st := current
	var fe steward.FieldErrors
	count := func(name string) int {
		n, _ := strconv.Atoi(f.Get(name))
		return min(max(n, 0), 1000)
	}
	on := func(name string) bool { return f.Get(name) == "true" }
	switch section {
	case "wifi":
		st.WiFi = nil
		for i := range count("wifi_rows") {
			n := fmt.Sprintf("wifi[%d]", i)
			ssid := f.Get(n + ".ssid")
			if on(n+".remove") || (ssid == "" && !on(n+".existing")) {
				continue
			}
			w := steward.WiFiSetting{SSID: ssid, Security: f.Get(n + ".security"), Hidden: on(n + ".hidden"),
				EAPMethod: f.Get(n + ".eap_method"), Identity: strings.TrimSpace(f.Get(n + ".identity")),
				CACertSHA256: f.Get(n + ".ca_cert_sha256"), DomainSuffixMatch: strings.TrimSpace(f.Get(n + ".domain_suffix_match")),
				ClientCertPEM: strings.TrimSpace(f.Get(n + ".client_cert_pem"))}
			if pw := f.Get(n + ".password"); pw != "" {
				w.Password = &pw
			} else if on(n + ".password_clear") {
				w.Password = new(string)
			}
			if k := strings.TrimSpace(f.Get(n + ".client_key_pem")); k != "" {
				w.ClientKeyPEM = &k
			} else if on(n + ".client_key_clear") {
				w.ClientKeyPEM = new(string)
			}
			st.WiFi = append(st.WiFi, w)
		}
	case "ca_certs":
		st.CACerts = nil
		for i := range count("ca_rows") {
			n := fmt.Sprintf("ca_certs[%d]", i)
			pem := strings.TrimSpace(f.Get(n + ".pem"))
			if on(n+".remove") || pem == "" {
				continue
			}
			st.CACerts = append(st.CACerts, steward.CACertSetting{Name: strings.TrimSpace(f.Get(n + ".name")), PEM: pem})
		}
	case "apps":
		st.Apps = nil
		for i := range count("app_rows") {
			n := fmt.Sprintf("apps[%d]", i)
			pkg := strings.TrimSpace(f.Get(n + ".package"))
			if on(n+".remove") || pkg == "" {
				continue
			}
			st.Apps = append(st.Apps, steward.AppRuleSetting{Package: pkg, Action: f.Get(n + ".action")})
		}
	case "kiosk":
		st.Kiosk = nil
		if pkg := strings.TrimSpace(f.Get("kiosk.package")); pkg != "" {
			st.Kiosk = &steward.KioskSetting{Package: pkg}
		}
	case "password":
		pw := &steward.PasswordSetting{Quality: f.Get("password.quality")}
		pw.MinLength = formInt(f, "password.min_length", &fe)
		pw.MaxFailedAttempts = formInt(f, "password.max_failed_attempts", &fe)
		pw.ScreenLockTimeoutSec = formInt(f, "password.screen_lock_timeout_seconds", &fe)
		st.Password = pw
		if *pw == (steward.PasswordSetting{}) {
			st.Password = nil
		}
	case "restrictions":
		r := &steward.RestrictionsSetting{DisableCamera: formBool(f, "restrictions.disable_camera"),
			DisableUSB: formBool(f, "restrictions.disable_usb"), DisableScreenshot: formBool(f, "restrictions.disable_screenshot")}
		st.Restrictions = r
		if *r == (steward.RestrictionsSetting{}) {
			st.Restrictions = nil
		}
	case "tracking":
		t := &steward.TrackingSetting{Location: formBool(f, "tracking.location"), WebHistory: formBool(f, "tracking.web_history")}
		st.Tracking = t
		if *t == (steward.TrackingSetting{}) {
			st.Tracking = nil
		}
	case "checkin":
		st.CheckInIntervalSeconds = formInt(f, "checkin_interval_seconds", &fe)
	}
	return st, fe
}

func formInt(f url.Values, name string, fe *steward.FieldErrors) *int {
	s := strings.TrimSpace(f.Get(name))
	if s == "" {
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		fe.Add(name, "Give a whole number.")
		return nil
	}
	return &n
}

func formBool(f url.Values, name string) *bool {
	switch f.Get(name) {
	case "true":
		return ptrBool(true)
	case "false":
		return ptrBool(false)
	}
	return nil
}

func ptrBool(b bool) *bool { return &b }

// formErrors lists the fields of a refused save with their messages.
func formErrors(err error) map[string]string {
	var fe steward.FieldErrors
	var list []*steward.Error
	if errors.As(err, &fe) {
		list = fe
	} else if f := steward.ErrorField(err); f != "" {
		list = []*steward.Error{{Field: f, Message: steward.ErrorMessage(err)}}
	}
	out := map[string]string{}
	for _, e := range list {
		if _, dup := out[e.Field]; !dup {
			out[e.Field] = e.Message
		}
	}
	return out
}

// savePolicySection saves one section of the editor as the next version.
func (c *Console) savePolicySection(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx, id, section := r.Context(), r.PathValue("policy"), r.PathValue("section")
	d, err := c.svc.GetPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	if !sections[section] {
		return nil, steward.Errorf(steward.ENOTFOUND, "No section %q.", section)
	}
	st, fe := settingsFromForm(r.PostForm, d.Settings, section)
	if len(fe) > 0 {
		err = fe
	} else {
		var saved *service.PolicyDetail
		saved, err = c.svc.UpdatePolicy(ctx, id, service.PolicyUpdate{Settings: &st})
		if err == nil {
			msg := "Nothing changed."
			if saved.CurrentVersion != d.CurrentVersion {
				msg = fmt.Sprintf("Saved as version %d. The devices it targets are told to fetch it.", saved.CurrentVersion)
			}
			return redirect(policyURL(id)+"#"+section, msg)
		}
	}
	errs := formErrors(err)
	if len(errs) == 0 && steward.ErrorCode(err) == steward.EINVALID {
		errs[section] = steward.ErrorMessage(err)
	}
	return refused(w, r, p, "policy-"+section, err, func(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
		return c.policyView(r, p, id, section, errs)
	})
}

// renamePolicy changes a policy's name and description.
func (c *Console) renamePolicy(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.PathValue("policy")
	name, desc := r.PostFormValue("name"), r.PostFormValue("description")
	if _, err := c.svc.UpdatePolicy(r.Context(), id, service.PolicyUpdate{Name: &name, Description: &desc}); err != nil {
		return refused(w, r, p, "policy-name", err, c.againPolicy)
	}
	return redirect(policyURL(id), "Saved.")
}

func (c *Console) againPolicy(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.policyView(r, p, r.PathValue("policy"), "", nil)
}

// setPolicyTargets saves the targets ticked and the device IDs typed.
func (c *Console) setPolicyTargets(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.PathValue("policy")
	var ts []steward.Target
	for _, v := range r.PostForm["target"] {
		kind, tid, ok := strings.Cut(v, ":")
		if ok {
			ts = append(ts, steward.Target{Kind: steward.TargetKind(kind), ID: tid})
		}
	}
	for _, dev := range strings.Fields(strings.ReplaceAll(r.PostFormValue("device_ids"), ",", " ")) {
		ts = append(ts, steward.Target{Kind: steward.TargetDevice, ID: dev})
	}
	if _, err := c.svc.SetPolicyTargets(r.Context(), id, ts); err != nil {
		return refused(w, r, p, "policy-targets", asFormError(err, nil), c.againPolicy)
	}
	return redirect(policyURL(id)+"#targets", "Targets saved. The devices they cover are told to fetch their policy.")
}

// deletePolicy deletes a policy once its name is typed.
func (c *Console) deletePolicy(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	d, err := c.svc.GetPolicy(ctx, r.PathValue("policy"))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.PostFormValue("confirm_name")) != d.Name {
		return refused(w, r, p, "policy-delete", steward.FieldErrorf("confirm_name", "Type the policy's name, %s, to confirm.", d.Name),
			c.againPolicy)
	}
	if err := c.svc.DeletePolicy(ctx, d.ID); err != nil {
		return nil, err
	}
	return redirect("/console/policies", d.Name+" is deleted, with every version and its secrets.")
}

// targetKey is how the targets form names a target.
func targetKey(kind, id string) string { return kind + ":" + id }

// effectiveView is a device's effective policy with each setting's value
// in words (secrets as whether they are set).
type effectiveView struct {
	*steward.EffectivePolicy
	Values map[string]string
}

func newEffectiveView(e *steward.EffectivePolicy) *effectiveView {
	v := &effectiveView{EffectivePolicy: e, Values: map[string]string{}}
	s := &e.Settings
	onOff := func(b *bool, on, off string) string {
		if b == nil {
			return ""
		}
		if *b {
			return on
		}
		return off
	}
	for _, w := range s.WiFi {
		val := w.Security
		if w.EAPMethod != "" {
			val += ", " + w.EAPMethod
		}
		if w.Hidden {
			val += ", hidden"
		}
		if w.PasswordSet {
			val += ", password set"
		}
		if w.ClientKeySet {
			val += ", client key set"
		}
		v.Values[protocol.KeyWiFiPrefix+w.SSID] = val
	}
	for _, c := range s.CACerts {
		if c.CertInfo != nil {
			val := c.Name
			if c.Expired {
				val += " (expired)"
			} else if c.Expiring {
				val += " (expires within 30 days)"
			}
			v.Values[protocol.KeyCACertPrefix+c.SHA256] = val
		}
	}
	for _, a := range s.Apps {
		v.Values[protocol.KeyAppPrefix+a.Package] = a.Action
	}
	if s.Kiosk != nil {
		v.Values["kiosk"] = s.Kiosk.Package
	}
	if p := s.Password; p != nil {
		var parts []string
		if p.Quality != "" {
			parts = append(parts, p.Quality)
		}
		if p.MinLength != nil {
			parts = append(parts, fmt.Sprintf("at least %d characters", *p.MinLength))
		}
		if p.MaxFailedAttempts != nil {
			parts = append(parts, fmt.Sprintf("wipe after %d failures", *p.MaxFailedAttempts))
		}
		if p.ScreenLockTimeoutSec != nil {
			parts = append(parts, fmt.Sprintf("locks after %d s", *p.ScreenLockTimeoutSec))
		}
		v.Values["password"] = strings.Join(parts, ", ")
	}
	if r := s.Restrictions; r != nil {
		v.Values["restrictions.disable_camera"] = onOff(r.DisableCamera, "disabled", "allowed")
		v.Values["restrictions.disable_usb"] = onOff(r.DisableUSB, "disabled", "allowed")
		v.Values["restrictions.disable_screenshot"] = onOff(r.DisableScreenshot, "disabled", "allowed")
	}
	if t := s.Tracking; t != nil {
		v.Values["tracking.location"] = onOff(t.Location, "on where the account allows it", "off")
		v.Values["tracking.web_history"] = onOff(t.WebHistory, "on where the account allows it", "off")
	}
	if n := s.CheckInIntervalSeconds; n != nil {
		v.Values["checkin_interval_seconds"] = fmt.Sprintf("every %d s", *n)
	}
	return v
}

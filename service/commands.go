package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// CommandTTL is how long a command waits for its device by default.
const CommandTTL = 7 * 24 * time.Hour

// CommandRetention is how long finished commands are kept before
// compaction removes them, so the queue does not grow without bound.
const CommandRetention = 30 * 24 * time.Hour

// CommandSend issues a command to devices: listed ones, or every device of
// an account's subtree matching a filter (a bulk command).
type CommandSend struct {
	DeviceIDs []string              `json:"device_ids,omitempty"`
	Filter    *steward.DeviceFilter `json:"filter,omitempty"`
	Type      steward.CommandType   `json:"type"`
	Payload   json.RawMessage       `json:"payload,omitempty"`
	TTL       time.Duration         `json:"-"`
	// Confirm must be true for a wipe: it erases the device.
	Confirm bool `json:"confirm,omitempty"`
}

// MaxBulkDevices bounds one bulk command.
const MaxBulkDevices = 100000

// SendCommand queues a command for each targeted device in the actor's
// subtree and pushes it to those connected. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) SendCommand(ctx context.Context, in CommandSend) ([]*steward.Command, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	if !slices.Contains(steward.CommandTypes, in.Type) {
		return nil, steward.FieldErrorf("type", "Unknown command type %q.", in.Type)
	}
	if err := validatePayload(in.Type, in.Payload); err != nil {
		return nil, err
	}
	if in.Type == steward.CmdWipe && !in.Confirm {
		return nil, steward.FieldErrorf("confirm", "A wipe erases the device and everything Steward holds about it: confirm it.")
	}
	// The targets come page by page: named devices are all resolved first
	// (a foreign one refuses the whole command), a filter is listed one
	// page at a time while the previous page is queued and pushed.
	var next func() ([]*steward.Device, error)
	bulk := ""
	switch {
	case len(in.DeviceIDs) > 0 && in.Filter != nil:
		return nil, steward.FieldErrorf("filter", "Give device IDs or a filter, not both.")
	case len(in.DeviceIDs) > 0:
		if len(in.DeviceIDs) > MaxBulkDevices {
			return nil, steward.FieldErrorf("device_ids", "At most %d devices at once.", MaxBulkDevices)
		}
		var devices []*steward.Device
		seen := map[string]bool{}
		for _, id := range in.DeviceIDs {
			if seen[id] {
				continue // one command per device, however often it is named
			}
			seen[id] = true
			d, err := s.reachDevice(ctx, id)
			if err != nil {
				return nil, err
			}
			devices = append(devices, d)
		}
		if len(devices) > 1 {
			bulk = steward.NewID(s.now())
		}
		next = func() ([]*steward.Device, error) {
			page := devices[:min(bulkPage, len(devices))]
			devices = devices[len(page):]
			return page, nil
		}
	case in.Filter != nil:
		_, root, err := s.reachAccount(ctx, in.Filter.AccountID)
		if err != nil {
			return nil, err
		}
		f := *in.Filter
		f.Limit, f.After = bulkPage, ""
		listed, done := 0, false
		next = func() ([]*steward.Device, error) {
			if done || listed >= MaxBulkDevices {
				return nil, nil
			}
			page, err := s.listDevices(ctx, root.Path, f, MaxBulkDevices/bulkPage)
			if err != nil {
				return nil, err
			}
			listed += len(page)
			done = len(page) < f.Limit
			if len(page) > 0 {
				f.After = page[len(page)-1].ID
			}
			return page, nil
		}
		bulk = steward.NewID(s.now())
	default:
		return nil, steward.FieldErrorf("device_ids", "Name the devices, or give a filter.")
	}
	page, err := next()
	if err != nil {
		return nil, err
	}
	if len(page) == 0 {
		return nil, steward.FieldErrorf("filter", "No device matches.")
	}
	now := s.now()
	ttl := in.TTL
	if ttl <= 0 {
		ttl = CommandTTL
	}
	// Queue and push page by page: each page is inserted in a transaction
	// of its own, with an audit entry per account it touches, and pushed
	// while the next page is listed and inserted; so the first devices of
	// a large bulk command have it within milliseconds, not after the whole
	// bulk is written. If a page fails, the error says how many devices
	// were queued; the commands already queued stand (and are delivered).
	p := s.newPusher(ctx)
	var cmds []*steward.Command
	for n := 1; len(page) > 0; n++ {
		cs := make([]*steward.Command, len(page))
		per := map[string]int{}
		for i, d := range page {
			cs[i] = &steward.Command{ID: steward.NewID(now), DeviceID: d.ID, AccountID: d.AccountID, BulkID: bulk, Type: in.Type,
				Payload: in.Payload, Status: steward.CommandQueued, IssuedBy: a.ManagerID, IssuedByEmail: a.Email,
				CreatedAt: now, ExpiresAt: now.Add(ttl)}
			per[d.AccountID]++
		}
		err = s.store.InTx(ctx, func(ctx context.Context) error {
			if err := s.store.InsertCommands(ctx, cs); err != nil {
				return err
			}
			// One audit entry per account touched, not per device.
			for acc, count := range per {
				target, kind, summary := cs[0].DeviceID, "device", map[string]any{"type": in.Type, "devices": count}
				if bulk != "" {
					target, kind, summary["page"] = bulk, "bulk_command", n
				}
				if err := s.record(ctx, acc, "command.send", kind, target, summary); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			break
		}
		for _, c := range cs {
			s.pending.queued(c.DeviceID)
		}
		p.add(cs)
		cmds = append(cmds, cs...)
		if page, err = next(); err != nil {
			break
		}
	}
	p.finish()
	p.markPushed(cmds)
	if err != nil && len(cmds) > 0 {
		s.logger.Error("bulk command stopped part-way", "bulk", bulk, "queued", len(cmds), "err", err)
		return nil, steward.Errorf(steward.EINTERNAL, "Only %d commands were queued (bulk %s) before an error; send the command again to the devices that lack it.", len(cmds), bulk)
	}
	if err != nil {
		return nil, err
	}
	return cmds, nil
}

// bulkPage is how many commands of a bulk command are queued (and pushed)
// at a time.
const bulkPage = 500

// pusher pushes commands to their devices from a bounded pool of senders,
// so that a bulk command reaches a large fleet at once, and records the
// deliveries in batches from a goroutine of its own, so that no sender
// waits for the database.
type pusher struct {
	s       *Service
	ctx     context.Context
	pages   chan []*steward.Command // queued for the feeder, which hands them to the senders
	next    chan *steward.Command
	senders sync.WaitGroup
	marks   chan []string
	marked  chan struct{}

	mu        sync.Mutex
	batch     []string
	delivered map[string]bool
}

const (
	pushSenders = 64
	markBatch   = 500
)

func (s *Service) newPusher(ctx context.Context) *pusher {
	p := &pusher{s: s, ctx: ctx, pages: make(chan []*steward.Command, MaxBulkDevices/bulkPage+1),
		next: make(chan *steward.Command, pushSenders), marks: make(chan []string, 4),
		marked: make(chan struct{}), delivered: map[string]bool{}}
	for range pushSenders {
		p.senders.Add(1)
		go p.send()
	}
	go func() {
		for page := range p.pages {
			for _, c := range page {
				p.next <- c
			}
		}
		close(p.next)
	}()
	go p.mark()
	return p
}

func (p *pusher) send() {
	defer p.senders.Done()
	for c := range p.next {
		if !p.s.notify(p.ctx, c.DeviceID, []protocol.Command{toWire(c)}) {
			continue
		}
		p.mu.Lock()
		p.delivered[c.ID] = true
		p.batch = append(p.batch, c.ID)
		var full []string
		if len(p.batch) >= markBatch {
			full, p.batch = p.batch, nil
		}
		p.mu.Unlock()
		if full != nil {
			p.marks <- full
		}
	}
}

// mark records deliveries; a failure is logged, and the devices' next
// poll delivers the commands again (at-least-once).
func (p *pusher) mark() {
	defer close(p.marked)
	ctx := context.WithoutCancel(p.ctx)
	for ids := range p.marks {
		if err := p.s.store.MarkDelivered(ctx, ids, p.s.now()); err != nil {
			p.s.logger.Warn("record deliveries", "err", err)
		}
	}
}

// add queues commands to push, without waiting for them to be pushed.
func (p *pusher) add(cmds []*steward.Command) { p.pages <- cmds }

// finish waits until every command is pushed and every delivery recorded.
func (p *pusher) finish() {
	close(p.pages)
	p.senders.Wait()
	if len(p.batch) > 0 {
		p.marks <- p.batch
	}
	close(p.marks)
	<-p.marked
}

// markPushed sets the status of the commands that were pushed.
func (p *pusher) markPushed(cmds []*steward.Command) {
	for _, c := range cmds {
		if p.delivered[c.ID] && c.Status == steward.CommandQueued {
			c.Status = steward.CommandDelivered
		}
	}
}

func validatePayload(t steward.CommandType, p json.RawMessage) error {
	if len(p) > 16<<10 {
		return steward.FieldErrorf("payload", "A payload has at most 16 KiB.")
	}
	strict := func(v any) error {
		if len(p) == 0 {
			return steward.FieldErrorf("payload", "The %s command needs a payload.", t)
		}
		dec := json.NewDecoder(strings.NewReader(string(p)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return steward.FieldErrorf("payload", "Invalid payload for %s: %v", t, err)
		}
		return nil
	}
	switch t {
	case steward.CmdInstallApp, steward.CmdUpdateApp, steward.CmdUninstallApp, steward.CmdClearAppCache:
		var v protocol.AppPayload
		if err := strict(&v); err != nil {
			return err
		}
		if v.Package == "" || len(v.Package) > 255 || strings.ContainsAny(v.Package, "/\\ ") || strings.Contains(v.Package, "..") {
			return steward.FieldErrorf("payload.package", "Give a valid package name.")
		}
	case steward.CmdSendMessage:
		var v protocol.MessagePayload
		if err := strict(&v); err != nil {
			return err
		}
		if strings.TrimSpace(v.Body) == "" || utf8.RuneCountInString(v.Body) > 2000 || utf8.RuneCountInString(v.Title) > 200 {
			return steward.FieldErrorf("payload.body", "A message needs a body of at most 2000 characters (title at most 200).")
		}
	case steward.CmdLock:
		if len(p) > 0 {
			var v protocol.LockPayload
			return strict(&v)
		}
	case steward.CmdAgentEnable, steward.CmdAgentDisable:
		if len(p) > 0 {
			var v protocol.AgentPayload
			return strict(&v)
		}
	default:
		if len(p) > 0 && string(p) != "{}" && string(p) != "null" {
			return steward.FieldErrorf("payload", "The %s command takes no payload.", t)
		}
	}
	return nil
}

func toWire(c *steward.Command) protocol.Command {
	return protocol.Command{ID: c.ID, Type: string(c.Type), Payload: c.Payload, ExpiresAt: c.ExpiresAt}
}

// Command returns a command of a device in the actor's subtree.
func (s *Service) Command(ctx context.Context, id string) (*steward.Command, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.store.CommandByID(ctx, id)
	hidden := steward.Errorf(steward.ENOTFOUND, "Command %q not found.", id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, hidden
	} else if err != nil {
		return nil, err
	}
	acc, err := s.store.AccountByID(ctx, c.AccountID)
	if err != nil || !a.Reaches(acc.Path) {
		return nil, hidden
	}
	return c, nil
}

// Commands lists commands in the actor's subtree, newest first.
func (s *Service) Commands(ctx context.Context, f steward.CommandFilter) ([]*steward.Command, error) {
	if f.Status != "" && !f.Status.Valid() {
		steward.MarkAuthorized(ctx)
		return nil, steward.FieldErrorf("status", "Unknown status %q: queued, delivered, acknowledged, succeeded, failed, expired or cancelled.", f.Status)
	}
	if f.DeviceID != "" {
		d, err := s.reachDevice(ctx, f.DeviceID)
		if err != nil {
			return nil, err
		}
		f.AccountID = d.AccountID
	}
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	return s.store.ListCommands(ctx, acc.Path, f)
}

// CancelCommand cancels a command the device has not acknowledged yet.
// ECONFLICT when it is too late.
func (s *Service) CancelCommand(ctx context.Context, id string) (*steward.Command, error) {
	c, err := s.Command(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(steward.ActorFromContext(ctx)); err != nil {
		return nil, err
	}
	var ok bool
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		ok, err = s.store.TransitionCommand(ctx, c.ID, []steward.CommandStatus{steward.CommandQueued, steward.CommandDelivered},
			steward.CommandCancelled, "cancelled by "+steward.ActorFromContext(ctx).Email, s.now())
		if err != nil || !ok {
			return err
		}
		return s.record(ctx, c.AccountID, "command.cancel", "command", c.ID, map[string]any{"type": c.Type})
	})
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, steward.Errorf(steward.ECONFLICT, "The command is already %s; it can no longer be cancelled.", c.Status)
	}
	return s.store.CommandByID(ctx, c.ID)
}

// deliverPending returns a device's pending commands and marks the queued
// ones delivered.
func (s *Service) deliverPending(ctx context.Context, deviceID string, limit int) ([]protocol.Command, error) {
	gen, empty := s.pending.state(deviceID)
	if empty {
		return []protocol.Command{}, nil
	}
	cmds, err := s.store.PendingCommands(ctx, deviceID, s.now(), limit)
	if err != nil {
		return nil, err
	}
	if len(cmds) == 0 {
		s.pending.markEmpty(deviceID, gen)
	}
	out := make([]protocol.Command, 0, len(cmds))
	var queued []string
	for _, c := range cmds {
		out = append(out, toWire(c))
		if c.Status == steward.CommandQueued {
			queued = append(queued, c.ID)
		}
	}
	if len(queued) > 0 {
		if err := s.store.MarkDelivered(ctx, queued, s.now()); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PendingCommands answers a device's poll; with wait > 0 it holds the
// request until a command arrives or wait ends (long poll).
func (s *Service) PendingCommands(ctx context.Context, dev *Device, wait time.Duration) (*protocol.CommandsResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	s.live.touch(dev.ID, s.now())
	cmds, err := s.deliverPending(ctx, dev.ID, 50)
	if err != nil || len(cmds) > 0 || wait <= 0 {
		return &protocol.CommandsResponse{Commands: cmds}, err
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	s.waitForCommands(wctx, dev.ID)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	cmds, err = s.deliverPending(ctx, dev.ID, 50)
	return &protocol.CommandsResponse{Commands: cmds}, err
}

// deviceCommand loads a command of the calling device. Another device's
// (or account's) command ID answers ENOTFOUND.
func (s *Service) deviceCommand(ctx context.Context, dev *Device, id string) (*steward.Command, error) {
	c, err := s.store.CommandByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && c.DeviceID != dev.ID) {
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "device.foreign_command", AccountID: dev.AccountID,
			Detail: detail("device_id", dev.ID, "command_id", id)})
		return nil, steward.Errorf(steward.ENOTFOUND, "Command %q is not a command of this device.", id)
	}
	return c, err
}

// AckCommand records that the device received a command and is about to
// act on it. Repeated acks are harmless. Acknowledgements arriving together
// are committed together (see groupcommit.go).
func (s *Service) AckCommand(ctx context.Context, dev *Device, id string) error {
	steward.MarkAuthorized(ctx)
	var ok bool
	at := s.now()
	err := s.acks.do(ctx, func(ctx context.Context) (err error) {
		ok, err = s.store.AcknowledgeCommand(ctx, dev.ID, id, at)
		return err
	})
	if err != nil || ok {
		return err
	}
	// Nothing moved: find out why (another device's command, a repeated
	// ack, or a command that can no longer run).
	c, err := s.deviceCommand(ctx, dev, id)
	if err != nil {
		return err
	}
	if c.Status != steward.CommandAcknowledged { // a repeated ack is harmless
		return steward.Errorf(steward.ECONFLICT, "The command is %s: do not run it.", c.Status)
	}
	return nil
}

// CommandResult records how a command ended. At-least-once delivery means
// a result may arrive twice: only the first is recorded. A confirmed wipe
// deletes everything Steward holds about the device, in the same
// transaction as the result.
func (s *Service) CommandResult(ctx context.Context, dev *Device, id string, r *protocol.CommandResult) error {
	steward.MarkAuthorized(ctx)
	c, err := s.deviceCommand(ctx, dev, id)
	if err != nil {
		return err
	}
	to := steward.CommandSucceeded
	output := r.Output
	switch r.Status {
	case protocol.ResultSucceeded:
	case protocol.ResultFailed:
		to = steward.CommandFailed
	case protocol.ResultUnsupported:
		to, output = steward.CommandFailed, strings.TrimSpace("unsupported: "+output)
	default:
		return steward.FieldErrorf("status", "The status must be succeeded, failed or unsupported.")
	}
	if len(output) > 16<<10 {
		output = output[:16<<10]
	}
	from := []steward.CommandStatus{steward.CommandQueued, steward.CommandDelivered, steward.CommandAcknowledged}
	now := s.now()
	wiped := false
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		ok, err := s.store.TransitionCommand(ctx, c.ID, from, to, output, now)
		if err != nil || !ok {
			return err // a repeated result changes nothing
		}
		if err := s.deviceEvent(ctx, dev.ID, "command", map[string]any{"id": c.ID, "type": c.Type, "status": to}); err != nil {
			return err
		}
		if err := s.appCommandResult(ctx, c, to, output); err != nil {
			return err
		}
		if to != steward.CommandSucceeded {
			return nil
		}
		switch c.Type {
		case steward.CmdWipe:
			d, err := s.store.DeviceByID(ctx, dev.ID)
			if err != nil {
				return err
			}
			if err := s.store.DeleteDevice(ctx, dev.ID); err != nil {
				return err
			}
			wiped = true
			return s.record(ctx, dev.AccountID, "device.wiped", "device", dev.ID,
				map[string]any{"support_id": d.SupportID, "command_id": c.ID, "issued_by": c.IssuedByEmail})
		case steward.CmdAgentDisable, steward.CmdAgentEnable:
			reason := ""
			if c.Type == steward.CmdAgentDisable {
				reason = protocol.ReasonDisabledByAdmin
			}
			return s.store.SetDeviceAgent(ctx, dev.ID, c.Type == steward.CmdAgentEnable, reason, now)
		}
		return nil
	})
	s.states.forget(dev.ID) // a wipe, or the agent enabled or disabled
	if wiped {
		s.devAuth.forget(dev.ID)
		s.pending.forget(dev.ID)
	}
	return err
}

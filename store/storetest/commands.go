package storetest

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// newCommand returns a queued command of type typ for dev that expires
// after ttl, not yet inserted.
func (f *fixture) newCommand(dev *steward.Device, typ steward.CommandType, ttl time.Duration) *steward.Command {
	now := f.now()
	return &steward.Command{
		ID: steward.NewID(now), DeviceID: dev.ID, AccountID: dev.AccountID, Type: typ, Status: steward.CommandQueued,
		IssuedBy: "mgr-1", IssuedByEmail: "admin@example.com", CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
}

// commands inserts n queued commands for dev.
func (f *fixture) commands(t *testing.T, dev *steward.Device, n int, ttl time.Duration) []*steward.Command {
	t.Helper()
	cs := make([]*steward.Command, n)
	for i := range cs {
		cs[i] = f.newCommand(dev, steward.CmdSync, ttl)
	}
	ok(t, f.db.InsertCommands(f.ctx, cs))
	return cs
}

// command reads a command back.
func (f *fixture) command(t *testing.T, id string) *steward.Command {
	t.Helper()
	c, err := f.db.CommandByID(f.ctx, id)
	ok(t, err)
	return c
}

func (f *fixture) countCommands(t *testing.T) int64 {
	t.Helper()
	n, err := f.db.CountCommands(f.ctx)
	ok(t, err)
	return n
}

// drain runs a batched sweep until it returns fewer than batch, checking
// that no call goes over batch, and returns the total and the number of
// calls.
func drain(t *testing.T, batch int, sweep func(batch int) (int64, error)) (total int64, calls int) {
	t.Helper()
	for {
		n, err := sweep(batch)
		ok(t, err)
		calls++
		if n > int64(batch) {
			t.Fatalf("a batch of %d changed %d commands", batch, n)
		}
		total += n
		if n < int64(batch) {
			return total, calls
		}
	}
}

func (f *fixture) expire(t *testing.T, now time.Time, batch int) (int64, int) {
	t.Helper()
	return drain(t, batch, func(batch int) (int64, error) { return f.db.ExpireCommands(f.ctx, now, batch) })
}

func (f *fixture) compact(t *testing.T, before time.Time, batch int) (int64, int) {
	t.Helper()
	return drain(t, batch, func(batch int) (int64, error) { return f.db.CompactCommands(f.ctx, before, batch) })
}

func commandIDs(cs ...*steward.Command) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func testCommandInsertAndGet(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	full := f.newCommand(d, steward.CmdInstallApp, time.Hour)
	full.BulkID, full.Payload = "bulk-1", json.RawMessage(`{"package":"com.example.mail","version_code":310}`)
	full.Status, full.Output = steward.CommandSucceeded, "installed"
	full.DeliveredAt, full.AckedAt, full.FinishedAt = ptr(full.CreatedAt.Add(time.Second)), ptr(full.CreatedAt.Add(2*time.Second)),
		ptr(full.CreatedAt.Add(3*time.Second))
	bare := f.newCommand(d, steward.CmdReboot, time.Minute)
	ok(t, f.db.InsertCommands(f.ctx, []*steward.Command{full, bare}))
	ok(t, f.db.InsertCommands(f.ctx, nil))
	diff(t, "full command", f.command(t, full.ID), full)
	diff(t, "bare command", f.command(t, bare.ID), bare)
	_, err := f.db.CommandByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)

	// A batch goes in whole or not at all.
	fresh := f.newCommand(d, steward.CmdSync, time.Hour)
	wantCode(t, f.db.InsertCommands(f.ctx, []*steward.Command{fresh, bare}), steward.ECONFLICT)
	orphan := f.newCommand(d, steward.CmdSync, time.Hour)
	orphan.DeviceID = "missing"
	wantCode(t, f.db.InsertCommands(f.ctx, []*steward.Command{fresh, orphan}), steward.ENOTFOUND)
	_, err = f.db.CommandByID(f.ctx, fresh.ID)
	wantCode(t, err, steward.ENOTFOUND)

	// A bulk action over many devices: several statements, one transaction.
	var many []*steward.Command
	devs := []*steward.Device{d, f.device(t, tr.c1, nil), f.device(t, tr.c2, nil)}
	for i := range 1203 {
		c := f.newCommand(devs[i%len(devs)], steward.CmdSync, time.Hour)
		c.BulkID = "bulk-2"
		many = append(many, c)
	}
	ok(t, f.db.InsertCommands(f.ctx, many))
	if n := f.countCommands(t); n != 2+1203 {
		t.Errorf("%d commands, want %d", n, 2+1203)
	}
	diff(t, "last of many", f.command(t, many[1202].ID), many[1202])
}

func testCommandPending(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	other := f.device(t, tr.c1, nil)
	queued := f.newCommand(d, steward.CmdSync, time.Hour)
	delivered := f.newCommand(d, steward.CmdLock, time.Hour)
	acked := f.newCommand(d, steward.CmdWipe, time.Hour)
	done := f.newCommand(d, steward.CmdReboot, time.Hour)
	soon := f.newCommand(d, steward.CmdSync, 10*time.Millisecond)
	later := f.newCommand(d, steward.CmdSendMessage, time.Hour)
	mine := f.newCommand(other, steward.CmdSync, time.Hour)
	ok(t, f.db.InsertCommands(f.ctx, []*steward.Command{queued, delivered, acked, done, soon, later, mine}))
	now := f.now()
	ok(t, f.db.MarkDelivered(f.ctx, []string{delivered.ID, acked.ID, done.ID}, now))
	delivered.Status, delivered.DeliveredAt = steward.CommandDelivered, &now
	for _, mv := range []struct {
		c  *steward.Command
		to steward.CommandStatus
	}{{acked, steward.CommandAcknowledged}, {done, steward.CommandSucceeded}} {
		moved, err := f.db.TransitionCommand(f.ctx, mv.c.ID, []steward.CommandStatus{steward.CommandDelivered}, mv.to, "", now)
		ok(t, err)
		if !moved {
			t.Fatalf("command %s not moved to %s", mv.c.Type, mv.to)
		}
	}

	for _, tc := range []struct {
		name   string
		device string
		at     time.Time
		limit  int
		want   []*steward.Command
	}{
		{"queued and delivered, oldest first", d.ID, now, 0, []*steward.Command{queued, delivered, soon, later}},
		{"limit", d.ID, now, 2, []*steward.Command{queued, delivered}},
		{"expired at its expiry", d.ID, soon.ExpiresAt, 0, []*steward.Command{queued, delivered, later}},
		{"all expired", d.ID, now.Add(2 * time.Hour), 0, nil},
		{"other device", other.ID, now, 0, []*steward.Command{mine}},
		{"unknown device", "missing", now, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.PendingCommands(f.ctx, tc.device, tc.at, tc.limit)
			ok(t, err)
			diff(t, "pending commands", got, tc.want)
		})
	}
}

func testCommandMarkDelivered(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	cs := f.commands(t, d, 3, time.Hour)
	first := f.now()
	moved, err := f.db.TransitionCommand(f.ctx, cs[2].ID, []steward.CommandStatus{steward.CommandQueued}, steward.CommandCancelled, "", first)
	ok(t, err)
	if !moved {
		t.Fatal("queued command not cancelled")
	}
	ids := []string{cs[0].ID, cs[2].ID}
	for i := range 600 { // unknown IDs, past one statement's worth
		ids = append(ids, fmt.Sprintf("missing-%d", i))
	}
	ok(t, f.db.MarkDelivered(f.ctx, ids, first))
	ok(t, f.db.MarkDelivered(f.ctx, []string{cs[0].ID}, f.now())) // already delivered: unchanged
	ok(t, f.db.MarkDelivered(f.ctx, nil, f.now()))

	cs[0].Status, cs[0].DeliveredAt = steward.CommandDelivered, &first
	cs[2].Status, cs[2].FinishedAt = steward.CommandCancelled, &first
	for _, c := range cs {
		diff(t, "command "+c.ID, f.command(t, c.ID), c)
	}
}

func testCommandTransition(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	cs := f.commands(t, d, 4, time.Hour)
	c, c2, c3, c4 := cs[0], cs[1], cs[2], cs[3]
	move := func(c *steward.Command, from []steward.CommandStatus, to steward.CommandStatus, output string, at time.Time) bool {
		t.Helper()
		moved, err := f.db.TransitionCommand(f.ctx, c.ID, from, to, output, at)
		ok(t, err)
		return moved
	}
	delivered := []steward.CommandStatus{steward.CommandDelivered}
	running := []steward.CommandStatus{steward.CommandDelivered, steward.CommandAcknowledged}

	// queued → delivered → acknowledged → succeeded, each time recorded.
	t1, t2, t3 := f.now(), f.now(), f.now()
	if !move(c, []steward.CommandStatus{steward.CommandQueued}, steward.CommandDelivered, "", t1) {
		t.Fatal("not delivered")
	}
	if !move(c, delivered, steward.CommandAcknowledged, "", t2) {
		t.Fatal("not acknowledged")
	}
	if !move(c, running, steward.CommandSucceeded, "done", t3) {
		t.Fatal("not succeeded")
	}
	c.Status, c.Output, c.DeliveredAt, c.AckedAt, c.FinishedAt = steward.CommandSucceeded, "done", &t1, &t2, &t3
	diff(t, "succeeded command", f.command(t, c.ID), c)

	// The same result again, or a late one, changes nothing.
	if move(c, running, steward.CommandSucceeded, "done", f.now()) {
		t.Error("second identical result moved the command")
	}
	if move(c, running, steward.CommandFailed, "late failure", f.now()) {
		t.Error("late failure moved a succeeded command")
	}
	diff(t, "succeeded command after repeats", f.command(t, c.ID), c)

	// An empty output keeps the one recorded before.
	ok(t, f.db.MarkDelivered(f.ctx, []string{c2.ID}, t1))
	if !move(c2, delivered, steward.CommandAcknowledged, "wiping", t2) || !move(c2, running, steward.CommandFailed, "", t3) {
		t.Fatal("c2 not moved")
	}
	c2.Status, c2.Output, c2.DeliveredAt, c2.AckedAt, c2.FinishedAt = steward.CommandFailed, "wiping", &t1, &t2, &t3
	diff(t, "failed command", f.command(t, c2.ID), c2)

	// A queued command cancelled: finished, never delivered.
	if !move(c3, []steward.CommandStatus{steward.CommandQueued, steward.CommandDelivered}, steward.CommandCancelled, "", t3) {
		t.Fatal("not cancelled")
	}
	c3.Status, c3.FinishedAt = steward.CommandCancelled, &t3
	diff(t, "cancelled command", f.command(t, c3.ID), c3)

	// A transition from a status the command is not in does nothing.
	if move(c4, running, steward.CommandSucceeded, "x", t3) {
		t.Error("queued command moved as if delivered")
	}
	diff(t, "untouched command", f.command(t, c4.ID), c4)
	if move(&steward.Command{ID: "missing"}, running, steward.CommandSucceeded, "", t3) {
		t.Error("unknown command moved")
	}
	if _, err := f.db.TransitionCommand(f.ctx, c4.ID, nil, steward.CommandSucceeded, "", t3); err == nil {
		t.Error("transition from no status: no error")
	}
}

func testCommandList(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d1 := f.device(t, tr.c1, nil)
	d2 := f.device(t, tr.c2, nil)
	d3 := f.device(t, tr.c3, nil)
	cmd := func(d *steward.Device, bulk string) *steward.Command {
		c := f.newCommand(d, steward.CmdSync, time.Hour)
		c.BulkID = bulk
		ok(t, f.db.InsertCommands(f.ctx, []*steward.Command{c}))
		return c
	}
	c1 := cmd(d1, "b1")
	c2 := cmd(d2, "b1")
	c3 := cmd(d3, "b1")
	c4 := cmd(d1, "")
	c5 := cmd(d2, "b2")
	c6 := cmd(d1, "b2")
	at := f.now()
	_, err := f.db.TransitionCommand(f.ctx, c4.ID, []steward.CommandStatus{steward.CommandQueued}, steward.CommandCancelled, "", at)
	ok(t, err)
	c4.Status, c4.FinishedAt = steward.CommandCancelled, &at

	for _, tc := range []struct {
		name   string
		prefix string
		filter steward.CommandFilter
		want   []string
	}{
		{"tree", tr.p.Path, steward.CommandFilter{}, commandIDs(c6, c5, c4, c3, c2, c1)},
		{"reseller", tr.r1.Path, steward.CommandFilter{}, commandIDs(c6, c5, c4, c2, c1)},
		{"client", tr.c1.Path, steward.CommandFilter{}, commandIDs(c6, c4, c1)},
		{"account narrows", tr.p.Path, steward.CommandFilter{AccountID: tr.s.ID}, commandIDs(c5, c2)},
		{"account outside prefix", tr.r2.Path, steward.CommandFilter{AccountID: tr.c1.ID}, nil},
		{"device", tr.p.Path, steward.CommandFilter{DeviceID: d1.ID}, commandIDs(c6, c4, c1)},
		{"device outside prefix", tr.r2.Path, steward.CommandFilter{DeviceID: d1.ID}, nil},
		{"bulk", tr.p.Path, steward.CommandFilter{BulkID: "b1"}, commandIDs(c3, c2, c1)},
		{"bulk in subtree", tr.r1.Path, steward.CommandFilter{BulkID: "b1"}, commandIDs(c2, c1)},
		{"status", tr.p.Path, steward.CommandFilter{Status: steward.CommandCancelled}, commandIDs(c4)},
		{"before", tr.p.Path, steward.CommandFilter{Before: c4.ID}, commandIDs(c3, c2, c1)},
		{"limit", tr.p.Path, steward.CommandFilter{Limit: 2}, commandIDs(c6, c5)},
		{"page", tr.p.Path, steward.CommandFilter{Before: c5.ID, Limit: 2}, commandIDs(c4, c3)},
		{"combined", tr.p.Path, steward.CommandFilter{DeviceID: d1.ID, BulkID: "b2"}, commandIDs(c6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListCommands(f.ctx, tc.prefix, tc.filter)
			ok(t, err)
			diff(t, "command IDs", commandIDs(got...), tc.want)
		})
	}
	got, err := f.db.ListCommands(f.ctx, tr.c1.Path, steward.CommandFilter{Status: steward.CommandCancelled})
	ok(t, err)
	diff(t, "listed command", got, []*steward.Command{c4})
}

// testCommandExpire expires unfinished commands past their expiry in
// batches, and leaves finished and live ones alone.
func testCommandExpire(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	expiring := f.commands(t, d, 7, time.Hour) // 7 queued, in batches of 2
	live := f.commands(t, d, 1, 3*time.Hour)[0]
	at := expiring[6].ExpiresAt
	ok(t, f.db.MarkDelivered(f.ctx, []string{expiring[1].ID, expiring[2].ID}, f.now()))
	_, err := f.db.TransitionCommand(f.ctx, expiring[2].ID, []steward.CommandStatus{steward.CommandDelivered},
		steward.CommandAcknowledged, "", f.now())
	ok(t, err)
	finished := expiring[3]
	_, err = f.db.TransitionCommand(f.ctx, finished.ID, []steward.CommandStatus{steward.CommandQueued},
		steward.CommandCancelled, "", f.now())
	ok(t, err)
	before := f.command(t, finished.ID)

	if n, _ := f.expire(t, expiring[0].ExpiresAt.Add(-time.Millisecond), 2); n != 0 {
		t.Errorf("expired %d commands before their expiry", n)
	}
	if n, calls := f.expire(t, at, 2); n != 6 || calls != 4 {
		t.Errorf("expired %d commands in %d calls, want 6 in 4 (2+2+2+0)", n, calls)
	}
	for i, c := range expiring {
		got := f.command(t, c.ID)
		if i == 3 {
			diff(t, "finished command", got, before)
			continue
		}
		if got.Status != steward.CommandExpired || got.FinishedAt == nil || !got.FinishedAt.Equal(at) {
			t.Errorf("command %d: %s, finished at %v; want expired at %v", i, got.Status, got.FinishedAt, at)
		}
	}
	diff(t, "live command", f.command(t, live.ID), live)

	if n, _ := f.expire(t, at.Add(time.Minute), 2); n != 0 {
		t.Errorf("second run expired %d commands, want 0", n)
	}
	pending, err := f.db.PendingCommands(f.ctx, d.ID, at, 0)
	ok(t, err)
	diff(t, "pending after expiry", pending, []*steward.Command{live})
}

// testCommandCompact deletes commands finished before a time, in batches,
// and never an unfinished one, however old.
func testCommandCompact(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	old := f.commands(t, d, 5, 24*time.Hour)
	for i, to := range []steward.CommandStatus{steward.CommandSucceeded, steward.CommandFailed, steward.CommandCancelled} {
		moved, err := f.db.TransitionCommand(f.ctx, old[i].ID, []steward.CommandStatus{steward.CommandQueued}, to, "", f.now())
		ok(t, err)
		if !moved {
			t.Fatalf("command %d not moved to %s", i, to)
		}
	}
	ok(t, f.db.MarkDelivered(f.ctx, []string{old[4].ID}, f.now())) // old[3] stays queued, old[4] delivered
	cutoff := f.now()
	recent := f.commands(t, d, 1, time.Hour)[0]
	_, err := f.db.TransitionCommand(f.ctx, recent.ID, []steward.CommandStatus{steward.CommandQueued}, steward.CommandSucceeded, "", f.now())
	ok(t, err)
	expired := f.commands(t, d, 1, time.Millisecond)[0]
	if n, err := f.db.ExpireCommands(f.ctx, f.now(), 0); err != nil || n != 1 {
		t.Fatalf("expired %d (%v), want 1", n, err)
	}

	if n, calls := f.compact(t, cutoff, 2); n != 3 || calls != 2 {
		t.Errorf("compacted %d commands in %d calls, want 3 in 2 (2+1)", n, calls)
	}
	for _, c := range old[:3] {
		_, err := f.db.CommandByID(f.ctx, c.ID)
		wantCode(t, err, steward.ENOTFOUND)
	}
	for _, c := range []*steward.Command{old[3], old[4], recent, expired} {
		f.command(t, c.ID) // still there
	}
	if n, _ := f.compact(t, cutoff, 2); n != 0 {
		t.Errorf("second run compacted %d, want 0", n)
	}
	if n, err := f.db.CompactCommands(f.ctx, f.now().Add(time.Hour), 0); err != nil || n != 2 { // recent and expired
		t.Errorf("compacted %d commands (%v), want 2", n, err)
	}
	if got := f.countCommands(t); got != 2 {
		t.Errorf("%d commands left, want the 2 unfinished", got)
	}
}

// testCommandTableBounded compacts 10,000 finished commands in batches and
// leaves none of them, then runs a week of a busy fleet (commands issued,
// delivered, finished or expired, and a daily compaction) and checks that
// the table holds no more than the retention's worth.
func testCommandTableBounded(t *testing.T, f *fixture) {
	const finished, batch = 10000, 500
	tr := f.tree(t)
	var devs []*steward.Device
	for range 10 {
		devs = append(devs, f.device(t, tr.c1, nil))
	}
	unfinished := f.commands(t, devs[0], 3, 365*24*time.Hour)
	var cs []*steward.Command
	for i := range finished {
		c := f.newCommand(devs[i%len(devs)], steward.CmdSync, time.Hour)
		c.Status, c.Output, c.FinishedAt = steward.CommandSucceeded, "ok", ptr(c.CreatedAt.Add(time.Second))
		cs = append(cs, c)
	}
	ok(t, f.db.InsertCommands(f.ctx, cs))
	if n := f.countCommands(t); n != finished+3 {
		t.Fatalf("%d commands, want %d", n, finished+3)
	}
	if n, calls := f.compact(t, f.now().Add(time.Hour), batch); n != finished || calls != finished/batch+1 {
		t.Errorf("compacted %d in %d calls, want %d in %d", n, calls, finished, finished/batch+1)
	}
	if n := f.countCommands(t); n != 3 {
		t.Errorf("%d commands left, want the 3 unfinished", n)
	}

	// A week: every day 200 commands, half of them answered, the rest left
	// to expire; compaction keeps one day of finished commands.
	const perDay, retention = 200, 24 * time.Hour
	for day := range 7 {
		var today []*steward.Command
		for i := range perDay {
			today = append(today, f.newCommand(devs[i%len(devs)], steward.CmdSync, 6*time.Hour))
		}
		ok(t, f.db.InsertCommands(f.ctx, today))
		ids := make([]string, len(today))
		for i, c := range today {
			ids[i] = c.ID
		}
		ok(t, f.db.MarkDelivered(f.ctx, ids, f.now()))
		for _, c := range today[:perDay/2] {
			_, err := f.db.TransitionCommand(f.ctx, c.ID, []steward.CommandStatus{steward.CommandDelivered},
				steward.CommandSucceeded, "ok", f.now())
			ok(t, err)
		}
		now := f.clock.Advance(24 * time.Hour)
		if n, _ := f.expire(t, now, batch); n != perDay/2 {
			t.Errorf("day %d: expired %d, want %d", day, n, perDay/2)
		}
		f.compact(t, now.Add(-retention), batch)
		if n := f.countCommands(t); n > 2*perDay+3 {
			t.Errorf("day %d: %d commands kept, want at most %d", day, n, 2*perDay+3)
		}
	}
	for _, c := range unfinished {
		if got := f.command(t, c.ID); got.Status != steward.CommandQueued {
			t.Errorf("unfinished command %s", got.Status)
		}
	}
}

// testCommandAcknowledge: a device acknowledges its own queued or
// delivered command, once; another device's command, an unknown one and a
// finished one are left alone.
func testCommandAcknowledge(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d, other := f.device(t, tr.c1, nil), f.device(t, tr.c1, nil)
	cs := f.commands(t, d, 3, time.Hour)
	at := f.now()
	ok(t, f.db.MarkDelivered(f.ctx, []string{cs[1].ID}, at))
	_, err := f.db.TransitionCommand(f.ctx, cs[2].ID, []steward.CommandStatus{steward.CommandQueued}, steward.CommandCancelled, "", at)
	ok(t, err)
	for _, tc := range []struct {
		name     string
		deviceID string
		id       string
		want     bool
	}{
		{"another device's command", other.ID, cs[0].ID, false},
		{"unknown command", d.ID, "missing", false},
		{"queued", d.ID, cs[0].ID, true},
		{"repeated", d.ID, cs[0].ID, false},
		{"delivered", d.ID, cs[1].ID, true},
		{"cancelled", d.ID, cs[2].ID, false},
	} {
		moved, err := f.db.AcknowledgeCommand(f.ctx, tc.deviceID, tc.id, at)
		ok(t, err)
		if moved != tc.want {
			t.Errorf("%s: acknowledged %v, want %v", tc.name, moved, tc.want)
		}
	}
	for _, c := range cs[:2] {
		got := f.command(t, c.ID)
		if got.Status != steward.CommandAcknowledged || got.AckedAt == nil || !got.AckedAt.Equal(at) {
			t.Errorf("command %s: %s acked at %v, want acknowledged at %v", c.ID, got.Status, got.AckedAt, at)
		}
	}
	if got := f.command(t, cs[2].ID); got.Status != steward.CommandCancelled {
		t.Errorf("cancelled command is now %s", got.Status)
	}
}

package service_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// Fixtures of the retention tests. Location points and web history are
// inserted with plain SQL: the engine must find them however they came.

// retentionWorld is a platform with two client accounts under a reseller.
type retentionWorld struct {
	P, R, A, B *steward.Account
}

func (e *env) retentionWorld(t *testing.T) *retentionWorld {
	t.Helper()
	admin := e.bootstrap(t)
	_, p, err := e.svc.Me(admin.ctx)
	must(t, err)
	w := &retentionWorld{P: p}
	w.R = e.account(t, admin, p, steward.AccountReseller, "Reseller")
	w.A = e.account(t, admin, w.R, steward.AccountClient, "Client A")
	w.B = e.account(t, admin, w.R, steward.AccountClient, "Client B")
	return w
}

// admin signs the platform administrator in afresh (sessions last hours;
// the retention tests move the clock by months).
func (e *env) admin(t *testing.T) *member {
	t.Helper()
	return e.signIn(t, "admin@platform.test", adminPassword)
}

// device inserts a company device of acc with identifying inventory.
func (e *env) device(t *testing.T, acc *steward.Account, name string) *steward.Device {
	t.Helper()
	e.tick()
	now := e.clock.Now()
	id := steward.NewID(now)
	d := &steward.Device{ID: id, AccountID: acc.ID, SupportID: id[len(id)-8:], Name: name, Ownership: steward.OwnershipCompany,
		Channel: "agent", Platform: "android", HardwareID: "hw-" + name, AgentEnabled: true,
		Inventory: steward.Inventory{Manufacturer: "Zebra", Model: "TC58", Serial: "SERIAL-" + name, IP: "203.0.113.9",
			IMEI: "35-" + name, ICCID: "8944-" + name, PhoneNumber: "+4470000" + name, OSVersion: "14", SystemSignature: "sig-" + name},
		EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
	must(t, e.db.InsertDevice(e.ctx, d, "credential-hash-"+name))
	return d
}

// insertPoint inserts a location point recorded at at, and returns its ID.
func (e *env) insertPoint(t *testing.T, d *steward.Device, at time.Time) string {
	t.Helper()
	id := steward.NewID(e.clock.Now())
	_, err := e.db.ExecRaw(e.ctx, `INSERT INTO location_points (id, device_id, latitude, longitude, recorded_at, received_at)
		VALUES ($1, $2, 52.5, 13.4, $3, $4)`, id, d.ID, at.UnixMilli(), e.clock.Now().UnixMilli())
	must(t, err)
	return id
}

// visit inserts a web history entry visited at at, and returns its ID.
func (e *env) visit(t *testing.T, d *steward.Device, at time.Time) string {
	t.Helper()
	id := steward.NewID(e.clock.Now())
	_, err := e.db.ExecRaw(e.ctx, `INSERT INTO web_history (id, device_id, url, title, visited_at, received_at)
		VALUES ($1, $2, 'https://example.com/', 'Example', $3, $4)`, id, d.ID, at.UnixMilli(), e.clock.Now().UnixMilli())
	must(t, err)
	return id
}

// securityEventAt inserts a security event of acc created at at.
func (e *env) securityEventAt(t *testing.T, acc *steward.Account, at time.Time) string {
	t.Helper()
	id := steward.NewID(at)
	must(t, e.db.InsertSecurityEvent(e.ctx, &steward.SecurityEvent{ID: id, Kind: "login.failed", AccountID: acc.ID,
		Email: "someone@example.com", IP: "198.51.100.7", CreatedAt: at}))
	return id
}

// ids lists the IDs a query selects, read past the store.
func (e *env) ids(t *testing.T, q string, args ...any) []string {
	t.Helper()
	rows, err := e.raw.SQL.QueryContext(e.ctx, q, args...)
	must(t, err)
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var id string
		must(t, rows.Scan(&id))
		out = append(out, id)
	}
	must(t, rows.Err())
	return out
}

// sweep runs the retention job and fails t on an error.
func (e *env) sweep(t *testing.T) string {
	t.Helper()
	said, err := e.svc.SweepRetention(e.ctx)
	must(t, err)
	return said
}

// receipts returns the sweep receipts on the platform root's chain, newest
// first, decoded.
func (e *env) receipts(t *testing.T, w *retentionWorld) []steward.RetentionReceipt {
	t.Helper()
	es, err := e.db.ListAudit(e.ctx, w.P.Path, steward.AuditFilter{AccountID: w.P.ID, OnlyDirect: true, Action: "retention.sweep", Limit: 500})
	must(t, err)
	out := []steward.RetentionReceipt{}
	for _, en := range es {
		var r steward.RetentionReceipt
		must(t, json.Unmarshal(en.Summary, &r))
		out = append(out, r)
	}
	return out
}

// auditCount counts an account's own audit entries.
func (e *env) auditCount(t *testing.T, acc *steward.Account) int {
	t.Helper()
	n := 0
	must(t, e.db.AuditChain(e.ctx, acc.ID, func(*steward.AuditEntry) error { n++; return nil }))
	return n
}

// verified fails t unless every account's audit chain verifies.
func (e *env) verified(t *testing.T, accs ...*steward.Account) {
	t.Helper()
	admin := e.admin(t)
	for _, a := range accs {
		v, err := e.svc.VerifyAudit(admin.ctx, a.ID)
		must(t, err)
		if !v.OK {
			t.Errorf("audit chain of %s does not verify: %s", a.Name, v.Problem)
		}
	}
}

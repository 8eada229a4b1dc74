package service_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// runWrapped is run with the service's store wrapped (to inject faults);
// e.db stays the real database, for looking at what was written.
func runWrapped(t *testing.T, wrap func(*store.DB) steward.Store, fn func(t *testing.T, e *env)) {
	t.Helper()
	for name, open := range testutil.DatabasesRaw(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, raw := open(t)
			e := &env{db: db, raw: raw, clock: testutil.NewClock(), ctx: t.Context()}
			svc, err := service.New(service.Options{Store: wrap(db), Clock: e.clock, Logger: testutil.Logger(), BaseURL: baseURL,
				Passwords: service.NewPasswordHasher(service.Argon2Params{Memory: 64, Time: 1, Threads: 1})})
			if err != nil {
				t.Fatal(err)
			}
			e.svc = svc
			fn(t, e)
		})
	}
}

// errPurge is the fault purgeFails injects.
var errPurge = errors.New("injected fault: the purge failed")

// purgeFails is a store whose location and web-history purges fail after
// the statements before them (the switch, the decision) succeeded.
type purgeFails struct{ steward.Store }

func (purgeFails) DeleteAccountLocation(context.Context, string) (int64, error)   { return 0, errPurge }
func (purgeFails) DeleteDeviceLocation(context.Context, string) (int64, error)    { return 0, errPurge }
func (purgeFails) DeleteAccountWebHistory(context.Context, string) (int64, error) { return 0, errPurge }

// locWorld is the world with credits for C1 and C3 and a code for each.
type locWorld struct {
	*world
	ro         *member // read-only manager of C1
	code1      *steward.ActivationCode
	code3      *steward.ActivationCode
	enrolments int
}

func (e *env) locWorld(t *testing.T) *locWorld {
	t.Helper()
	w := &locWorld{world: e.world(t)}
	for _, acc := range []*steward.Account{w.R1, w.R2} {
		if _, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: acc.ID, Amount: 20, Reason: "devices"}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	if w.code1, err = e.svc.CreateActivationCode(w.r1.ctx, service.ActivationCodeCreate{AccountID: w.C1.ID, Seats: 20}); err != nil {
		t.Fatal(err)
	}
	if w.code3, err = e.svc.CreateActivationCode(w.r2.ctx, service.ActivationCodeCreate{AccountID: w.C3.ID, Seats: 20}); err != nil {
		t.Fatal(err)
	}
	w.ro = e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
	return w
}

// enroll enrolls a device with code and returns it as the device API sees it.
func (e *env) enroll(t *testing.T, w *locWorld, code *steward.ActivationCode, ownership steward.Ownership) *service.Device {
	t.Helper()
	w.enrolments++
	e.tick()
	res, _, err := e.svc.Enroll(e.ctx, &protocol.EnrollRequest{Protocol: 1, ActivationCode: code.Code, Ownership: string(ownership),
		Platform: "android", Hardware: protocol.Hardware{ID: "hw-" + string(rune('a'+w.enrolments))}}, "192.0.2.10")
	if err != nil {
		t.Fatalf("enroll: %v", err)
	}
	dev, err := e.svc.AuthenticateDevice(e.ctx, res.Credential, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	return dev
}

// setSwitches sets an account's switches as m and fails t on an error.
func (e *env) setSwitches(t *testing.T, m *member, acc *steward.Account, location, web bool) *steward.PrivacySettings {
	t.Helper()
	e.tick()
	s, err := e.svc.SetPrivacySettings(m.ctx, acc.ID, steward.PrivacySettingsUpdate{LocationEnabled: &location, WebHistoryEnabled: &web})
	if err != nil {
		t.Fatalf("set privacy settings of %s: %v", acc.Name, err)
	}
	return s
}

// consent records a decision of dev's user.
func (e *env) consent(t *testing.T, dev *service.Device, purpose string, granted bool) {
	t.Helper()
	e.tick()
	if err := e.svc.RecordConsent(e.ctx, dev, &protocol.ConsentRequest{Protocol: 1, Purpose: purpose, Granted: granted,
		DecidedAt: e.clock.Now().Add(-time.Minute), NoticeVersion: "2026-03"}); err != nil {
		t.Fatalf("record consent: %v", err)
	}
}

// point is a point recorded ago before now, its latitude telling it apart.
func (e *env) point(lat float64, ago time.Duration) protocol.LocationPoint {
	acc := 12.5
	return protocol.LocationPoint{Latitude: lat, Longitude: 13.4, AccuracyM: &acc, RecordedAt: e.clock.Now().Add(-ago)}
}

// postPoints sends a batch of points from dev.
func (e *env) postPoints(dev *service.Device, ps ...protocol.LocationPoint) (*protocol.IngestResponse, error) {
	e.tick()
	return e.svc.IngestLocation(e.ctx, dev, &protocol.LocationRequest{Protocol: 1, Points: ps})
}

// mustPost sends a batch that must be accepted.
func (e *env) mustPost(t *testing.T, dev *service.Device, ps ...protocol.LocationPoint) {
	t.Helper()
	if _, err := e.postPoints(dev, ps...); err != nil {
		t.Fatalf("post points: %v", err)
	}
}

// stored returns the latitudes of dev's stored points, newest first, read
// straight from the database.
func (e *env) stored(t *testing.T, dev *service.Device) []float64 {
	t.Helper()
	ps, err := e.db.ListLocationPoints(e.ctx, dev.ID, 500)
	if err != nil {
		t.Fatal(err)
	}
	out := []float64{}
	for _, p := range ps {
		out = append(out, p.Latitude)
	}
	return out
}

// visits returns the URLs of dev's stored visits, newest first.
func (e *env) visits(t *testing.T, dev *service.Device) []string {
	t.Helper()
	vs, err := e.db.ListWebVisits(e.ctx, dev.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, v := range vs {
		out = append(out, v.URL)
	}
	return out
}

// refusals returns dev's refusal count.
func (e *env) refusals(t *testing.T, dev *service.Device) int64 {
	t.Helper()
	d, err := e.db.DeviceByID(e.ctx, dev.ID)
	if err != nil {
		t.Fatal(err)
	}
	return d.Refusals
}

// privacyOf checks dev in and returns what the answer says about privacy.
func (e *env) privacyOf(t *testing.T, dev *service.Device) protocol.Privacy {
	t.Helper()
	res, err := e.svc.CheckIn(e.ctx, dev, &protocol.CheckInRequest{Protocol: 1}, "192.0.2.10")
	if err != nil {
		t.Fatal(err)
	}
	if res.Privacy == nil {
		t.Fatal("the check-in answer has no privacy object")
	}
	return *res.Privacy
}

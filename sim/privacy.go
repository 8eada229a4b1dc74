package sim

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Location and web history. A company-owned virtual device reads the
// check-in answer's privacy object: when location is enabled and the
// server asks for consent, its user decides once (granting with
// Options.LocationConsentRate); a device whose user granted sends the
// points it recorded since the last check-in, drifting around its own
// home; when web history is enabled it sends a few visits. A personal
// device sends neither, as a real one must not.

// privacyState is a device's location and browsing, guarded by device.mu.
type privacyState struct {
	decided       bool    // its user answered the consent prompt
	granted       bool    // and granted location
	lat, lon      float64 // where it is now
	lastPoint     time.Time
	lastVisit     time.Time
	consentFailed bool // the last consent request failed: try again next check-in
}

// visitPages are the pages the virtual devices' browsers visit.
var visitPages = [][2]string{
	{"https://intranet.example.com/", "Intranet"},
	{"https://intranet.example.com/timesheets", "Timesheets"},
	{"https://docs.example.com/handbook", "Employee handbook"},
	{"https://tickets.example.com/queue", "Ticket queue"},
	{"https://maps.example.org/route", "Route planner"},
	{"https://weather.example.org/today", "Weather today"},
}

// home places a device around its fleet's city, a few kilometres apart.
func (d *device) home() (float64, float64) {
	r := d.rng
	return 52.52 + (r.Float64()-0.5)*0.1, 13.405 + (r.Float64()-0.5)*0.16
}

// privacy acts on a check-in answer's privacy object (nil from a server
// that predates it: everything off). Called with no lock held.
func (d *device) privacy(ctx context.Context, p *protocol.Privacy) {
	if p == nil || d.p.personal {
		return
	}
	cred := d.credential()
	now := d.f.clock.Now()
	d.mu.Lock()
	st := &d.priv
	if st.lat == 0 && st.lon == 0 {
		st.lat, st.lon = d.home()
		st.lastPoint, st.lastVisit = now.Add(-time.Minute), now.Add(-d.interval) // it records from now on
	}
	ask := p.LocationEnabled && p.LocationConsentRequired && (!st.decided || st.consentFailed)
	var grant bool
	if ask {
		grant = d.rng.Float64() < d.f.opts.LocationConsentRate
	}
	d.mu.Unlock()

	if ask {
		err := d.f.call(ctx, http.MethodPost, protocol.PathConsent, cred, protocol.ConsentRequest{Protocol: protocol.Version,
			Purpose: protocol.PurposeLocation, Granted: grant, DecidedAt: now.UTC(), NoticeVersion: "sim-1"}, nil)
		d.mu.Lock()
		d.priv.decided, d.priv.granted, d.priv.consentFailed = true, grant && err == nil, err != nil
		d.mu.Unlock()
		if err == nil {
			d.f.c.consents.Add(1)
		}
	}
	d.mu.Lock()
	granted := d.priv.granted
	d.mu.Unlock()
	// Points only while the server has the grant (or has just been sent it).
	if p.LocationEnabled && granted && (!p.LocationConsentRequired || ask) {
		d.sendPoints(ctx, cred, now)
	}
	if p.WebHistoryEnabled {
		d.sendVisits(ctx, cred, now)
	}
}

// sendPoints sends a point per minute since the last batch (at most 10),
// each a short random step from the one before.
func (d *device) sendPoints(ctx context.Context, cred string, now time.Time) {
	d.mu.Lock()
	st := &d.priv
	n := int(now.Sub(st.lastPoint) / time.Minute)
	n = min(max(n, 1), 10)
	req := protocol.LocationRequest{Protocol: protocol.Version}
	for i := n - 1; i >= 0; i-- {
		st.lat += (d.rng.Float64() - 0.5) * 0.0008 // ~±45 m
		st.lon += (d.rng.Float64() - 0.5) * 0.0008 / math.Cos(st.lat*math.Pi/180)
		acc := 4 + d.rng.Float64()*20
		req.Points = append(req.Points, protocol.LocationPoint{Latitude: st.lat, Longitude: st.lon, AccuracyM: &acc,
			RecordedAt: now.Add(-time.Duration(i) * time.Minute).UTC()})
	}
	st.lastPoint = now
	d.mu.Unlock()
	if err := d.f.call(ctx, http.MethodPost, protocol.PathLocation, cred, req, nil); err == nil {
		d.f.c.points.Add(int64(len(req.Points)))
	} else if isStatus(err, http.StatusForbidden) {
		d.f.c.privacyRefused.Add(1)
	}
}

// sendVisits sends one to three visits since the last batch.
func (d *device) sendVisits(ctx context.Context, cred string, now time.Time) {
	d.mu.Lock()
	n := 1 + d.rng.IntN(3)
	req := protocol.WebHistoryRequest{Protocol: protocol.Version}
	span := now.Sub(d.priv.lastVisit)
	for range n {
		pg := visitPages[d.rng.IntN(len(visitPages))]
		at := d.priv.lastVisit.Add(time.Duration(d.rng.Float64() * float64(span)))
		req.Visits = append(req.Visits, protocol.WebVisit{URL: pg[0], Title: pg[1], VisitedAt: at.UTC()})
	}
	d.priv.lastVisit = now
	d.mu.Unlock()
	if err := d.f.call(ctx, http.MethodPost, protocol.PathWebHistory, cred, req, nil); err == nil {
		d.f.c.visits.Add(int64(len(req.Visits)))
	} else if isStatus(err, http.StatusForbidden) {
		d.f.c.privacyRefused.Add(1)
	}
}

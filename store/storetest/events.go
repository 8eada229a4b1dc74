package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

func testSecurityEvents(t *testing.T, f *fixture) {
	event := func(kind, email, ip string) *steward.SecurityEvent {
		now := f.now()
		e := &steward.SecurityEvent{ID: steward.NewID(now), Kind: kind, Email: email, IP: ip, UserAgent: "curl", CreatedAt: now}
		ok(t, f.db.InsertSecurityEvent(f.ctx, e))
		return e
	}
	now := f.now()
	full := &steward.SecurityEvent{ID: steward.NewID(now), Kind: "login.locked", AccountID: "acct", ManagerID: "mgr",
		Email: "a@example.com", IP: "192.0.2.1", UserAgent: "Firefox", Detail: json.RawMessage(`{"failures":5}`), CreatedAt: now}
	ok(t, f.db.InsertSecurityEvent(f.ctx, full))
	e2 := event("login.failed", "a@example.com", "192.0.2.1")
	e3 := event("login.failed", "b@example.com", "192.0.2.2")
	e4 := event("access.denied", "", "192.0.2.2")
	e5 := event("login.failed", "a@example.com", "192.0.2.3")

	for _, tc := range []struct {
		name   string
		filter steward.SecurityEventFilter
		want   []*steward.SecurityEvent
	}{
		{"all", steward.SecurityEventFilter{}, []*steward.SecurityEvent{e5, e4, e3, e2, full}},
		{"kind", steward.SecurityEventFilter{Kind: "login.failed"}, []*steward.SecurityEvent{e5, e3, e2}},
		{"email ignores case", steward.SecurityEventFilter{Email: "A@Example.COM"}, []*steward.SecurityEvent{e5, e2, full}},
		{"ip", steward.SecurityEventFilter{IP: "192.0.2.2"}, []*steward.SecurityEvent{e4, e3}},
		{"combined", steward.SecurityEventFilter{Kind: "login.failed", Email: "a@example.com", IP: "192.0.2.1"}, []*steward.SecurityEvent{e2}},
		{"before", steward.SecurityEventFilter{Before: e3.ID}, []*steward.SecurityEvent{e2, full}},
		{"limit", steward.SecurityEventFilter{Limit: 2}, []*steward.SecurityEvent{e5, e4}},
		{"page", steward.SecurityEventFilter{Before: e5.ID, Limit: 2}, []*steward.SecurityEvent{e4, e3}},
		{"no match", steward.SecurityEventFilter{Kind: "nothing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListSecurityEvents(f.ctx, tc.filter)
			ok(t, err)
			diff(t, "events", got, tc.want)
		})
	}
}

func testOutbox(t *testing.T, f *fixture) {
	now := f.now()
	m1 := &steward.Mail{ID: f.id(), To: "a@example.com", Subject: "Reset", Body: "secret link", CreatedAt: now, NextAttemptAt: now}
	m2 := &steward.Mail{ID: f.id(), To: "b@example.com", Subject: "Later", Body: "body", CreatedAt: now, NextAttemptAt: now.Add(time.Hour)}
	m3 := &steward.Mail{ID: f.id(), To: "c@example.com", Subject: "Also now", Body: "body", CreatedAt: now, NextAttemptAt: now}
	for _, m := range []*steward.Mail{m1, m2, m3} {
		ok(t, f.db.EnqueueMail(f.ctx, m))
	}
	due := func(at time.Time, n int) []*steward.Mail {
		t.Helper()
		ms, err := f.db.DueMail(f.ctx, at, n)
		ok(t, err)
		return ms
	}

	diff(t, "due now", due(now, 10), []*steward.Mail{m1, m3})
	diff(t, "due now, limited", due(now, 1), []*steward.Mail{m1})
	diff(t, "due before", due(now.Add(-time.Millisecond), 10), []*steward.Mail{})
	diff(t, "due in an hour", due(now.Add(time.Hour), 10), []*steward.Mail{m1, m2, m3})

	// A failure reschedules.
	retry := now.Add(10 * time.Minute)
	ok(t, f.db.MarkMailFailed(f.ctx, m1.ID, "connection refused", retry))
	m1.Attempts, m1.LastError, m1.NextAttemptAt = 1, "connection refused", retry
	diff(t, "due after failure", due(now, 10), []*steward.Mail{m3})
	diff(t, "due at retry", due(retry, 10), []*steward.Mail{m1, m3})

	// Sent mail is no longer due and its body is erased.
	sent := f.now()
	ok(t, f.db.MarkMailSent(f.ctx, m1.ID, sent))
	diff(t, "due after sending", due(now.Add(24*time.Hour), 10), []*steward.Mail{m2, m3})
	n, err := f.db.ExecRaw(f.ctx, `UPDATE outbox SET attempts = attempts
		WHERE id = $1 AND body = '' AND sent_at = $2 AND attempts = 2 AND last_error = ''`, m1.ID, sent.UnixMilli())
	ok(t, err)
	if n != 1 {
		t.Error("sent mail keeps its body, or its sending was not recorded")
	}
}

func testLeases(t *testing.T, f *fixture) {
	t0 := f.now()
	acquire := func(holder string, now time.Time, ttl time.Duration) bool {
		t.Helper()
		got, err := f.db.AcquireLease(f.ctx, "retention", holder, now, now.Add(ttl))
		ok(t, err)
		return got
	}
	check := func(what string, got, want bool) {
		t.Helper()
		if got != want {
			t.Errorf("%s: got lease %v, want %v", what, got, want)
		}
	}
	check("A takes a free lease", acquire("A", t0, time.Minute), true)
	check("B while A holds it", acquire("B", t0.Add(time.Second), time.Minute), false)
	check("A renews", acquire("A", t0.Add(30*time.Second), time.Minute), true)
	check("B after the first term, before the renewed one ends", acquire("B", t0.Add(61*time.Second), time.Minute), false)
	check("another job's lease is separate", func() bool {
		got, err := f.db.AcquireLease(f.ctx, "scan", "B", t0, t0.Add(time.Minute))
		ok(t, err)
		return got
	}(), true)
	check("B once the lease expired", acquire("B", t0.Add(90*time.Second), time.Minute), true)
	check("A after B took it", acquire("A", t0.Add(91*time.Second), time.Minute), false)

	// Only the holder releases.
	ok(t, f.db.ReleaseLease(f.ctx, "retention", "A"))
	check("A after releasing what it did not hold", acquire("A", t0.Add(92*time.Second), time.Minute), false)
	ok(t, f.db.ReleaseLease(f.ctx, "retention", "B"))
	check("A after B released", acquire("A", t0.Add(93*time.Second), time.Minute), true)
}

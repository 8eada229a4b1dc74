package mail_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/mail"
)

type recorder struct {
	sent []*steward.Mail
	fail error
}

func (r *recorder) Send(ctx context.Context, m *steward.Mail) error {
	if r.fail != nil {
		return r.fail
	}
	r.sent = append(r.sent, m)
	return nil
}

func TestDeliverJobSendsOnceAndBacksOff(t *testing.T) {
	for name, open := range testutil.Databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			clock := testutil.NewClock()
			m := &steward.Mail{ID: steward.NewID(clock.Now()), To: "a@example.com", Subject: "Reset", Body: "link: secret-token",
				CreatedAt: clock.Now(), NextAttemptAt: clock.Now()}
			if err := db.EnqueueMail(ctx, m); err != nil {
				t.Fatal(err)
			}
			rec := &recorder{fail: errors.New("connection refused")}
			job := mail.DeliverJob(db, rec, clock)

			did, err := job(ctx)
			if err != nil || !strings.Contains(did, "failed 1") {
				t.Fatalf("first run: %q %v", did, err)
			}
			rec.fail = nil
			if did, _ := job(ctx); did != "" {
				t.Fatalf("retried before its backoff: %q", did)
			}
			clock.Advance(61 * time.Second)
			if did, err := job(ctx); err != nil || did != "sent 1, failed 0" {
				t.Fatalf("after backoff: %q %v", did, err)
			}
			if len(rec.sent) != 1 || rec.sent[0].Body != "link: secret-token" {
				t.Fatalf("sent %+v", rec.sent)
			}
			if did, _ := job(ctx); did != "" {
				t.Fatalf("sent twice: %q", did)
			}
			// The sent body held a one-time link: it must not stay at rest.
			n, err := db.ExecRaw(ctx, `UPDATE outbox SET attempts = attempts WHERE id = $1 AND body = ''`, m.ID)
			if err != nil || n != 1 {
				t.Fatalf("body not erased after sending (%d rows, %v)", n, err)
			}
		})
	}
}

func TestParseSMTP(t *testing.T) {
	m, err := mail.ParseSMTP("smtp://user:pw@mail.example.com:2525?from=steward@example.com")
	if err != nil || m.Addr != "mail.example.com:2525" || m.From != "steward@example.com" || m.Auth == nil {
		t.Fatalf("%+v %v", m, err)
	}
	for _, bad := range []string{"http://x", "smtp://mail.example.com", "smtp:///?from=a@b"} {
		if _, err := mail.ParseSMTP(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

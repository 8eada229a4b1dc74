// Package mail delivers the outbox: an SMTP sender when configured, a log
// sender by default, and the job that drains the outbox with retries.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// LogMailer writes messages to the log instead of sending them: the
// default, so a fresh installation can still read its reset links.
type LogMailer struct{ Logger *slog.Logger }

// Send logs the message.
func (l LogMailer) Send(ctx context.Context, m *steward.Mail) error {
	l.Logger.Info("mail (log sender; configure --smtp to send)", "to", m.To, "subject", m.Subject, "body", m.Body)
	return nil
}

// SMTPMailer sends through an SMTP server.
type SMTPMailer struct {
	Addr string // host:port
	From string
	Auth smtp.Auth
	Host string
}

// ParseSMTP reads smtp://user:password@host:port?from=steward@example.com.
func ParseSMTP(raw string) (*SMTPMailer, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Hostname() == "" {
		return nil, fmt.Errorf("smtp URL must look like smtp://user:password@host:587?from=steward@example.com")
	}
	from := u.Query().Get("from")
	if from == "" {
		return nil, fmt.Errorf("smtp URL needs ?from=address")
	}
	port := u.Port()
	if port == "" {
		port = "587"
	}
	m := &SMTPMailer{Addr: net.JoinHostPort(u.Hostname(), port), From: from, Host: u.Hostname()}
	if u.User != nil {
		pw, _ := u.User.Password()
		m.Auth = smtp.PlainAuth("", u.User.Username(), pw, u.Hostname())
	}
	return m, nil
}

// Send delivers one message (STARTTLS when the server offers it).
func (s *SMTPMailer) Send(ctx context.Context, m *steward.Mail) error {
	if strings.ContainsAny(m.To+m.Subject, "\r\n") {
		return fmt.Errorf("header injection refused")
	}
	msg := fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s",
		s.From, m.To, m.Subject, time.Now().UTC().Format(time.RFC1123Z), strings.ReplaceAll(m.Body, "\n", "\r\n"))
	return smtp.SendMail(s.Addr, s.Auth, s.From, []string{m.To}, []byte(msg))
}

// DeliverJob returns the job function that drains the outbox: each due
// message is sent once; failures back off exponentially (1 min … 6 h).
func DeliverJob(outbox steward.Outbox, mailer steward.Mailer, clock steward.Clock) func(ctx context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		due, err := outbox.DueMail(ctx, clock.Now(), 50)
		if err != nil {
			return "", err
		}
		sent, failed := 0, 0
		for _, m := range due {
			if err := mailer.Send(ctx, m); err != nil {
				backoff := time.Minute << min(m.Attempts, 9)
				if backoff > 6*time.Hour {
					backoff = 6 * time.Hour
				}
				if err := outbox.MarkMailFailed(ctx, m.ID, err.Error(), clock.Now().Add(backoff)); err != nil {
					return "", err
				}
				failed++
				continue
			}
			if err := outbox.MarkMailSent(ctx, m.ID, clock.Now()); err != nil {
				return "", err
			}
			sent++
		}
		if sent+failed == 0 {
			return "", nil
		}
		return fmt.Sprintf("sent %d, failed %d", sent, failed), nil
	}
}

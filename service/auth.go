package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// hashSecret is how sessions, API tokens and one-time links are stored: the
// secrets are random and long, so a fast hash is enough and stolen rows are
// useless.
func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// normalEmail lower-cases and checks an email address.
func normalEmail(field, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || len(email) > 254 {
		return "", steward.FieldErrorf(field, "%q is not an email address.", email)
	}
	return email, nil
}

// Login checks a password sign-in and opens a console session. Every
// failure is a security event; repeated failures lock the login, and too
// many attempts from one address are refused before any password is checked.
// EUNAUTHENTICATED, ERATELIMITED, EFORBIDDEN.
func (s *Service) Login(ctx context.Context, in steward.LoginRequest) (*steward.LoginResult, error) {
	steward.MarkAuthorized(ctx) // public by design
	now := s.now()
	email := strings.ToLower(strings.TrimSpace(in.Email))
	ev := steward.SecurityEvent{Email: email, IP: in.IP, UserAgent: in.UserAgent}
	if !s.ipLimiter.allow(in.IP, now) {
		ev.Kind = "login.rate_limited"
		s.securityEvent(ctx, ev)
		return nil, steward.Errorf(steward.ERATELIMITED, "Too many sign-in attempts from your address. Wait a minute and try again.")
	}
	bad := steward.Errorf(steward.EUNAUTHENTICATED, "Wrong email or password.")
	m, err := s.store.ManagerByEmail(ctx, email)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		s.passwords.Verify(s.dummyHash, in.Password) // same work whether or not the login exists
		ev.Kind, ev.Detail = "login.failed", detail("reason", "unknown_email")
		s.securityEvent(ctx, ev)
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	ev.ManagerID, ev.AccountID = m.ID, m.AccountID
	if m.LockedUntil != nil && now.Before(*m.LockedUntil) {
		ev.Kind, ev.Detail = "login.locked", detail("locked_until", m.LockedUntil)
		s.securityEvent(ctx, ev)
		return nil, steward.Errorf(steward.ERATELIMITED, "This login is locked after too many failed attempts. Try again after %s UTC, or reset the password.",
			m.LockedUntil.Format("15:04"))
	}
	if m.PasswordHash == "" || !s.passwords.Verify(m.PasswordHash, in.Password) {
		// Count on a fresh read under the account's lock, so that parallel
		// guesses all count instead of overwriting each other's count.
		err := s.updateManager(ctx, m, func(m *steward.Manager) error {
			m.FailedLogins++
			ev.Kind, ev.Detail = "login.failed", detail("reason", "wrong_password", "failures", m.FailedLogins)
			if m.FailedLogins >= s.opts.MaxFailures {
				until := now.Add(s.opts.LockFor)
				m.LockedUntil, m.FailedLogins = &until, 0
				ev.Kind = "login.lockout"
			}
			m.UpdatedAt = now
			return nil
		})
		if err != nil {
			return nil, err
		}
		s.securityEvent(ctx, ev)
		return nil, bad
	}
	if _, err := s.checkAccountUsable(ctx, m.AccountID); err != nil {
		ev.Kind, ev.Detail = "login.denied", detail("reason", steward.ErrorMessage(err))
		s.securityEvent(ctx, ev)
		return nil, err
	}
	secret := steward.NewSecret("", 32)
	sess := &steward.Session{
		ID: hashSecret(secret), ManagerID: m.ID, CSRFToken: steward.NewSecret("", 20), IP: in.IP,
		UserAgent: truncate(in.UserAgent, 400), CreatedAt: now, ExpiresAt: now.Add(s.opts.SessionTTL),
	}
	checked := m.PasswordHash
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		err := s.updateManager(ctx, m, func(m *steward.Manager) error {
			if m.PasswordHash != checked { // changed while we checked it
				return bad
			}
			m.FailedLogins, m.LockedUntil, m.LastLoginAt, m.UpdatedAt = 0, nil, &now, now
			return nil
		})
		if err != nil {
			return err
		}
		return s.store.InsertSession(ctx, sess)
	})
	if errors.Is(err, bad) {
		ev.Kind, ev.Detail = "login.failed", detail("reason", "password_changed")
		s.securityEvent(ctx, ev)
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	ev.Kind = "login.succeeded"
	s.securityEvent(ctx, ev)
	return &steward.LoginResult{Session: sess, Secret: secret, Manager: m, MustChangePassword: m.MustChangePassword}, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// checkAccountUsable refuses sign-ins to an account that is deleted,
// suspended or blocked, or that lies below one. It returns the account.
func (s *Service) checkAccountUsable(ctx context.Context, accountID string) (*steward.Account, error) {
	acc, err := s.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	chain, err := s.store.AccountAncestry(ctx, acc.Path)
	if err != nil {
		return nil, err
	}
	for _, c := range chain {
		switch {
		case c.DeletedAt != nil:
			return nil, steward.Errorf(steward.EFORBIDDEN, "The account %q is deleted.", c.Name)
		case c.Status != steward.StatusActive:
			return nil, steward.Errorf(steward.EFORBIDDEN, "The account %q is %s. Contact the account above it.", c.Name, c.Status)
		}
	}
	return acc, nil
}

// Logout ends a console session.
func (s *Service) Logout(ctx context.Context, sessionID string) error {
	steward.MarkAuthorized(ctx)
	return s.store.DeleteSession(ctx, sessionID)
}

// Authenticated is a resolved credential: the actor, and for sessions the
// session itself (its CSRF token guards state-changing requests).
type Authenticated struct {
	Actor              *steward.Actor
	Session            *steward.Session
	MustChangePassword bool
}

// AuthenticateSession resolves a console cookie secret. EUNAUTHENTICATED.
func (s *Service) AuthenticateSession(ctx context.Context, secret, ip, ua string) (*Authenticated, error) {
	sess, err := s.store.SessionByID(ctx, hashSecret(secret))
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !s.now().Before(sess.ExpiresAt)) {
		return nil, steward.Errorf(steward.EUNAUTHENTICATED, "Your session has ended. Sign in again.")
	} else if err != nil {
		return nil, err
	}
	m, a, err := s.actorFor(ctx, sess.ManagerID, "", ip, ua)
	if err != nil {
		return nil, err
	}
	a.SessionID = sess.ID
	return &Authenticated{Actor: a, Session: sess, MustChangePassword: m.MustChangePassword}, nil
}

// AuthenticateToken resolves an API token secret. A failed attempt is a
// security event. EUNAUTHENTICATED.
func (s *Service) AuthenticateToken(ctx context.Context, secret, ip, ua string) (*Authenticated, error) {
	bad := steward.Errorf(steward.EUNAUTHENTICATED, "The API token is invalid, expired or revoked. Create a new one in the console or with 'stewardctl login'.")
	t, err := s.store.TokenByHash(ctx, hashSecret(secret))
	now := s.now()
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && (t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)))) {
		ev := steward.SecurityEvent{Kind: "token.rejected", IP: ip, UserAgent: ua}
		if t != nil {
			ev.ManagerID, ev.AccountID, ev.Detail = t.ManagerID, t.AccountID, detail("token_id", t.ID)
		}
		s.securityEvent(ctx, ev)
		return nil, bad
	} else if err != nil {
		return nil, err
	}
	m, a, err := s.actorFor(ctx, t.ManagerID, t.Role, ip, ua)
	if err != nil {
		return nil, err
	}
	if m.MustChangePassword {
		return nil, steward.Errorf(steward.EFORBIDDEN, "Change your password before using API tokens: in the console, or with 'stewardctl password'.")
	}
	a.TokenID = t.ID
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute { // at most one write a minute per token
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			s.logger.Warn("touch token", "err", err)
		}
	}
	return &Authenticated{Actor: a}, nil
}

// actorFor builds the actor of a manager, capped at role when given.
func (s *Service) actorFor(ctx context.Context, managerID string, role steward.ManagerRole, ip, ua string) (*steward.Manager, *steward.Actor, error) {
	m, err := s.store.ManagerByID(ctx, managerID)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, steward.Errorf(steward.EUNAUTHENTICATED, "This login no longer exists.")
	} else if err != nil {
		return nil, nil, err
	}
	acc, err := s.checkAccountUsable(ctx, m.AccountID)
	if steward.ErrorCode(err) == steward.EFORBIDDEN {
		return nil, nil, steward.Errorf(steward.EUNAUTHENTICATED, "%s", steward.ErrorMessage(err))
	} else if err != nil {
		return nil, nil, err
	}
	r := m.Role
	if role != "" && role.Rank() < r.Rank() {
		r = role
	}
	return m, &steward.Actor{ManagerID: m.ID, Email: m.Email, AccountID: acc.ID, AccountPath: acc.Path,
		AccountKind: acc.Kind, Role: r, IP: ip, UserAgent: ua}, nil
}

// ChangePassword changes the actor's own password after checking the
// current one, clears a forced change, and ends the manager's other
// sessions. EINVALID, EUNAUTHENTICATED.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	m, err := s.store.ManagerByID(ctx, a.ManagerID)
	if err != nil {
		return err
	}
	if !s.passwords.Verify(m.PasswordHash, current) {
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "password.change_failed"})
		return steward.FieldErrorf("current_password", "The current password is wrong.")
	}
	if current == next {
		return steward.FieldErrorf("new_password", "Choose a password different from the current one.")
	}
	return s.setPassword(ctx, m, next, a.SessionID, "manager.password_change")
}

func (s *Service) setPassword(ctx context.Context, m *steward.Manager, password, keepSession, action string) error {
	if err := checkPasswordRules("new_password", password, m.Email); err != nil {
		return err
	}
	h, err := s.passwords.Hash(password)
	if err != nil {
		return err
	}
	now := s.now()
	return s.store.InTx(ctx, func(ctx context.Context) error {
		err := s.updateManager(ctx, m, func(m *steward.Manager) error {
			m.PasswordHash, m.MustChangePassword, m.Invited, m.PasswordChangedAt, m.UpdatedAt = h, false, false, &now, now
			m.FailedLogins, m.LockedUntil = 0, nil
			return nil
		})
		if err != nil {
			return err
		}
		if err := s.store.DeleteManagerSessions(ctx, m.ID, keepSession); err != nil {
			return err
		}
		return s.record(ctx, m.AccountID, action, "manager", m.ID, nil)
	})
}

// updateManager applies change to a fresh read of manager m under its
// account's lock (LockAccount), writes the result and copies it to m. The
// copy a caller read earlier may be stale: writing it back whole could undo
// a concurrent password change, role change or failure count.
func (s *Service) updateManager(ctx context.Context, m *steward.Manager, change func(*steward.Manager) error) error {
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, m.AccountID); err != nil {
			return err
		}
		cur, err := s.store.ManagerByID(ctx, m.ID)
		if err != nil {
			return err
		}
		if err := change(cur); err != nil {
			return err
		}
		if err := s.store.UpdateManager(ctx, cur); err != nil {
			return err
		}
		*m = *cur
		return nil
	})
}

// Link purposes for one-time tokens.
const (
	purposeReset  = "reset"
	purposeInvite = "invite"
)

// RequestPasswordReset mails a one-time reset link to the login's address,
// if it exists. It answers the same either way, so it cannot be used to
// find out which emails have logins.
func (s *Service) RequestPasswordReset(ctx context.Context, email, ip string) error {
	steward.MarkAuthorized(ctx) // public by design
	now := s.now()
	if !s.ipLimiter.allow("reset:"+ip, now) {
		return steward.Errorf(steward.ERATELIMITED, "Too many requests from your address. Wait a minute and try again.")
	}
	email = strings.ToLower(strings.TrimSpace(email))
	s.securityEvent(ctx, steward.SecurityEvent{Kind: "password.reset_requested", Email: email, IP: ip})
	m, err := s.store.ManagerByEmail(ctx, email)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	return s.mailLink(ctx, m, purposeReset, time.Hour, "Reset your Steward password",
		"Someone (hopefully you) asked to reset the password of your Steward login %s.\n\nOpen this link within an hour to choose a new password:\n%s\n\nIf it was not you, ignore this message; your password is unchanged.\n")
}

func (s *Service) mailLink(ctx context.Context, m *steward.Manager, purpose string, ttl time.Duration, subject, body string) error {
	now := s.now()
	secret := steward.NewSecret("", 32)
	link := fmt.Sprintf("%s/console/%s?token=%s", strings.TrimRight(s.baseURL, "/"), purpose, secret)
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertManagerToken(ctx, hashSecret(secret), m.ID, purpose, now, now.Add(ttl)); err != nil {
			return err
		}
		return s.store.EnqueueMail(ctx, &steward.Mail{ID: steward.NewID(now), To: m.Email, Subject: subject,
			Body: fmt.Sprintf(body, m.Email, link), CreatedAt: now, NextAttemptAt: now})
	})
}

// ResetPassword sets a new password with a one-time link from
// RequestPasswordReset or an invitation. EINVALID, ENOTFOUND.
func (s *Service) ResetPassword(ctx context.Context, token, password string, invitation bool) error {
	steward.MarkAuthorized(ctx) // the one-time token is the credential
	purpose, action := purposeReset, "manager.password_reset"
	if invitation {
		purpose, action = purposeInvite, "manager.invitation_accept"
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		id, err := s.store.ConsumeManagerToken(ctx, hashSecret(token), purpose, s.now())
		if err != nil {
			return err
		}
		m, err := s.store.ManagerByID(ctx, id)
		if err != nil {
			return err
		}
		return s.setPassword(ctx, m, password, "", action)
	})
}

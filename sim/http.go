package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// StatusError is a server's error answer.
type StatusError struct {
	Op         string // enroll, checkin, commands, ack, result, push
	Status     int
	Code       string // the protocol error code, if the body had one
	Message    string
	RetryAfter time.Duration // from a Retry-After header in seconds
}

func (e *StatusError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %d %s: %s", e.Op, e.Status, e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %d %s", e.Op, e.Status, http.StatusText(e.Status))
}

// isStatus reports whether err is a StatusError with one of the statuses.
func isStatus(err error, statuses ...int) bool {
	var se *StatusError
	return errors.As(err, &se) && slices.Contains(statuses, se.Status)
}

// transient reports whether a request is worth retrying.
func transient(err error) bool {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status == http.StatusTooManyRequests || se.Status >= 500
	}
	return !errors.Is(err, context.Canceled)
}

// statusError reads an error answer; it closes the body.
func statusError(op string, resp *http.Response) error {
	defer resp.Body.Close()
	e := &StatusError{Op: op, Status: resp.StatusCode}
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		e.RetryAfter = time.Duration(min(secs, 3600)) * time.Second
	}
	var body protocol.Error
	if json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&body) == nil {
		e.Code, e.Message = body.Error.Code, body.Error.Message
	}
	return e
}

// path returns the path of an endpoint the enrollment named, or protocol's.
func (f *Fleet) path(name string) string {
	ep := f.endpoints.Load()
	switch name {
	case "checkin":
		if ep != nil && ep.CheckIn != "" {
			return ep.CheckIn
		}
		return protocol.PathCheckIn
	case "commands":
		if ep != nil && ep.Commands != "" {
			return ep.Commands
		}
		return protocol.PathCommands
	default:
		if ep != nil && ep.Push != "" {
			return ep.Push
		}
		return protocol.PathPush
	}
}

// url resolves a path against the server's base URL.
func (f *Fleet) url(path string, query map[string]string) string {
	u := *f.base
	u.Path = joinPath(f.base.Path, path)
	if len(query) > 0 {
		q := url.Values{}
		for k, v := range query {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func joinPath(base, p string) string {
	if len(base) > 0 && base[len(base)-1] == '/' {
		base = base[:len(base)-1]
	}
	return base + p
}

func pathEscape(s string) string { return url.PathEscape(s) }

// call sends in as JSON (nothing if in is nil) and decodes the answer into
// out (if not nil).
func (f *Fleet) call(ctx context.Context, method, path, cred string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, f.url(path, nil), body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return f.do(req, cred, opName(path), out)
}

// get sends a GET and decodes the answer into out.
func (f *Fleet) get(ctx context.Context, path string, query map[string]string, cred string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.url(path, query), nil)
	if err != nil {
		return err
	}
	return f.do(req, cred, opName(path), out)
}

func (f *Fleet) do(req *http.Request, cred, op string, out any) error {
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-sim/"+AgentVersion)
	if cred != "" {
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if resp.StatusCode/100 != 2 {
		return statusError(op, resp)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(out); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("%s: decode answer: %w", op, err)
		}
	}
	// Drain so the connection goes back to the pool.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return nil
}

// opName names a request for errors and metrics.
func opName(path string) string {
	switch {
	case path == protocol.PathEnroll:
		return "enroll"
	case strings.HasSuffix(path, "/ack"):
		return "ack"
	case strings.HasSuffix(path, "/result"):
		return "result"
	case strings.HasSuffix(path, "/checkin"):
		return "checkin"
	case strings.HasSuffix(path, "/policy/report"):
		return "policy report"
	default:
		return "commands"
	}
}

// retry runs fn up to five times while it fails transiently, with backoff.
func (f *Fleet) retry(ctx context.Context, op string, fn func(context.Context) error) error {
	b := backoff{base: 250 * time.Millisecond, cap: 10 * time.Second}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err = fn(actx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil {
			return err
		}
		f.log.Debug("retrying", "op", op, "attempt", attempt+1, "err", err)
		if !b.after(ctx, err) {
			return err
		}
	}
	return err
}

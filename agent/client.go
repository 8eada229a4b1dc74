package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// requestTimeout bounds every request but the long poll.
const requestTimeout = 30 * time.Second

// maxResponse bounds what the agent reads of a response.
const maxResponse = 4 << 20

// ServerError is an error response from the server.
type ServerError struct {
	StatusCode int    // HTTP status
	Code       string // protocol error code, e.g. "unauthenticated"; may be empty
	Message    string
	RetryAfter time.Duration // from a Retry-After header in seconds; 0 when absent
}

// Error implements the error interface.
func (e *ServerError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.StatusCode)
	}
	if e.Code != "" {
		return fmt.Sprintf("server answered %d (%s): %s", e.StatusCode, e.Code, msg)
	}
	return fmt.Sprintf("server answered %d: %s", e.StatusCode, msg)
}

// statusOf returns the HTTP status of a server error, 0 for other errors.
func statusOf(err error) int {
	if se := (*ServerError)(nil); errors.As(err, &se) {
		return se.StatusCode
	}
	return 0
}

// retryAfter is how long the server asked the agent to wait, 0 if it did not.
func retryAfter(err error) time.Duration {
	if se := (*ServerError)(nil); errors.As(err, &se) {
		return se.RetryAfter
	}
	return 0
}

// endpointURL joins the server's base URL and a protocol path, keeping any
// path prefix the base URL has (a server behind https://host/steward).
func endpointURL(server, path string) string {
	return strings.TrimRight(server, "/") + path
}

// orDefault returns p, or def when the server sent no path.
func orDefault(p, def string) string {
	if p == "" || !strings.HasPrefix(p, "/") {
		return def
	}
	return p
}

// commandPath fills a command path template with a command ID.
func commandPath(tmpl, id string) string {
	return strings.Replace(tmpl, "{id}", url.PathEscape(id), 1)
}

// call sends a JSON request and decodes a JSON answer into out (when not
// nil). A non-2xx answer is a *ServerError. credential may be empty (enroll).
func (a *Agent) call(ctx context.Context, method, u, credential string, in, out any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, requestTimeout)
		defer cancel()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-agent/"+Version)
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		se := &ServerError{StatusCode: resp.StatusCode}
		var pe protocol.Error
		if json.Unmarshal(b, &pe) == nil {
			se.Code, se.Message = pe.Error.Code, pe.Error.Message
		}
		if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode >= 300 && resp.StatusCode < 400 {
			se.Message = "redirected to " + loc + ": use that address as the server"
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			se.RetryAfter = min(time.Duration(secs)*time.Second, time.Hour)
		}
		if resp.StatusCode == http.StatusUnauthorized && credential != "" {
			a.unauthorized(credential)
		}
		return se
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// creds is what an authenticated request needs.
type creds struct {
	server     string
	credential string
	endpoints  protocol.Endpoints
}

func (a *Agent) creds() (creds, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.loadLocked()
	if err != nil {
		return creds{}, err
	}
	return creds{st.Server, st.Credential, st.Endpoints}, nil
}

// ack acknowledges a command.
func (a *Agent) ack(ctx context.Context, id string) error {
	c, err := a.creds()
	if err != nil {
		return err
	}
	if err := a.call(ctx, http.MethodPost, endpointURL(c.server, commandPath(protocol.PathCommandAck, id)), c.credential, nil, nil); err != nil {
		return fmt.Errorf("acknowledge command %s: %w", id, err)
	}
	return nil
}

// postResult reports a command's result.
func (a *Agent) postResult(ctx context.Context, id string, r protocol.CommandResult) error {
	c, err := a.creds()
	if err != nil {
		return err
	}
	if err := a.call(ctx, http.MethodPost, endpointURL(c.server, commandPath(protocol.PathCommandResult, id)), c.credential, r, nil); err != nil {
		return fmt.Errorf("report result of command %s: %w", id, err)
	}
	return nil
}

// fetchCommands lists pending commands, holding the request up to wait
// seconds when there are none (0: answer at once).
func (a *Agent) fetchCommands(ctx context.Context, wait int) ([]protocol.Command, error) {
	c, err := a.creds()
	if err != nil {
		return nil, err
	}
	u := endpointURL(c.server, orDefault(c.endpoints.Commands, protocol.PathCommands))
	if wait > 0 {
		u += "?wait=" + fmt.Sprint(wait)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Duration(wait)*time.Second+requestTimeout)
	defer cancel()
	var resp protocol.CommandsResponse
	if err := a.call(ctx, http.MethodGet, u, c.credential, nil, &resp); err != nil {
		return nil, fmt.Errorf("fetch commands: %w", err)
	}
	return resp.Commands, nil
}

// Package client is the Go client of Steward's admin API (/api/v1). Client
// implements the same domain interfaces as the service it talks to
// (steward.AccountService, ManagerService, TokenService, CreditService and
// AuditService) and mirrors the service's device, command and
// activation-code methods, so stewardctl and the end-to-end tests use the
// server exactly as they would use the service in-process.
//
// Errors the server answers with a JSON body are returned as *steward.Error
// carrying its code, message and field, so callers branch on
// steward.ErrorCode(err). Network failures and responses that are not the
// API's JSON are returned wrapped with the operation that failed; they have
// no code (steward.ErrorCode reports EINTERNAL).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// DefaultMaxResponseBytes bounds the body of one response (8 MiB).
const DefaultMaxResponseBytes = 8 << 20

// Client calls the admin API with an API token. It is safe for concurrent
// use.
type Client struct {
	base      *url.URL // server address, without a trailing slash
	token     string
	http      *http.Client
	userAgent string
	maxBody   int64
}

// Compile-time proof that Client is a drop-in for the service.
var (
	_ steward.AccountService = (*Client)(nil)
	_ steward.ManagerService = (*Client)(nil)
	_ steward.TokenService   = (*Client)(nil)
	_ steward.CreditService  = (*Client)(nil)
	_ steward.AuditService   = (*Client)(nil)
)

// Option configures a Client.
type Option func(*Client)

// WithHTTPClient sends requests through hc (for timeouts, proxies, TLS
// settings or tests). The default has a two-minute timeout.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithUserAgent sets the User-Agent header, e.g. "stewardctl/1.2".
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithMaxResponseBytes bounds the size of a response body; a larger one is
// an error. The default is DefaultMaxResponseBytes.
func WithMaxResponseBytes(n int64) Option {
	return func(c *Client) {
		if n > 0 {
			c.maxBody = n
		}
	}
}

// New returns a client of the server at baseURL (such as
// "https://mdm.example.com", or with a path prefix when the server sits
// behind one) authenticating with the API token. The token may be empty for
// PasswordToken, the only call that needs none.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		return nil, fmt.Errorf("server address %q: %w", baseURL, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server address %q: give an http:// or https:// URL such as https://mdm.example.com", baseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("server address %q: give only scheme, host and path", baseURL)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &Client{base: u, token: token, http: &http.Client{Timeout: 2 * time.Minute},
		userAgent: "steward-client", maxBody: DefaultMaxResponseBytes}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL returns the server address the client talks to.
func (c *Client) BaseURL() string { return c.base.String() }

// StatusError is a response that is neither a success nor the API's JSON
// error body, such as a proxy's HTML error page.
type StatusError struct {
	StatusCode int
	Status     string
	Body       string // the start of the body, for the message
}

// Error implements the error interface.
func (e *StatusError) Error() string {
	if e.Body == "" {
		return "unexpected response " + e.Status
	}
	return fmt.Sprintf("unexpected response %s: %q", e.Status, e.Body)
}

// request describes one API call.
type request struct {
	op     string // what the caller was doing, for wrapped errors: "list accounts"
	method string
	path   string // below /api/v1, already escaped: "/accounts/01h…"
	query  url.Values
	body   any // sent as JSON when non-nil
	// raw, when set, is sent as it is (streamed) with contentType.
	raw         io.Reader
	contentType string
	noAuth      bool
	// rawOut, when set, receives a successful response's body as it is,
	// streamed and unbounded, instead of decoding it as JSON.
	rawOut io.Writer
	// errOut, when set, also decodes an error response's body into it.
	errOut any
	// via, when set, sends the request instead of the client's own
	// http.Client (one with a cookie jar, for a console session); header
	// holds extra headers.
	via    *http.Client
	header map[string]string
}

// do performs the request and decodes a successful response into out
// (which may be nil to discard it).
func (c *Client) do(ctx context.Context, r request, out any) error {
	target := c.base.String() + "/api/v1" + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("%s: encode request: %w", r.op, err)
		}
		body = bytes.NewReader(b)
	}
	if r.raw != nil {
		body = r.raw
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return fmt.Errorf("%s: %w", r.op, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.raw != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.token != "" && !r.noAuth {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	hc := c.http
	if r.via != nil {
		hc = r.via
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", r.op, err)
	}
	defer resp.Body.Close()
	if r.rawOut != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if _, err := io.Copy(r.rawOut, resp.Body); err != nil {
			return fmt.Errorf("%s: read response: %w", r.op, err)
		}
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return fmt.Errorf("%s: read response: %w", r.op, err)
	}
	if int64(len(data)) > c.maxBody {
		return fmt.Errorf("%s: the response is larger than %d bytes", r.op, c.maxBody)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		if r.errOut != nil {
			_ = json.Unmarshal(data, r.errOut)
		}
		return responseError(r.op, resp, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s: decode response (%s): %w", r.op, resp.Header.Get("Content-Type"), err)
	}
	return nil
}

// errorBody is the API's error shape: {"error":{"code","message","field"}}.
type errorBody struct {
	Error *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// responseError turns a failed response into *steward.Error when the body
// is the API's JSON error, and into a wrapped *StatusError otherwise.
func responseError(op string, resp *http.Response, data []byte) error {
	var eb errorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error != nil && eb.Error.Code != "" {
		return &steward.Error{Code: eb.Error.Code, Message: eb.Error.Message, Field: eb.Error.Field}
	}
	snippet := strings.TrimSpace(string(data))
	if len(snippet) > 200 {
		snippet = snippet[:200] + "…"
	}
	return fmt.Errorf("%s: %w", op, &StatusError{StatusCode: resp.StatusCode, Status: resp.Status, Body: snippet})
}

// Page is the envelope of every listing: one page of items, and the
// cursor of the next page when the server says there may be one.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// pathID escapes an ID for a path segment and refuses an empty one, which
// would address another route.
func pathID(what, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", steward.Errorf(steward.EINVALID, "Give the %s ID.", what)
	}
	if id == "." || id == ".." {
		return "", steward.Errorf(steward.ENOTFOUND, "No %s %q.", what, id)
	}
	return url.PathEscape(id), nil
}

// accountID returns id, or the caller's own account when id is empty (the
// meaning the service gives an empty account ID).
func (c *Client) accountID(ctx context.Context, op, id string) (string, error) {
	if id != "" {
		return pathID("account", id)
	}
	me, err := c.Me(ctx)
	if err != nil {
		return "", err
	}
	if me.Account == nil {
		return "", fmt.Errorf("%s: the server did not say which account you belong to", op)
	}
	return url.PathEscape(me.Account.ID), nil
}

func setIf(q url.Values, key, v string) {
	if v != "" {
		q.Set(key, v)
	}
}

func setInt(q url.Values, key string, n int) {
	if n > 0 {
		q.Set(key, fmt.Sprint(n))
	}
}

func setTime(q url.Values, key string, t *time.Time) {
	if t != nil {
		q.Set(key, t.UTC().Format(time.RFC3339Nano))
	}
}

// IsNetworkError reports whether err is a failure to reach the server (as
// opposed to an answer from it, or the caller giving up).
func IsNetworkError(err error) bool {
	var ue *url.Error
	return errors.As(err, &ue) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

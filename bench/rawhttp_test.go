package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/protocol"
)

// TestCheckInBody keeps the hand-written check-in what the protocol
// package would make of it.
func TestCheckInBody(t *testing.T) {
	for _, n := range []int{0, 1, 7, 99, 100, 123456} {
		want, err := json.Marshal(checkInRequest("BNCH0000042", n))
		if err != nil {
			t.Fatal(err)
		}
		got := checkInBody(nil, "BNCH0000042", n)
		if !bytes.Equal(got, want) {
			t.Errorf("n=%d:\n got %s\nwant %s", n, got, want)
		}
		if _, err := protocol.DecodeCheckIn(bytes.NewReader(got)); err != nil {
			t.Errorf("n=%d: the server's decoder refuses the body: %v", n, err)
		}
	}
}

// TestRawConn checks the generator's HTTP/1.1 client against net/http's
// server: both framings, a server that closes, headers and bodies sent.
func TestRawConn(t *testing.T) {
	var conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		echo := r.Method + " " + r.URL.Path + " " + r.Header.Get("Authorization") + " " + r.Header.Get("Content-Type") + " " + string(body)
		switch r.URL.Path {
		case "/chunked":
			w.Write([]byte(echo))
			w.(http.Flusher).Flush() // no Content-Length: chunked
			w.Write([]byte(strings.Repeat("x", 5000)))
		case "/close":
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusTeapot)
			w.Write([]byte(echo))
		case "/empty":
			w.WriteHeader(http.StatusNoContent)
		default:
			w.Write([]byte(echo))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	rc := newRawConn(strings.TrimPrefix(srv.URL, "http://"))
	defer rc.close()
	type answer struct {
		Status int
		Body   string
	}
	for _, tc := range []struct {
		method, path, ctype, body string
		want                      answer
	}{
		{"POST", "/plain", "application/json", `{"a":1}`, answer{200, `POST /plain Bearer cred application/json {"a":1}`}},
		{"GET", "/plain", "", "", answer{200, "GET /plain Bearer cred  "}},
		{"GET", "/chunked", "", "", answer{200, "GET /chunked Bearer cred  " + strings.Repeat("x", 5000)}},
		{"POST", "/empty", "", "", answer{204, ""}},
		{"POST", "/close", "", "", answer{418, "POST /close Bearer cred  "}},
		{"GET", "/plain", "", "", answer{200, "GET /plain Bearer cred  "}}, // on a new connection
	} {
		var body []byte
		if tc.body != "" {
			body = []byte(tc.body)
		}
		status, got, err := rc.do(tc.method, tc.path, "cred", tc.ctype, body)
		if err != nil {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
		if diff := cmp.Diff(tc.want, answer{status, string(got)}); diff != "" {
			t.Errorf("%s %s (-want +got):\n%s", tc.method, tc.path, diff)
		}
	}
	if n := conns.Load(); n != 2 {
		t.Errorf("%d connections, want 2: one kept alive up to the server's close, one after", n)
	}
}

package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

var cheap = &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}

func TestPlainHTTPOnlyOnLoopback(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		addr  string
		allow bool
		ok    bool
	}{
		{"127.0.0.1:0", false, true},
		{"[::1]:0", false, true},
		{"localhost:0", false, true},
		{"0.0.0.0:8080", false, false},
		{"192.0.2.10:8080", false, false},
		{"0.0.0.0:8080", true, true},
	} {
		s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), Addr: tc.addr, AllowInsecureHTTP: tc.allow,
			AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1", Argon2: cheap, Logger: testutil.Logger(), NoJobs: true})
		if (err == nil) != tc.ok {
			t.Errorf("%s allow=%v: err=%v, want ok=%v", tc.addr, tc.allow, err, tc.ok)
		}
		if err == nil {
			s.Close()
		} else if !strings.Contains(err.Error(), "--tls-cert") {
			t.Errorf("the refusal should say what to do: %v", err)
		}
	}
}

// TestServeTLSAndShutdown serves HTTPS with a self-signed certificate,
// checks health, readiness, metrics and the Secure session cookie, and
// shuts down when its context ends.
func TestServeTLSAndShutdown(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := server.New(ctx, server.Config{DataDir: dir, Addr: "127.0.0.1:0", TLSCert: cert, TLSKey: key,
		AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1", Argon2: cheap, Logger: testutil.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	base := "https://" + ln.Addr().String()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}

	get := func(path string) (int, string) {
		t.Helper()
		res, err := c.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("healthz %d %q", code, body)
	}
	if code, body := get("/readyz"); code != 200 || body != "ready\n" {
		t.Errorf("readyz %d %q", code, body)
	}
	res, err := c.Post(base+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"email":"admin@example.com","password":"a-long-password-1"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var secure bool
	for _, ck := range res.Cookies() {
		secure = ck.Name == "steward_session" && ck.Secure && ck.HttpOnly && ck.SameSite == http.SameSiteLaxMode
	}
	if res.StatusCode != 200 || !secure {
		t.Errorf("login over TLS: %d, Secure HttpOnly Lax cookie: %v", res.StatusCode, secure)
	}
	if code, body := get("/metrics"); code != 200 || !strings.Contains(body, `steward_http_requests_total{code="200",route="/api/v1/auth"} 1`) {
		t.Errorf("metrics %d: no count of the login request", code)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not shut down")
	}
}

func TestReadyzFailsWhenTheDatabaseIsGone(t *testing.T) {
	s, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), AdminEmail: "admin@example.com",
		AdminPassword: "a-long-password-1", Argon2: cheap, Logger: testutil.Logger(), NoJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	rec := &recorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "/readyz", nil)
	s.Handler.ServeHTTP(rec, req)
	if rec.code != http.StatusServiceUnavailable {
		t.Errorf("readyz with a closed database: %d", rec.code)
	}
}

type recorder struct {
	header http.Header
	code   int
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *recorder) WriteHeader(code int)        { r.code = code }

func selfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	cert, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return cert, keyFile
}

// Package server assembles a Steward server from its configuration: the
// store, the service, the admin API, the console, the jobs, and the
// health, readiness and metrics endpoints.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/blobstore"
	"github.com/stewardmdm/steward/http/adminapi"
	"github.com/stewardmdm/steward/http/console"
	"github.com/stewardmdm/steward/http/deviceapi"
	"github.com/stewardmdm/steward/jobs"
	"github.com/stewardmdm/steward/keyring"
	"github.com/stewardmdm/steward/mail"
	"github.com/stewardmdm/steward/openapi"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// Config is everything a server needs; cmd/steward builds it from flags and
// the environment. Zero values mean the embedded defaults.
type Config struct {
	DataDir           string // default ./steward-data
	DatabaseURL       string // postgres://…; empty: SQLite in DataDir
	Addr              string // default 127.0.0.1:8080
	TLSCert, TLSKey   string
	AllowInsecureHTTP bool   // plain HTTP on a non-loopback address
	BaseURL           string // public address for links; default from Addr
	SMTP              string // smtp://…; empty: mail goes to the log
	AdminEmail        string // first platform admin (first start only)
	AdminPassword     string
	TrustProxy        bool
	Logger            *slog.Logger
	Clock             steward.Clock
	Argon2            *service.Argon2Params // default service.DefaultArgon2
	// Out receives the one-time password printed at first start.
	Out io.Writer
	// NoJobs leaves background jobs off (tests that drive them by hand).
	NoJobs bool
	// BlobURL is where APK files are kept (a gocloud.dev URL such as
	// s3://bucket?region=…); empty: the folder blobs in DataDir.
	BlobURL string
	// Inspector parses uploaded APKs; nil refuses uploads as not configured.
	Inspector steward.APKInspector
	// Scanner is the antivirus (clamd); nil: static checks only.
	Scanner steward.VirusScanner
	// MasterKeyFile holds the master keys that wrap the accounts' data keys
	// (see docs/secrets.md); MasterKey holds them directly
	// (STEWARD_MASTER_KEY). With neither, the key file in DataDir is used,
	// generated on first start.
	MasterKeyFile string
	MasterKey     string
	// MaxFileSize bounds a shared file's upload in bytes (default
	// service.MaxFileSizeDefault).
	MaxFileSize int64
}

// Server is an assembled Steward server.
type Server struct {
	cfg       Config
	DB        *store.DB
	Service   *service.Service
	API       *adminapi.API
	Handler   http.Handler
	Scheduler *jobs.Scheduler
	devices   *deviceapi.API
	logger    *slog.Logger

	// Sealer keeps the accounts' secrets encrypted at rest.
	Sealer *keyring.Keyring
}

// New opens the store (applying migrations), creates the first platform
// admin on an empty database, and builds the HTTP handler.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		return nil, errors.New("server: nil logger")
	}
	if cfg.Clock == nil {
		cfg.Clock = steward.SystemClock{}
	}
	if cfg.DataDir == "" {
		cfg.DataDir = "steward-data"
	}
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if err := checkTransport(cfg); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		scheme := "http"
		if cfg.TLSCert != "" {
			scheme = "https"
		}
		cfg.BaseURL = scheme + "://" + cfg.Addr
	}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "steward.db")
	}
	db, err := store.Open(ctx, dsn, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s, err := assemble(ctx, cfg, db)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// NewWithStore is New on a store the caller opened (and closes), such as a
// test database in a schema of its own.
func NewWithStore(ctx context.Context, cfg Config, db *store.DB) (*Server, error) {
	if cfg.Logger == nil {
		return nil, errors.New("server: nil logger")
	}
	if cfg.Clock == nil {
		cfg.Clock = steward.SystemClock{}
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = "http://127.0.0.1:8080"
	}
	return assemble(ctx, cfg, db)
}

func assemble(ctx context.Context, cfg Config, db *store.DB) (*Server, error) {
	argon := service.DefaultArgon2
	if cfg.Argon2 != nil {
		argon = *cfg.Argon2
	}
	var blobs *blobstore.Bucket
	var err error
	if cfg.BlobURL != "" {
		blobs, err = blobstore.Open(ctx, cfg.BlobURL)
	} else {
		blobs, err = blobstore.OpenDir(filepath.Join(cfg.DataDir, "blobs"))
	}
	if err != nil {
		return nil, err
	}
	sealer, err := NewKeyring(cfg, db)
	if err != nil {
		return nil, err
	}
	if err := sealer.Check(ctx); err != nil {
		return nil, fmt.Errorf("refusing to start: %w", err)
	}
	cfg.Logger.Info("secrets at rest are protected by the configured master keys", "current", sealer.CurrentMasterKeyID())
	svc, err := service.New(service.Options{Store: db, Clock: cfg.Clock, Logger: cfg.Logger,
		Passwords: service.NewPasswordHasher(argon), BaseURL: cfg.BaseURL, SingleNode: db.Dialect() == store.SQLite,
		Inspector: cfg.Inspector, Scanner: cfg.Scanner, Blobs: blobs, Sealer: sealer, MaxFileSize: cfg.MaxFileSize})
	if err != nil {
		return nil, err
	}
	boot, err := svc.Bootstrap(ctx, cfg.AdminEmail, cfg.AdminPassword)
	if err != nil {
		return nil, fmt.Errorf("create first admin: %w", err)
	}
	if boot.Created {
		cfg.Logger.Info("created the platform account and its first administrator", "email", boot.Email)
		if boot.Password != "" {
			fmt.Fprintf(cfg.Out, "\nFirst start: sign in at %s/console/ as %s with the one-time password\n\n    %s\n\nIt is shown only this once and must be changed at first sign-in.\n\n",
				cfg.BaseURL, boot.Email, boot.Password)
		}
	}
	secure := cfg.TLSCert != ""
	doc, err := openapi.JSON()
	if err != nil {
		return nil, err
	}
	api, err := adminapi.New(adminapi.Options{Service: svc, Logger: cfg.Logger, SecureCookies: secure, TrustProxy: cfg.TrustProxy, OpenAPI: doc})
	if err != nil {
		return nil, err
	}
	con, err := console.New(console.Options{Service: svc, Logger: cfg.Logger, SecureCookies: secure, TrustProxy: cfg.TrustProxy, BaseURL: cfg.BaseURL})
	if err != nil {
		return nil, err
	}
	dev, err := deviceapi.New(deviceapi.Options{Service: svc, Logger: cfg.Logger, TrustProxy: cfg.TrustProxy})
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, DB: db, Service: svc, API: api, Sealer: sealer, devices: dev, logger: cfg.Logger}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "steward_http_requests_total",
		Help: "HTTP requests by route and status."}, []string{"route", "code"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "steward_http_request_duration_seconds",
		Help: "HTTP request latency by route.", Buckets: prometheus.DefBuckets}, []string{"route"})
	reg.MustRegister(requests, latency)

	mux := http.NewServeMux()
	mux.Handle("/api/", api)
	mux.Handle("/console/", con)
	mux.Handle("/device/", dev)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain")
		if err := db.Ping(ctx); err != nil {
			cfg.Logger.Warn("not ready", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "not ready: database unreachable or schema not current\n")
			return
		}
		io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	s.Handler = instrument(mux, requests, latency)

	sched, err := jobs.New(db, cfg.Clock, cfg.Logger)
	if err != nil {
		return nil, err
	}
	var mailer steward.Mailer = mail.LogMailer{Logger: cfg.Logger}
	if cfg.SMTP != "" {
		m, err := mail.ParseSMTP(cfg.SMTP)
		if err != nil {
			return nil, err
		}
		mailer = m
	}
	sched.Add(jobs.Job{Name: "mail.deliver", Every: 10 * time.Second, Run: mail.DeliverJob(db, mailer, cfg.Clock)})
	sched.Add(jobs.Job{Name: "sessions.expire", Every: time.Hour, Run: func(ctx context.Context) (string, error) {
		n, err := db.DeleteExpiredSessions(ctx, cfg.Clock.Now())
		if err != nil || n == 0 {
			return "", err
		}
		return fmt.Sprintf("deleted %d expired sessions", n), nil
	}})
	sched.Add(jobs.Job{Name: "devices.liveness", Every: 5 * time.Second, Run: svc.FlushLiveness})
	sched.Add(jobs.Job{Name: "commands.expire", Every: time.Minute, Run: svc.ExpireCommands})
	sched.Add(jobs.Job{Name: "commands.compact", Every: time.Hour, Run: svc.CompactCommands})
	sched.Add(jobs.Job{Name: "devices.verify_activations", Every: 24 * time.Hour, Run: svc.VerifyActivations})
	sched.Add(jobs.Job{Name: "apps.scan", Every: 5 * time.Second, Run: svc.ScanApps})
	sched.Add(jobs.Job{Name: "privacy.retention", Every: service.RetentionEvery, Run: svc.SweepRetention})
	s.Scheduler = sched
	return s, nil
}

// NewKeyring returns the keyring of cfg's master keys over db: from
// MasterKeyFile, else MasterKey, else the key file in DataDir (generated
// when missing). It does not check the database's keys (Keyring.Check does).
func NewKeyring(cfg Config, db *store.DB) (*keyring.Keyring, error) {
	if cfg.Logger == nil {
		return nil, errors.New("server: nil logger")
	}
	if cfg.Clock == nil {
		cfg.Clock = steward.SystemClock{}
	}
	keys, err := keyring.LoadMasterKeys(keyring.Source{File: cfg.MasterKeyFile, Text: cfg.MasterKey, DataDir: cfg.DataDir}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	return keyring.New(keyring.Options{Store: db, MasterKeys: keys, Clock: cfg.Clock, Logger: cfg.Logger})
}

// instrument counts requests and their latency by the matched route.
func instrument(next http.Handler, requests *prometheus.CounterVec, latency *prometheus.HistogramVec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(rw, r)
		route := routeLabel(r.URL.Path)
		requests.WithLabelValues(route, fmt.Sprint(rw.code)).Inc()
		latency.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// routeLabel keeps the metric's cardinality bounded: the first two path
// segments, with IDs never included.
func routeLabel(p string) string {
	switch {
	case len(p) >= 8 && p[:8] == "/api/v1/":
		rest := p[8:]
		for i := 0; i < len(rest); i++ {
			if rest[i] == '/' {
				return "/api/v1/" + rest[:i]
			}
		}
		return "/api/v1/" + rest
	case len(p) >= 9 && p[:9] == "/console/":
		return "/console"
	case len(p) >= 11 && p[:11] == "/device/v1/":
		rest := p[11:]
		for i := 0; i < len(rest); i++ {
			if rest[i] == '/' {
				return "/device/v1/" + rest[:i]
			}
		}
		return "/device/v1/" + rest
	case p == "/healthz", p == "/readyz", p == "/metrics", p == "/":
		return p
	}
	return "other"
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) { w.code = code; w.ResponseWriter.WriteHeader(code) }

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// checkTransport refuses plain HTTP away from loopback unless allowed.
func checkTransport(cfg Config) error {
	if (cfg.TLSCert == "") != (cfg.TLSKey == "") {
		return errors.New("give both --tls-cert and --tls-key, or neither")
	}
	if cfg.TLSCert != "" || cfg.AllowInsecureHTTP {
		return nil
	}
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", cfg.Addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing plain HTTP on %s: devices and browsers must reach Steward over TLS; give --tls-cert and --tls-key, or --allow-insecure-http behind a TLS-terminating proxy", cfg.Addr)
}

// Run listens on the configured address and serves until ctx ends, then
// shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, with background jobs running.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{Handler: s.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		ErrorLog: slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)}
	jctx, stopJobs := context.WithCancel(ctx)
	defer stopJobs()
	if !s.cfg.NoJobs {
		s.Scheduler.Start(jctx)
	}
	errc := make(chan error, 1)
	go func() {
		if s.cfg.TLSCert != "" {
			errc <- hs.ServeTLS(ln, s.cfg.TLSCert, s.cfg.TLSKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	s.logger.Info("steward listening", "addr", ln.Addr().String(), "tls", s.cfg.TLSCert != "", "console", s.cfg.BaseURL+"/console/")
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	s.devices.Close()
	stopJobs()
	s.Scheduler.Wait()
	return err
}

// Close closes the store.
func (s *Server) Close() error { return s.DB.Close() }

// Command steward is the Steward server: serve, migrate and version.
// Configuration comes from flags first, then STEWARD_* environment
// variables, then the embedded defaults (SQLite in ./steward-data).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/stewardmdm/steward/apk"
	"github.com/stewardmdm/steward/scan"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/store"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `Steward — privacy-first device management.

Usage:
  steward serve    [flags]   run the server (embedded SQLite by default)
  steward migrate  [flags]   apply database migrations and exit
  steward demo     [flags]   run the server with a simulated fleet (--devices, default 300)
  steward privacy records [--format markdown|json] [--plain]
                             print the records of processing (GDPR Art. 30), or with
                             --plain what Steward collects, from the data catalog
  steward keys rotate [flags] re-wrap every account's data key under the current master key
                             (the first of --master-key-file), online or offline
  steward version            print the version

Run 'steward serve -h' for the flags; each has a STEWARD_* variable.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "steward:", err)
		}
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("name a command")
	}
	switch args[0] {
	case "serve":
		cfg, logger, err := parseConfig("serve", args[1:], getenv, stdout, stderr)
		if err != nil {
			return err
		}
		s, err := server.New(ctx, cfg)
		if err != nil {
			return err
		}
		defer s.Close()
		logger.Info("steward starting", "version", version, "data", cfg.DataDir, "database", databaseLabel(cfg))
		return s.Run(ctx)
	case "migrate":
		cfg, logger, err := parseConfig("migrate", args[1:], getenv, stdout, stderr)
		if err != nil {
			return err
		}
		dsn := cfg.DatabaseURL
		if dsn == "" {
			dsn = filepath.Join(cfg.DataDir, "steward.db")
		}
		db, err := store.Open(ctx, dsn, logger)
		if err != nil {
			return err
		}
		defer db.Close()
		cur, _, err := db.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema at version %d\n", cur)
		return nil
	case "demo":
		devices := 300
		rest := args[1:]
		for i := 0; i < len(rest); i++ { // --devices N is demo's own flag
			if rest[i] == "--devices" && i+1 < len(rest) {
				if _, err := fmt.Sscanf(rest[i+1], "%d", &devices); err != nil {
					return fmt.Errorf("--devices: %w", err)
				}
				rest = append(rest[:i:i], rest[i+2:]...)
				break
			}
		}
		cfg, logger, err := parseConfig("demo", rest, getenv, stdout, stderr)
		if err != nil {
			return err
		}
		logger.Info("steward demo starting", "version", version, "devices", devices)
		return demo(ctx, cfg, devices, stdout)
	case "privacy":
		return privacyCmd(args[1:], stdout, stderr)
	case "keys":
		return keysCmd(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "steward", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func databaseLabel(cfg server.Config) string {
	if cfg.DatabaseURL != "" {
		return "postgres"
	}
	return "sqlite"
}

// parseConfig reads flags, falling back to STEWARD_* variables.
func parseConfig(name string, args []string, getenv func(string) string, stdout, stderr io.Writer) (server.Config, *slog.Logger, error) {
	fs := flag.NewFlagSet("steward "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	env := func(k, def string) string {
		if v := getenv("STEWARD_" + k); v != "" {
			return v
		}
		return def
	}
	envBool := func(k string) bool { b, _ := strconv.ParseBool(getenv("STEWARD_" + k)); return b }
	var cfg server.Config
	fs.StringVar(&cfg.DataDir, "data", env("DATA", "steward-data"), "data folder: the SQLite database and blobs (STEWARD_DATA)")
	fs.StringVar(&cfg.DatabaseURL, "database", env("DATABASE_URL", ""), "PostgreSQL URL, postgres://…; empty for embedded SQLite (STEWARD_DATABASE_URL)")
	fs.StringVar(&cfg.Addr, "addr", env("ADDR", "127.0.0.1:8080"), "listen address (STEWARD_ADDR)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", env("TLS_CERT", ""), "TLS certificate file, PEM (STEWARD_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", env("TLS_KEY", ""), "TLS private key file, PEM (STEWARD_TLS_KEY)")
	fs.BoolVar(&cfg.AllowInsecureHTTP, "allow-insecure-http", envBool("ALLOW_INSECURE_HTTP"), "allow plain HTTP on a non-loopback address, e.g. behind a TLS proxy (STEWARD_ALLOW_INSECURE_HTTP)")
	fs.StringVar(&cfg.BaseURL, "base-url", env("BASE_URL", ""), "public URL of the server, for links in mail (STEWARD_BASE_URL)")
	fs.StringVar(&cfg.SMTP, "smtp", env("SMTP", ""), "SMTP URL smtp://user:pass@host:587?from=addr; empty logs mail instead (STEWARD_SMTP)")
	fs.BoolVar(&cfg.TrustProxy, "trust-proxy", envBool("TRUST_PROXY"), "believe X-Forwarded-For from a reverse proxy (STEWARD_TRUST_PROXY)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", env("MASTER_KEY_FILE", ""), "file of the master keys that protect secrets at rest, one ID:BASE64 a line, the current first; empty: STEWARD_MASTER_KEY, or <data>/master.key, generated on first start (STEWARD_MASTER_KEY_FILE)")
	fs.StringVar(&cfg.BlobURL, "blob-url", env("BLOB_URL", ""), "where uploaded APKs are kept: a gocloud.dev URL such as s3://bucket?region=…; empty for <data>/blobs (STEWARD_BLOB_URL)")
	clamd := fs.String("clamd", env("CLAMD", ""), "ClamAV daemon for antivirus scans of uploads: unix:/run/clamav/clamd.ctl or tcp:host:3310; empty for static checks only (STEWARD_CLAMD)")
	clamdMax := fs.Int64("clamd-stream-max", 0, "clamd's StreamMaxLength in bytes, if known: larger uploads are marked unscannable without sending them (STEWARD_CLAMD_STREAM_MAX)")
	if v := getenv("STEWARD_CLAMD_STREAM_MAX"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cfg, nil, fmt.Errorf("STEWARD_CLAMD_STREAM_MAX: %w", err)
		}
		*clamdMax = n
	}
	maxFileMiB := fs.Int64("max-file-mib", 0, "largest shared file a manager may upload, in MiB; 0 for 100 (STEWARD_MAX_FILE_MIB)")
	if v := getenv("STEWARD_MAX_FILE_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return cfg, nil, fmt.Errorf("STEWARD_MAX_FILE_MIB: %w", err)
		}
		*maxFileMiB = n
	}
	logLevel := fs.String("log-level", env("LOG_LEVEL", "info"), "debug, info, warn or error (STEWARD_LOG_LEVEL)")
	logFormat := fs.String("log-format", env("LOG_FORMAT", "text"), "text or json (STEWARD_LOG_FORMAT)")
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	if fs.NArg() > 0 {
		return cfg, nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *maxFileMiB < 0 || *maxFileMiB > 1<<20 {
		return cfg, nil, fmt.Errorf("--max-file-mib: %d is not a size from 0 to 1048576", *maxFileMiB)
	}
	cfg.MaxFileSize = *maxFileMiB << 20
	cfg.AdminEmail, cfg.AdminPassword = getenv("STEWARD_ADMIN_EMAIL"), getenv("STEWARD_ADMIN_PASSWORD")
	cfg.MasterKey = getenv("STEWARD_MASTER_KEY")
	// Every upload is parsed and checked; the antivirus scan runs when a
	// clamd is configured.
	cfg.Inspector = apk.New(apk.Options{})
	if *clamd != "" {
		c, err := scan.NewClamd(scan.Options{Address: *clamd, StreamMaxLength: *clamdMax})
		if err != nil {
			return cfg, nil, fmt.Errorf("--clamd: %w", err)
		}
		cfg.Scanner = c
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return cfg, nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch *logFormat {
	case "text":
		cfg.Logger = slog.New(slog.NewTextHandler(stderr, opts))
	case "json":
		cfg.Logger = slog.New(slog.NewJSONHandler(stderr, opts))
	default:
		return cfg, nil, fmt.Errorf("--log-format must be text or json")
	}
	cfg.Out = stdout
	return cfg, cfg.Logger, nil
}

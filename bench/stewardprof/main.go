// Command stewardprof is `steward serve` with Go's profiler: the same
// server.New and Run, plus net/http/pprof on the loopback address named by
// STEWARD_BENCH_PPROF (logged as "pprof listening"), and block and mutex
// profiling switched on. `steward-bench --profile DIR` builds and drives it,
// so that the profiles show what the real server does under the bench's
// load. It reads only the flags steward-bench passes to `steward serve`.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	_ "net/http/pprof" // the profiler, on http.DefaultServeMux
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/stewardmdm/steward/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "stewardprof:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "serve" {
		return errors.New("usage: stewardprof serve [--data DIR] [--database URL] [--addr ADDR] [--log-format json|text]")
	}
	fs := flag.NewFlagSet("stewardprof serve", flag.ContinueOnError)
	var cfg server.Config
	fs.StringVar(&cfg.DataDir, "data", "steward-data", "data folder")
	fs.StringVar(&cfg.DatabaseURL, "database", "", "PostgreSQL URL; empty for SQLite")
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	format := fs.String("log-format", "json", "text or json")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *format == "json" {
		cfg.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	} else {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	cfg.AdminEmail, cfg.AdminPassword = os.Getenv("STEWARD_ADMIN_EMAIL"), os.Getenv("STEWARD_ADMIN_PASSWORD")
	cfg.Out = os.Stdout

	addr := os.Getenv("STEWARD_BENCH_PPROF")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("pprof listener: %w", err)
	}
	defer ln.Close()
	runtime.SetBlockProfileRate(10_000) // one sample per 10 µs blocked
	runtime.SetMutexProfileFraction(10)
	go http.Serve(ln, http.DefaultServeMux)
	cfg.Logger.Info("pprof listening", "addr", ln.Addr().String())

	s, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run(ctx)
}

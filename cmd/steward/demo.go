package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// demo runs the server on its embedded defaults with a simulated fleet
// enrolled into a demo client account, so a newcomer sees a live fleet.
func demo(ctx context.Context, cfg server.Config, devices int, stdout io.Writer) error {
	if devices < 1 || devices > 5000 {
		return errors.New("--devices must be between 1 and 5000")
	}
	if cfg.DataDir == "steward-data" {
		cfg.DataDir = "steward-demo-data"
	}
	if cfg.AdminEmail == "" && cfg.AdminPassword == "" {
		cfg.AdminEmail, cfg.AdminPassword = "admin@demo.local", "steward-demo-password"
	}
	s, err := server.New(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- s.Serve(ctx, ln) }()

	code, err := demoAccounts(ctx, s, cfg, devices)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	fleet, err := sim.New(sim.Options{Server: base, ActivationCode: code, Devices: devices, Seed: 42, PersonalShare: 0.2,
		FailureRate: 0.03, LocationConsentRate: 0.7, UsePush: true, CheckInEvery: time.Minute, Logger: cfg.Logger, Clock: sim.SystemClock{}})
	if err != nil {
		return err
	}
	if err := fleet.Enroll(ctx); err != nil {
		return fmt.Errorf("enroll the simulated fleet: %w", err)
	}
	if err := fleet.CheckInAll(ctx); err != nil {
		cfg.Logger.Warn("first check-in of the simulated fleet", "err", err)
	}
	fmt.Fprintf(stdout, "\nSteward demo: %d simulated Android devices are enrolled and connected.\n\n"+
		"    console   %s/console/\n    sign in   %s / %s\n\nStop it with Ctrl-C. Its data is in %s.\n\n",
		devices, base, cfg.AdminEmail, passwordHint(cfg), filepath.Clean(cfg.DataDir))
	go func() {
		if err := fleet.Run(ctx); err != nil && ctx.Err() == nil {
			cfg.Logger.Error("simulated fleet", "err", err)
		}
	}()
	return <-errc
}

func passwordHint(cfg server.Config) string {
	if cfg.AdminPassword == "" {
		return "(the password set at the first start)"
	}
	return cfg.AdminPassword
}

// demoAccounts creates (once) a demo reseller with credits and a client,
// and issues an activation code for the fleet.
func demoAccounts(ctx context.Context, s *server.Server, cfg server.Config, devices int) (string, error) {
	svc := s.Service
	res, err := svc.Login(ctx, steward.LoginRequest{Email: cfg.AdminEmail, Password: cfg.AdminPassword, IP: "127.0.0.1", UserAgent: "steward demo"})
	if err != nil {
		return "", fmt.Errorf("sign in as %s (a demo data folder from another admin? remove %s): %w", cfg.AdminEmail, cfg.DataDir, err)
	}
	auth, err := svc.AuthenticateSession(ctx, res.Secret, "127.0.0.1", "steward demo")
	if err != nil {
		return "", err
	}
	actx := steward.NewContextWithActor(ctx, auth.Actor)
	defer svc.Logout(actx, res.Session.ID)
	var client *steward.Account
	if cs, err := svc.Accounts(actx, steward.AccountFilter{Kind: steward.AccountClient, Query: "Demo Logistics"}); err == nil && len(cs) > 0 {
		client = cs[0]
	} else {
		r, err := svc.CreateAccount(actx, steward.AccountCreate{Name: "Demo Reseller", Kind: steward.AccountReseller})
		if err != nil {
			return "", err
		}
		end := time.Now().AddDate(1, 0, 0)
		client, err = svc.CreateAccount(actx, steward.AccountCreate{ParentID: r.ID, Name: "Demo Logistics", Kind: steward.AccountClient, SubscriptionEnd: &end})
		if err != nil {
			return "", err
		}
	}
	// Codes issued by the platform are free, so the demo needs no credits.
	code, err := svc.CreateActivationCode(actx, service.ActivationCodeCreate{AccountID: client.ID, Seats: devices, ValidFor: 24 * time.Hour, Note: "steward demo"})
	if err != nil {
		return "", err
	}
	return code.Code, nil
}

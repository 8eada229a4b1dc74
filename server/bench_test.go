package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// benchServer starts a server over HTTP on db with a platform admin token,
// a reseller holding credits, and 100 client accounts below it.
func benchServer(b *testing.B, db *store.DB) (url, token, reseller string) {
	b.Helper()
	ctx := context.Background()
	s, err := server.NewWithStore(ctx, server.Config{AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1",
		Logger: testutil.Logger(), NoJobs: true, DataDir: b.TempDir()}, db)
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler)
	b.Cleanup(hs.Close)
	res, err := s.Service.Login(ctx, steward.LoginRequest{Email: "admin@example.com", Password: "a-long-password-1", IP: "127.0.0.1"})
	if err != nil {
		b.Fatal(err)
	}
	auth, err := s.Service.AuthenticateSession(ctx, res.Secret, "127.0.0.1", "bench")
	if err != nil {
		b.Fatal(err)
	}
	actx := steward.NewContextWithActor(ctx, auth.Actor)
	tok, err := s.Service.CreateToken(actx, steward.TokenCreate{Name: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	r, err := s.Service.CreateAccount(actx, steward.AccountCreate{Name: "Bench Reseller", Kind: steward.AccountReseller})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := s.Service.GrantCredits(actx, steward.CreditGrant{AccountID: r.ID, Amount: 1_000_000, Reason: "bench"}); err != nil {
		b.Fatal(err)
	}
	for i := range 100 {
		if _, err := s.Service.CreateAccount(actx, steward.AccountCreate{ParentID: r.ID, Name: fmt.Sprintf("Client %03d", i), Kind: steward.AccountClient}); err != nil {
			b.Fatal(err)
		}
	}
	return hs.URL, tok.Secret, r.ID
}

func call(b *testing.B, c *http.Client, method, url, token string, body any, want int) {
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		b.Fatalf("%s %s: %d", method, url, res.StatusCode)
	}
}

// BenchmarkAPI measures whole admin API requests over loopback HTTP: token
// authentication, scope checks, the query, and JSON encoding.
func BenchmarkAPI(b *testing.B) {
	for name, open := range map[string]func(testing.TB) *store.DB{"sqlite": testutil.OpenSQLite, "postgres": testutil.OpenPostgres} {
		b.Run(name, func(b *testing.B) {
			url, token, reseller := benchServer(b, open(b))
			b.Run("list-100-accounts", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					c := &http.Client{}
					for pb.Next() {
						call(b, c, "GET", url+"/api/v1/accounts?root="+reseller+"&kind=client", token, nil, 200)
					}
				})
			})
			b.Run("create-account", func(b *testing.B) {
				c := &http.Client{}
				for i := 0; b.Loop(); i++ {
					call(b, c, "POST", url+"/api/v1/accounts", token,
						map[string]any{"parent_id": reseller, "name": fmt.Sprintf("New %d", i), "kind": "client"}, 201)
				}
			})
			b.Run("transfer-credits", func(b *testing.B) {
				c := &http.Client{}
				var accs struct{ Items []steward.Account }
				req, _ := http.NewRequest("GET", url+"/api/v1/accounts?parent="+reseller+"&limit=1", nil)
				req.Header.Set("Authorization", "Bearer "+token)
				res, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				json.NewDecoder(res.Body).Decode(&accs)
				res.Body.Close()
				for b.Loop() {
					call(b, c, "POST", url+"/api/v1/credits/transfers", token,
						map[string]any{"from_id": reseller, "to_id": accs.Items[0].ID, "amount": 1, "reason": "bench"}, 201)
				}
			})
		})
	}
}

// BenchmarkPasswordHash measures one argon2id hash at the production
// parameters: the cost of a sign-in.
func BenchmarkPasswordHash(b *testing.B) {
	h := service.NewPasswordHasher(service.DefaultArgon2)
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

package main

import (
	"strings"
	"testing"
)

// TestPasswordFirstLogin: a login whose first password must be changed is
// told by 'stewardctl login' to run 'stewardctl password', which changes
// it without a stored login; then 'stewardctl login' works. Logged in,
// 'stewardctl password' takes the stored email.
func TestPasswordFirstLogin(t *testing.T) {
	h := newHarness(t)
	h.login()
	const email, first = "ops@example.com", "another-long-password-2"
	h.ok(first+"\n", "managers", "create", "--email", email, "--name", "Ops", "--password-stdin")

	ops := &harness{t: t, srv: h.srv, url: h.url, configDir: t.TempDir(), env: map[string]string{}}
	stderr := ops.fail(1, first+"\n", "login", "--server", h.url, "--email", email, "--password-stdin")
	if want := "stewardctl password --server " + h.url + " --email " + email; !strings.Contains(stderr, want) {
		t.Errorf("login with a password to change says:\n%s\nwant it to name %q", stderr, want)
	}

	// Refusals change nothing.
	if stderr := ops.fail(1, "wrong-password-0\nnimble-kestrel-33\n", "password", "--server", h.url, "--email", email,
		"--password-stdin"); stderr == "" {
		t.Error("a wrong current password gave no error")
	}
	if stderr := ops.fail(1, first+"\nshort\n", "password", "--server", h.url, "--email", email, "--password-stdin"); !strings.Contains(stderr, `"new_password"`) {
		t.Errorf("a new password the rules refuse: %s", stderr)
	}
	if stderr := ops.fail(1, first+"\n", "password", "--server", h.url, "--email", email, "--password-stdin"); !strings.Contains(stderr, "second") {
		t.Errorf("one line on standard input: %s", stderr)
	}
	if stderr := ops.fail(1, "", "password", "--server", h.url, "--email", email); !strings.Contains(stderr, "--password-stdin") {
		t.Errorf("without a terminal or --password-stdin: %s", stderr)
	}
	ops.fail(1, first+"\n", "login", "--server", h.url, "--email", email, "--password-stdin")

	out := ops.ok(first+"\nnimble-kestrel-33\n", "password", "--server", h.url, "--email", email, "--password-stdin")
	if !strings.Contains(out, "Password of "+email+" changed") || !strings.Contains(out, "Run 'stewardctl login'") {
		t.Errorf("password said:\n%s", out)
	}
	ops.ok("nimble-kestrel-33\n", "login", "--server", h.url, "--email", email, "--password-stdin")

	// Logged in: the stored server and email are used, and the token keeps working.
	out = ops.ok("nimble-kestrel-33\ngranite-harbor-44\n", "password", "--password-stdin")
	if !strings.Contains(out, "changed") || strings.Contains(out, "Run 'stewardctl login'") {
		t.Errorf("password when logged in said:\n%s", out)
	}
	if out := ops.ok("", "whoami"); !strings.Contains(out, email) {
		t.Errorf("whoami after the change:\n%s", out)
	}
	ops.fail(1, "nimble-kestrel-33\n", "login", "--email", email, "--password-stdin")
	ops.ok("granite-harbor-44\n", "login", "--email", email, "--password-stdin")
}

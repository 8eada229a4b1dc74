package store

import (
	"slices"
	"testing"
)

func TestRebind(t *testing.T) {
	for _, tc := range []struct {
		q     string
		args  []any
		wantQ string
		want  []any
	}{
		{"SELECT 1", nil, "SELECT 1", nil},
		{"SELECT $1, $2", []any{"a", "b"}, "SELECT ?, ?", []any{"a", "b"}},
		{"SELECT $2, $1, $2", []any{"a", "b"}, "SELECT ?, ?, ?", []any{"b", "a", "b"}},
		{"VALUES ($1, $2), ($3, $4), ($5, $6), ($7, $8), ($9, $10), ($11, $12)",
			[]any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
			"VALUES (?, ?), (?, ?), (?, ?), (?, ?), (?, ?), (?, ?)", []any{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{`WHERE a LIKE $1 ESCAPE '\' AND b = '$2' AND "$3" = $2`, []any{"x", "y", "z"},
			`WHERE a LIKE ? ESCAPE '\' AND b = '$2' AND "$3" = ?`, []any{"x", "y"}},
		{"SELECT $0, $ , $9", []any{"a"}, "SELECT $0, $ , $9", nil},
	} {
		q, args := SQLite.rebind(tc.q, tc.args)
		if q != tc.wantQ || !slices.Equal(args, tc.want) {
			t.Errorf("rebind(%q) = %q %v, want %q %v", tc.q, q, args, tc.wantQ, tc.want)
		}
		if q, args := Postgres.rebind(tc.q, tc.args); q != tc.q || !slices.Equal(args, tc.args) {
			t.Errorf("postgres rebind(%q) changed it: %q %v", tc.q, q, args)
		}
	}
}

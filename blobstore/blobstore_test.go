package blobstore_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/blobstore"
)

type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("client went away")
	}
	n := min(len(p), f.n)
	f.n -= n
	return n, nil
}

func TestBucket(t *testing.T) {
	ctx := t.Context()
	b, err := blobstore.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Write(ctx, "apps/a/1.apk", strings.NewReader("0123456789")); err != nil {
		t.Fatal(err)
	}
	r, err := b.Open(ctx, "apps/a/1.apk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(r)
	r.Close()
	if string(rest) != "456789" || r.Size() != 10 {
		t.Errorf("read after seek = %q (size %d), want 456789 (10)", rest, r.Size())
	}

	// A write whose source fails leaves nothing behind.
	if err := b.Write(ctx, "apps/a/2.apk", &failingReader{n: 100 << 10}); err == nil {
		t.Fatal("a failed source wrote a blob")
	}
	if ok, err := b.Exists(ctx, "apps/a/2.apk"); err != nil || ok {
		t.Errorf("after a failed write: exists %v, %v", ok, err)
	}

	if err := b.Delete(ctx, "apps/a/1.apk"); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "apps/a/1.apk"); err != nil {
		t.Errorf("deleting an absent blob: %v", err)
	}
	if _, err := b.Open(ctx, "apps/a/1.apk"); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("open deleted: %v, want not found", err)
	}
}

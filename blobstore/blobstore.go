// Package blobstore keeps large files (APKs) in a gocloud.dev bucket: a
// folder under the data directory by default (fileblob), or S3-compatible
// storage when configured with an s3:// URL.
package blobstore

import (
	"context"
	"fmt"
	"io"
	"os"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/s3blob" // s3:// URLs
	"gocloud.dev/gcerrors"

	"github.com/stewardmdm/steward"
)

// Bucket implements steward.Blobs over a gocloud.dev bucket.
type Bucket struct{ b *blob.Bucket }

var _ steward.Blobs = (*Bucket)(nil)

// Open opens the bucket at url (file:///dir, s3://bucket?region=…).
func Open(ctx context.Context, url string) (*Bucket, error) {
	b, err := blob.OpenBucket(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("open blob storage: %w", err)
	}
	return &Bucket{b: b}, nil
}

// OpenDir opens (creating it) a bucket in a local folder.
func OpenDir(dir string) (*Bucket, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("open blob storage: %w", err)
	}
	b, err := fileblob.OpenBucket(dir, &fileblob.Options{NoTempDir: false})
	if err != nil {
		return nil, fmt.Errorf("open blob storage: %w", err)
	}
	return &Bucket{b: b}, nil
}

// Close closes the bucket.
func (b *Bucket) Close() error { return b.b.Close() }

// Write streams r into key. When r fails (or the context ends) the write is
// abandoned and nothing is left under key.
func (b *Bucket) Write(ctx context.Context, key string, r io.Reader) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.b.NewWriter(wctx, key, &blob.WriterOptions{ContentType: "application/vnd.android.package-archive"})
	if err != nil {
		return fmt.Errorf("write blob: %w", err)
	}
	if _, err := io.Copy(w, r); err != nil {
		cancel() // abandons the write: gocloud then discards it on Close
		_ = w.Close()
		return fmt.Errorf("write blob: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("write blob: %w", err)
	}
	return nil
}

// Open opens key for reading; the reader seeks, for range requests. ENOTFOUND.
func (b *Bucket) Open(ctx context.Context, key string) (steward.Blob, error) {
	r, err := b.b.NewReader(ctx, key, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, steward.Errorf(steward.ENOTFOUND, "blob %q not found", key)
	} else if err != nil {
		return nil, fmt.Errorf("open blob: %w", err)
	}
	return r, nil
}

// Delete deletes key; an absent key is not an error.
func (b *Bucket) Delete(ctx context.Context, key string) error {
	if err := b.b.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete blob: %w", err)
	}
	return nil
}

// Exists reports whether key exists.
func (b *Bucket) Exists(ctx context.Context, key string) (bool, error) {
	return b.b.Exists(ctx, key)
}

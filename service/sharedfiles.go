package service

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Shared files: uploaded by managers, kept in blob storage, pushed to the
// devices their targets cover. An upload streams to storage through a size
// limit, hashed on the way; nothing of a refused upload stays. Deleting a
// file deletes its blob in the same request. Audit entries carry the
// file's size and hash, not its name.

// MaxFileSizeDefault bounds a shared file unless Options.MaxFileSize says otherwise.
const MaxFileSizeDefault = 100 << 20

// FileUpload is one shared file's upload.
type FileUpload struct {
	AccountID   string // default: the actor's account
	Name        string // the file's name; folders in it are dropped
	ContentType string // as sent; empty or application/octet-stream: guessed from the name or the content
	Description string
	Targets     []steward.Target
	Body        io.Reader
}

// FileUpdate changes the fields that are not nil.
type FileUpdate struct {
	Description *string           `json:"description"`
	Targets     *[]steward.Target `json:"targets"`
}

const maxDescriptionRunes = 1000

// CleanFileName turns a name as sent into a plain file name every device
// can write: the last element of a path, without control characters, with
// characters file systems refuse (<>:"|?*) replaced by "_", without
// leading or trailing dots and spaces, at most 255 bytes. EINVALID (field
// "name") when nothing is left.
func CleanFileName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", steward.FieldErrorf("name", "The file name is not valid text (UTF-8).")
	}
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f:
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteRune('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), " .")
	if name == "" {
		return "", steward.FieldErrorf("name", "Give the file a name, such as handbook.pdf.")
	}
	if len(name) > 255 {
		return "", steward.FieldErrorf("name", "A file name has at most 255 bytes.")
	}
	base := strings.ToUpper(strings.TrimSuffix(name, path.Ext(name)))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		name = "_" + name // names Windows reserves for devices
	}
	return name, nil
}

// contentType picks a file's media type: the one sent, unless it says
// nothing (empty, application/octet-stream); else the name's extension's;
// else what the first bytes look like.
func contentType(sent, name string, head []byte) (string, error) {
	if sent = strings.TrimSpace(sent); sent != "" && !strings.HasPrefix(sent, "application/octet-stream") {
		mt, params, err := mime.ParseMediaType(sent)
		if err != nil || len(sent) > 200 || strings.HasPrefix(mt, "multipart/") {
			return "", steward.FieldErrorf("content_type", "%q is not a media type such as application/pdf.", sent)
		}
		return mime.FormatMediaType(mt, params), nil
	}
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		return t, nil
	}
	return sniff(head), nil
}

// signatures are the first bytes of common file types, for files sent
// without a type whose name says none.
var signatures = []struct {
	prefix, contentType string
}{
	{"%PDF-", "application/pdf"},
	{"\x89PNG\r\n\x1a\n", "image/png"},
	{"\xff\xd8\xff", "image/jpeg"},
	{"GIF87a", "image/gif"},
	{"GIF89a", "image/gif"},
	{"PK\x03\x04", "application/zip"},
	{"\x1f\x8b\x08", "application/gzip"},
}

// sniff guesses a media type from a file's first bytes: a known
// signature, else text when they are printable UTF-8, else
// application/octet-stream. (The service does not use net/http, whose
// DetectContentType does the same with a longer table.)
func sniff(head []byte) string {
	for _, sig := range signatures {
		if strings.HasPrefix(string(head), sig.prefix) {
			return sig.contentType
		}
	}
	if len(head) == 0 {
		return "application/octet-stream"
	}
	text := head
	for i := 0; i < 3 && !utf8.Valid(text) && len(text) > 0; i++ {
		text = text[:len(text)-1] // a multi-byte character cut at the end of the peek
	}
	if !utf8.Valid(text) {
		return "application/octet-stream"
	}
	for _, r := range string(text) {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' {
			return "application/octet-stream"
		}
	}
	return "text/plain; charset=utf-8"
}

// fileBlobKey is where a shared file's content is kept: derived from its
// account and ID, so a sweep that deleted the rows can delete the blobs.
func fileBlobKey(accountID, id string) string { return "files/" + accountID + "/" + id }

// UploadFile streams a shared file into blob storage (through the size
// limit, hashing it on the way) and records it with its targets; the
// devices they cover are told. Nothing is read before the actor, the
// account, the name and the targets are checked; a refused upload leaves
// nothing in storage. EINVALID (the field named), ETOOLARGE, EFORBIDDEN,
// ENOTFOUND, ECONFLICT (a name the account has; not configured; account
// deleted).
func (s *Service) UploadFile(ctx context.Context, in FileUpload) (*steward.SharedFile, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if s.opts.Blobs == nil {
		return nil, steward.Errorf(steward.ECONFLICT, "File uploads are not configured on this server.")
	}
	now := s.now()
	f := &steward.SharedFile{ID: steward.NewID(now), AccountID: acc.ID, UploadedBy: a.ManagerID, UploadedByEmail: a.Email,
		CreatedAt: now, UpdatedAt: now}
	if f.Name, err = CleanFileName(in.Name); err != nil {
		return nil, err
	}
	if f.Description, err = validNote("description", in.Description, maxDescriptionRunes); err != nil {
		return nil, err
	}
	if f.Targets, err = s.checkItemTargets(ctx, a, acc, in.Targets); err != nil {
		return nil, err
	}
	// A taken name is refused before the upload is read (the insert
	// checks again, for a race).
	taken, err := s.store.ListSharedFiles(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	for _, o := range taken {
		if o.Name == f.Name {
			return nil, steward.Errorf(steward.ECONFLICT, "The account already has a file called %q.", f.Name)
		}
	}
	if in.Body == nil {
		return nil, steward.FieldErrorf("file", "The upload is empty.")
	}
	body := bufio.NewReaderSize(in.Body, 512)
	head, _ := body.Peek(512)
	if f.ContentType, err = contentType(in.ContentType, f.Name, head); err != nil {
		return nil, err
	}
	f.BlobKey = fileBlobKey(acc.ID, f.ID)
	h := sha256.New()
	written := &counter{}
	src := &limited{r: body, n: s.opts.MaxFileSize}
	if err := s.opts.Blobs.Write(ctx, f.BlobKey, io.TeeReader(src, io.MultiWriter(h, written))); err != nil {
		s.dropBlob(ctx, f.BlobKey)
		if errors.Is(err, errTooLarge) {
			return nil, steward.Errorf(steward.ETOOLARGE, "A shared file has at most %d MiB.", s.opts.MaxFileSize>>20)
		}
		return nil, fmt.Errorf("upload file: %w", err)
	}
	f.SHA256, f.Size = hex.EncodeToString(h.Sum(nil)), written.n
	if f.Size == 0 {
		s.dropBlob(ctx, f.BlobKey)
		return nil, steward.FieldErrorf("file", "The upload is empty.")
	}
	err = s.commitItem(ctx, func(ctx context.Context) error { return s.store.InsertSharedFile(ctx, f) },
		acc.ID, "file.upload", "file", f.ID, map[string]any{"size": f.Size, "sha256": f.SHA256,
			"content_type": f.ContentType, "targets": f.Targets}, f.Targets)
	if err != nil {
		s.dropBlob(ctx, f.BlobKey)
		return nil, err
	}
	return f, nil
}

// ListFiles lists an account's shared files (default: the actor's), by
// name. ENOTFOUND.
func (s *Service) ListFiles(ctx context.Context, accountID string) ([]*steward.SharedFile, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	fs, err := s.store.ListSharedFiles(ctx, acc.ID)
	if fs == nil && err == nil {
		fs = []*steward.SharedFile{}
	}
	return fs, err
}

// reachFile returns a file whose owner the actor reaches, and the owner.
// ENOTFOUND.
func (s *Service) reachFile(ctx context.Context, id string) (*steward.Actor, *steward.SharedFile, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	f, err := s.store.SharedFileByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, nil, steward.Errorf(steward.ENOTFOUND, "File %q not found.", id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	owner, err := s.store.AccountByID(ctx, f.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.Reaches(owner.Path) {
		return nil, nil, nil, steward.Errorf(steward.ENOTFOUND, "File %q not found.", id)
	}
	return a, f, owner, nil
}

// File returns a shared file the actor reaches. ENOTFOUND.
func (s *Service) File(ctx context.Context, id string) (*steward.SharedFile, error) {
	_, f, _, err := s.reachFile(ctx, id)
	return f, err
}

// UpdateFile changes a file's description and targets; devices that gain
// or lose it are told. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateFile(ctx context.Context, id string, in FileUpdate) (*steward.SharedFile, error) {
	a, f, owner, err := s.reachFile(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	before := f.Targets
	var fields []string
	if in.Description != nil {
		d, err := validNote("description", *in.Description, maxDescriptionRunes)
		if err != nil {
			return nil, err
		}
		if d != f.Description {
			f.Description, fields = d, append(fields, "description")
		}
	}
	if in.Targets != nil {
		if f.Targets, err = s.checkItemTargets(ctx, a, owner, *in.Targets); err != nil {
			return nil, err
		}
		if !equalTargets(before, f.Targets) {
			fields = append(fields, "targets")
		}
	}
	if len(fields) == 0 {
		return f, nil
	}
	f.UpdatedAt = s.now()
	err = s.commitItem(ctx, func(ctx context.Context) error { return s.store.UpdateSharedFile(ctx, f) },
		owner.ID, "file.update", "file", f.ID, map[string]any{"fields": fields, "targets": f.Targets}, slices.Concat(before, f.Targets))
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteFile deletes a shared file at once, its blob included; the devices
// that held it are told to remove it. EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteFile(ctx context.Context, id string) error {
	a, f, owner, err := s.reachFile(ctx, id)
	if err != nil {
		return err
	}
	if err := canWrite(a); err != nil {
		return err
	}
	err = s.commitItem(ctx, func(ctx context.Context) error { return s.store.DeleteSharedFile(ctx, f.ID) },
		owner.ID, "file.delete", "file", f.ID, map[string]any{"size": f.Size, "sha256": f.SHA256, "targets": f.Targets}, f.Targets)
	if err != nil {
		return err
	}
	if s.opts.Blobs != nil {
		s.dropBlob(ctx, f.BlobKey)
	}
	return nil
}

// OpenFile opens a shared file's content for a manager who reaches it.
// The caller closes the blob. ENOTFOUND.
func (s *Service) OpenFile(ctx context.Context, id string) (steward.Blob, *steward.SharedFile, error) {
	_, f, _, err := s.reachFile(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if s.opts.Blobs == nil {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "The content of file %q is not available.", id)
	}
	b, err := s.opts.Blobs.Open(ctx, f.BlobKey)
	if err != nil {
		return nil, nil, err
	}
	return b, f, nil
}

// dropFileBlobs deletes the content of shared files whose rows are gone
// (the account clock); a failure is logged, as for any dropped blob.
func (s *Service) dropFileBlobs(ctx context.Context, accountID string, ids []string) {
	if s.opts.Blobs == nil {
		return
	}
	for _, id := range ids {
		s.dropBlob(ctx, fileBlobKey(accountID, id))
	}
}

package keyring

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// MasterKey is a key that wraps the accounts' data keys. It lives outside
// the database, which keeps only its ID next to each key it wraps.
type MasterKey struct {
	ID  string
	Key []byte // 32 bytes: AES-256
}

// KeyFileName is the master key file generated in the data folder when no
// master key is configured.
const KeyFileName = "master.key"

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// NewMasterKey returns a random master key named id.
func NewMasterKey(id string) (MasterKey, error) {
	if !idPattern.MatchString(id) {
		return MasterKey{}, fmt.Errorf("master key ID %q: use 1 to 64 letters, digits, '.', '_' or '-'", id)
	}
	k := MasterKey{ID: id, Key: make([]byte, keyLen)}
	rand.Read(k.Key)
	return k, nil
}

// ParseMasterKeys reads master keys from text: one key per line (or per
// comma-separated entry) as ID:BASE64, where BASE64 is the standard
// encoding of 32 random bytes. Blank lines and lines starting with '#' are
// ignored. The first key is the current one: it wraps new data keys and,
// in a rotation, every old one; the others only unwrap. Errors name the
// entry, never a key.
func ParseMasterKeys(text string) ([]MasterKey, error) {
	var keys []MasterKey
	seen := map[string]bool{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, entry := range strings.Split(line, ",") {
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			where := fmt.Sprintf("line %d", i+1)
			id, b64, ok := strings.Cut(entry, ":")
			id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
			if !ok || !idPattern.MatchString(id) {
				return nil, fmt.Errorf("master keys, %s: want ID:BASE64, with an ID of 1 to 64 letters, digits, '.', '_' or '-'", where)
			}
			key, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				return nil, fmt.Errorf("master key %q (%s): not standard base64", id, where)
			}
			if len(key) != keyLen {
				return nil, fmt.Errorf("master key %q (%s): %d bytes, want %d", id, where, len(key), keyLen)
			}
			if seen[id] {
				return nil, fmt.Errorf("master key %q (%s): the ID appears twice", id, where)
			}
			seen[id] = true
			keys = append(keys, MasterKey{ID: id, Key: key})
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("master keys: none given")
	}
	return keys, nil
}

// FormatMasterKeys writes keys in the format ParseMasterKeys reads.
func FormatMasterKeys(keys []MasterKey) string {
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s:%s\n", k.ID, base64.StdEncoding.EncodeToString(k.Key))
	}
	return b.String()
}

// Source says where the master keys come from: File, else Text, else the
// file KeyFileName in DataDir, generated with mode 0600 when missing.
type Source struct {
	File    string // --master-key-file
	Text    string // STEWARD_MASTER_KEY: the keys themselves
	DataDir string
}

const generatedHeader = `# Steward master keys, one per line as ID:BASE64; the first is the current one.
# They unlock every secret in the database: keep a copy of this file, but
# never in the same backup as the database.
`

// LoadMasterKeys returns the master keys of src, generating the data
// folder's key file when no key is configured.
func LoadMasterKeys(src Source, logger *slog.Logger) ([]MasterKey, error) {
	switch {
	case src.File != "" && src.Text != "":
		return nil, errors.New("give the master keys in a file (--master-key-file) or in STEWARD_MASTER_KEY, not both")
	case src.Text != "":
		return ParseMasterKeys(src.Text)
	case src.File != "":
		return readKeyFile(src.File, logger)
	case src.DataDir == "":
		return nil, errors.New("no master key: give --master-key-file, STEWARD_MASTER_KEY or a data folder to keep a generated one in")
	}
	path := filepath.Join(src.DataDir, KeyFileName)
	keys, err := readKeyFile(path, logger)
	if !errors.Is(err, fs.ErrNotExist) {
		return keys, err
	}
	if err := os.MkdirAll(src.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	id := make([]byte, 4)
	rand.Read(id)
	k, err := NewMasterKey("local-" + hex.EncodeToString(id))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) { // another process made it first
		return readKeyFile(path, logger)
	} else if err != nil {
		return nil, fmt.Errorf("create master key file: %w", err)
	}
	_, err = f.WriteString(generatedHeader + FormatMasterKeys([]MasterKey{k}))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("write master key file: %w", err)
	}
	logger.Warn("generated a master key for the secrets kept in the database; back it up, but never next to the database's backups",
		"file", path, "master_key", k.ID)
	return []MasterKey{k}, nil
}

func readKeyFile(path string, logger *slog.Logger) ([]MasterKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		logger.Warn("the master key file is readable by other users: chmod 600 it", "file", path, "mode", fi.Mode().Perm().String())
	}
	keys, err := ParseMasterKeys(string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

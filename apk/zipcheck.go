package apk

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/stewardmdm/steward"
)

var (
	localHeaderMagic = []byte("PK\x03\x04")
	endOfDirMagic    = []byte("PK\x05\x06")
)

// checkZip reads the zip's central directory strictly (archive/zip, as
// Android's own zip reader does) and checks its entries against the
// limits before any parser decompresses anything. The declared sizes it
// checks are also enforced while reading: archive/zip fails an entry that
// inflates past its declared size. An error is a read failure of f.
func (in *Inspector) checkZip(f *os.File, size int64) ([]steward.APKFinding, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return classifyZipError(f, size, err)
	}
	var findings []steward.APKFinding
	if n := len(zr.File); n > in.opts.MaxEntries {
		// Nothing more is read: a million entries is an attack on the checker too.
		return append(findings, reject(CodeTooManyEntries, "the APK has %d entries, over the limit of %d", n, in.opts.MaxEntries)), nil
	}

	var total uint64
	var bombs, badNames, dups []string
	seen := make(map[string]bool, len(zr.File))
	for _, e := range zr.File {
		total += e.UncompressedSize64
		if total < e.UncompressedSize64 { // overflow
			total = ^uint64(0)
		}
		if e.UncompressedSize64 > RatioMinSize {
			if e.CompressedSize64 == 0 || e.UncompressedSize64/e.CompressedSize64 > in.opts.MaxRatio {
				bombs = append(bombs, fmt.Sprintf("%q (%d bytes from %d)", e.Name, e.UncompressedSize64, e.CompressedSize64))
			}
		}
		if why := badName(e.Name); why != "" {
			badNames = append(badNames, fmt.Sprintf("%q (%s)", e.Name, why))
		}
		// Android's parsers look entries up by their cleaned name, so two
		// names that clean to the same one are duplicates too.
		key := path.Clean(e.Name)
		if seen[key] {
			dups = append(dups, fmt.Sprintf("%q", e.Name))
		}
		seen[key] = true
	}
	if total > in.opts.MaxUncompressed {
		findings = append(findings, reject(CodeZipBomb, "the entries unpack to %d bytes, over the limit of %d", total, in.opts.MaxUncompressed))
	}
	if len(bombs) > 0 {
		findings = append(findings, reject(CodeZipBomb, "entries compressed more than %d:1: %s", in.opts.MaxRatio, list(bombs)))
	}
	if len(badNames) > 0 {
		findings = append(findings, reject(CodeBadPath, "entry names that could escape a folder when unpacked: %s", list(badNames)))
	}
	if len(dups) > 0 {
		findings = append(findings, reject(CodeDuplicateEntry, "duplicate entry names (which copy wins differs between readers, a way to hide content from checks): %s", list(dups)))
	}
	return findings, nil
}

// classifyZipError turns archive/zip's refusal into a finding: not a zip
// at all, a zip cut short (no end-of-central-directory record), or a
// damaged one.
func classifyZipError(f *os.File, size int64, zerr error) ([]steward.APKFinding, error) {
	head := make([]byte, 4)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if n < 4 || !bytes.Equal(head, localHeaderMagic) {
		return []steward.APKFinding{reject(CodeNotZip, "the file is not an APK: it is not a zip archive")}, nil
	}
	// The end-of-central-directory record sits in the last 22 bytes plus
	// at most a 64 KiB comment.
	tailLen := min(size, 22+0xFFFF)
	tail := make([]byte, tailLen)
	if _, err := f.ReadAt(tail, size-tailLen); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if !bytes.Contains(tail, endOfDirMagic) {
		return []steward.APKFinding{reject(CodeTruncated, "the zip archive is cut short: its central directory is missing (an interrupted upload?)")}, nil
	}
	return []steward.APKFinding{reject(CodeCorruptZip, "the zip archive is damaged: %v", zerr)}, nil
}

// badName says why an entry name is unsafe to unpack, or "".
func badName(name string) string {
	switch {
	case name == "":
		return "empty"
	case strings.ContainsRune(name, 0):
		return "NUL byte"
	case strings.Contains(name, `\`):
		return "backslash"
	case strings.HasPrefix(name, "/"):
		return "absolute"
	case len(name) >= 2 && name[1] == ':':
		return "drive letter"
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "parent folder"
		}
	}
	return ""
}

// list joins up to ten items, sorted, and says how many more there are.
func list(items []string) string {
	sort.Strings(items)
	const most = 10
	if len(items) <= most {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:most], ", "), len(items)-most)
}

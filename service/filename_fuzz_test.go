package service_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// FuzzCleanFileName: whatever a manager sends as a file's name, the name
// kept is one a device can write in its folder and nowhere else: no
// folders, no control characters, none of <>:"|?*, no leading dot, valid
// UTF-8, at most 255 bytes; or the name is refused, naming the field.
func FuzzCleanFileName(f *testing.F) {
	for _, s := range []string{"handbook.pdf", "../../etc/passwd", `C:\Users\ann\plan.pdf`, ".hidden", "con.txt", " . ", "a\x00b",
		"naïve résumé.docx", strings.Repeat("é", 200), "\xff\xfe", "dir/", "tab\tname", "emoji 📄.txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := service.CleanFileName(in)
		if err != nil {
			if steward.ErrorCode(err) != steward.EINVALID || steward.ErrorField(err) != "name" {
				t.Fatalf("CleanFileName(%q): %v, want an EINVALID naming name", in, err)
			}
			return
		}
		switch {
		case got == "" || got == "." || got == "..":
			t.Fatalf("CleanFileName(%q) = %q", in, got)
		case len(got) > 255 || !utf8.ValidString(got):
			t.Fatalf("CleanFileName(%q) = %q: too long or not UTF-8", in, got)
		case strings.ContainsAny(got, "/\\<>:\"|?*") || strings.HasPrefix(got, ".") || strings.HasSuffix(got, " "):
			t.Fatalf("CleanFileName(%q) = %q: a character a file system refuses", in, got)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("CleanFileName(%q) = %q: a control character", in, got)
			}
		}
		if again, err := service.CleanFileName(got); err != nil || again != got {
			t.Fatalf("CleanFileName is not stable on %q: %q, %v", got, again, err)
		}
	})
}

package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
)

type sample struct {
	Name   string   `json:"name"`
	Amount int64    `json:"amount"`
	Tags   []string `json:"tags"`
	Nested *struct {
		On bool `json:"on"`
	} `json:"nested"`
}

func decodeString(body, contentType string, max int64) (*sample, error) {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	var v sample
	err := DecodeJSON(httptest.NewRecorder(), r, max, &v)
	return &v, err
}

func TestDecodeJSON(t *testing.T) {
	for _, tc := range []struct {
		name, body, ct string
		max            int64
		code, field    string
	}{
		{"ok", `{"name":"a","amount":3}`, "application/json", 1024, "", ""},
		{"ok with charset", `{"name":"a"}`, "application/json; charset=utf-8", 1024, "", ""},
		{"no content type", `{"name":"a"}`, "", 1024, "", ""},
		{"form content type", `name=a`, "application/x-www-form-urlencoded", 1024, steward.EINVALID, ""},
		{"empty", ``, "application/json", 1024, steward.EINVALID, ""},
		{"malformed", `{"name":`, "application/json", 1024, steward.EINVALID, ""},
		{"syntax", `{"name" "a"}`, "application/json", 1024, steward.EINVALID, ""},
		{"unknown field", `{"nmae":"a"}`, "application/json", 1024, steward.EINVALID, "nmae"},
		{"wrong type", `{"amount":"ten"}`, "application/json", 1024, steward.EINVALID, "amount"},
		{"wrong nested type", `{"nested":{"on":"yes"}}`, "application/json", 1024, steward.EINVALID, "nested.on"},
		{"trailing object", `{"name":"a"}{"name":"b"}`, "application/json", 1024, steward.EINVALID, ""},
		{"trailing garbage", `{"name":"a"} x`, "application/json", 1024, steward.EINVALID, ""},
		{"too large", `{"name":"` + strings.Repeat("a", 2000) + `"}`, "application/json", 1024, steward.ETOOLARGE, ""},
		{"too large after object", `{"name":"a"}` + strings.Repeat(" ", 2000), "application/json", 1024, steward.ETOOLARGE, ""},
		{"array", `[1,2]`, "application/json", 1024, steward.EINVALID, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeString(tc.body, tc.ct, tc.max)
			if got := steward.ErrorCode(err); got != tc.code {
				t.Fatalf("code %q, want %q (%v)", got, tc.code, err)
			}
			if got := steward.ErrorField(err); got != tc.field {
				t.Errorf("field %q, want %q", got, tc.field)
			}
			if err != nil && Status(steward.ErrorCode(err)) == http.StatusInternalServerError {
				t.Errorf("a bad body must never be an internal error: %v", err)
			}
		})
	}
}

// FuzzDecodeJSON feeds arbitrary bodies to the decoder: it must never
// panic and never answer with anything but success, invalid or too_large.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"a","amount":1,"tags":["x"],"nested":{"on":true}}`, `{`, `[]`, `null`, `{"amount":1e400}`,
		`{"tags":[1]}`, "{\"name\":\"\xff\"}", `{"a":1}`, `{}{}`, `"str"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		_, err := decodeString(body, "application/json", 4096)
		switch steward.ErrorCode(err) {
		case "", steward.EINVALID, steward.ETOOLARGE:
		default:
			t.Fatalf("unexpected error for %q: %v", body, err)
		}
	})
}

package service

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// FuzzParseUsersCSV feeds the users file parser arbitrary bytes: it must
// never panic, must answer a table or a coded problem, must keep to its
// row limit and number its rows in order, and whatever it reads must come
// back unchanged when written the way the export writes it (the formula
// guard included).
func FuzzParseUsersCSV(f *testing.F) {
	for _, s := range []string{
		"email,name,team\r\nann@example.com,Ann,Sales\r\n",
		"\xef\xbb\xbfEmail;Name\r\nzoe@example.com;Zoë\r\n",
		"email,name\n\"a@example.com\",\"Doe, Jane\"\n\n,,\nb@example.com,'=1+2\n",
		"email,note\n\"x@example.com\",\"two\nlines\"\n",
		"email\n\"unterminated\n",
		"email,name\na@example.com\n",
		"email,name\n'@x,'-1\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxRows = 20
		tab, err := parseUsersCSV(data, maxRows)
		var pe *csvParseError
		switch {
		case errors.Is(err, errTooManyRows):
			return
		case errors.As(err, &pe):
			if pe.row < 1 || pe.msg == "" {
				t.Fatalf("problem without a row or a message: %+v", pe)
			}
			return
		case err != nil:
			t.Fatalf("uncoded error: %v", err)
		}
		if tab.header == nil || len(tab.rows) > maxRows || len(tab.rows) != len(tab.nums) {
			t.Fatalf("table: header %q, %d rows, %d numbers", tab.header, len(tab.rows), len(tab.nums))
		}
		for i, n := range tab.nums {
			if n < 2 || (i > 0 && n <= tab.nums[i-1]) {
				t.Fatalf("row numbers %v", tab.nums)
			}
		}
		var out bytes.Buffer
		if err := writeUsersCSV(&out, append([][]string{tab.header}, tab.rows...)); err != nil {
			t.Fatal(err)
		}
		first, _, _ := bytes.Cut(out.Bytes(), []byte("\n"))
		if len(tab.header) < 2 || !bytes.Contains(first, []byte(",")) {
			return // a one-column header reads as semicolon-separated when it holds one
		}
		again, err := parseUsersCSV(out.Bytes(), maxRows)
		if err != nil {
			t.Fatalf("the written table does not parse: %v\n%q", err, out.String())
		}
		if !slices.Equal(again.header, tab.header) || !slices.EqualFunc(again.rows, tab.rows, slices.Equal) {
			t.Fatalf("round trip changed the table:\n%q\n%q\nwritten %q", tab.rows, again.rows, out.String())
		}
	})
}

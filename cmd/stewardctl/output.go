package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"
)

// printJSON writes v as indented JSON: the shape the server sends.
func (a *app) printJSON(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// listJSON is the envelope of every listing, as the API sends it.
type listJSON[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// printList prints a page of items as JSON, with the cursor of the next
// page when the page is full.
func printList[T any](a *app, items []T, limit int, id func(T) string) error {
	if items == nil {
		items = []T{}
	}
	return a.printJSON(listJSON[T]{Items: items, Next: nextCursor(items, limit, id)})
}

// nextCursor is the ID to continue after when a page came back full.
func nextCursor[T any](items []T, limit int, id func(T) string) string {
	if limit > 0 && len(items) == limit {
		return id(items[len(items)-1])
	}
	return ""
}

// table writes aligned columns.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, headers ...string) *table {
	t := &table{tw: tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)}
	fmt.Fprintln(t.tw, strings.Join(headers, "\t"))
	return t
}

// row writes one row; empty cells show as "-" so columns stay readable.
func (t *table) row(cells ...string) {
	for i, c := range cells {
		cells[i] = clean(c)
		if cells[i] == "" {
			cells[i] = "-"
		}
	}
	fmt.Fprintln(t.tw, strings.Join(cells, "\t"))
}

func (t *table) flush() error { return t.tw.Flush() }

// clean makes text from the server safe to print on a terminal: control
// characters (escape sequences, tabs that would break the columns) become
// spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ' '
		}
		return r
	}, s)
}

// when formats a time for a table, in local time.
func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04")
}

func whenPtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return when(*t)
}

// keyValues prints a record as aligned "key: value" lines.
func keyValues(w io.Writer, kv ...string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		v := clean(kv[i+1])
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s:\t%s\n", kv[i], v)
	}
	return tw.Flush()
}

// moreHint tells how to get the next page.
func (a *app) moreHint(flag, cursor string) {
	if cursor != "" && !a.json {
		fmt.Fprintf(a.stderr, "More entries: repeat with %s %s\n", flag, cursor)
	}
}

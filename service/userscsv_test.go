package service_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// csvFile joins lines into a users file.
func csvFile(lines ...string) io.Reader {
	return strings.NewReader(strings.Join(lines, "\r\n") + "\r\n")
}

// auditCountOf counts an account's audit entries.
func (e *env) auditLen(t *testing.T, acc *steward.Account) int {
	t.Helper()
	return e.auditCount(t, acc)
}

func (e *env) export(t *testing.T, m *member, acc *steward.Account) string {
	t.Helper()
	var b bytes.Buffer
	must(t, e.svc.ExportUsers(m.ctx, acc.ID, &b))
	return b.String()
}

// TestImportUsersAllOrNothing: a file with one bad row writes nothing and
// reports every problem with its row and column; partial writes the good
// rows only.
func TestImportUsersAllOrNothing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		phone := e.device(t, w.C1, "phone")
		_, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "old@example.com", Name: "Old Name",
			CustomFields: map[string]string{"team": "Sales", "cost_centre": "1"}})
		must(t, err)
		file := func() io.Reader {
			return csvFile(
				"email,name,team,cost_centre,start,devices",
				"ann@example.com,Ann,Sales,4100,2026-01-31,"+strings.ToLower(phone.SupportID),
				"bad-email,Bea,Sales,,,",
				"cid@example.com,Cid,Sales,forty,,",
				",,,,,", // blank rows are skipped
				"old@example.com,New Name,Support,,,",
				"ann@example.com,Ann again,Sales,,,"+phone.SupportID,
				"dan@example.com,Dan,,,,NOSUCHID",
			)
		}
		before := e.auditLen(t, w.C1)
		rep, err := e.svc.ImportUsers(w.c1.ctx, w.C1.ID, file(), false)
		var rejected *service.UserImportRejected
		if !errors.As(err, &rejected) || steward.ErrorCode(err) != steward.EINVALID || rejected.Report != rep {
			t.Fatalf("import with bad rows: %v, want a rejection carrying the report", err)
		}
		diff(t, "report", rep, &service.UserImportReport{Rows: 6, Skipped: 6, Errors: []service.UserImportError{
			{Row: 3, Field: "email", Message: `"bad-email" is not an email address.`},
			{Row: 4, Field: "cost_centre", Message: "Not a number."},
			{Row: 7, Field: "email", Message: "ann@example.com is also on row 2."},
			{Row: 7, Field: "devices", Message: fmt.Sprintf("Device %s is also on row 2.", phone.SupportID)},
			{Row: 8, Field: "team", Message: "Required."},
			{Row: 8, Field: "devices", Message: `No device "NOSUCHID" in this account.`},
		}, ErrorCount: 6})
		list, err := e.svc.Users(w.c1.ctx, w.C1.ID, steward.UserFilter{})
		must(t, err)
		diff(t, "users after the rejected import", emails(list), []string{"old@example.com"})
		diff(t, "old user untouched", list[0].Name, "Old Name")
		if n := e.auditLen(t, w.C1); n != before {
			t.Errorf("%d audit entries written by a rejected import", n-before)
		}

		rep, err = e.svc.ImportUsers(w.c1.ctx, w.C1.ID, file(), true)
		must(t, err)
		if !rep.Written || rep.Created != 1 || rep.Updated != 1 || rep.Skipped != 4 || rep.ErrorCount != 6 {
			t.Errorf("partial import: %+v, want Ann created, old updated, 4 skipped", rep)
		}
		list, err = e.svc.Users(w.c1.ctx, w.C1.ID, steward.UserFilter{})
		must(t, err)
		diff(t, "users after the partial import", emails(list), []string{"ann@example.com", "old@example.com"})
		diff(t, "ann", []any{list[0].Name, list[0].CustomFields, list[0].DeviceIDs},
			[]any{"Ann", map[string]string{"team": "Sales", "cost_centre": "4100", "start": "2026-01-31"}, []string{phone.ID}})
		// Columns in the file replace; an empty cell clears.
		diff(t, "old", []any{list[1].Name, list[1].CustomFields}, []any{"New Name", map[string]string{"team": "Support"}})
		if n := e.auditLen(t, w.C1); n != before+3 {
			t.Errorf("%d audit entries for the partial import, want 3 (create, update, import)", n-before)
		}
	})
}

// TestImportUsersFileProblems: the header, the format and the limits.
func TestImportUsersFileProblems(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		for _, tc := range []struct {
			name string
			file string
			want []service.UserImportError
		}{
			{"unknown column", "email,team,shoe_size\r\na@example.com,Sales,44\r\n",
				[]service.UserImportError{{Row: 1, Field: "shoe_size", Message: "Unknown column: the account has no custom field shoe_size."}}},
			{"no email column", "name,team\r\nAnn,Sales\r\n",
				[]service.UserImportError{{Row: 1, Field: "email", Message: "The file needs an email column."}}},
			{"twice", "email,team,Email\r\n", []service.UserImportError{{Row: 1, Field: "email", Message: "The column email appears twice."}}},
			{"empty", "", []service.UserImportError{{Row: 1, Message: "The file is empty: it needs a header row naming its columns."}}},
			{"bad quotes", "email,team\r\n\"a@example.com,Sales\r\n",
				[]service.UserImportError{{Row: 2, Message: `The file is not valid CSV: extraneous or missing " in quoted-field.`}}},
			{"short row", "email,team\r\na@example.com\r\n", []service.UserImportError{{Row: 2, Message: "The row has 1 cells; the header has 2."}}},
		} {
			for _, partial := range []bool{false, true} {
				rep, err := e.svc.ImportUsers(w.c1.ctx, w.C1.ID, strings.NewReader(tc.file), partial)
				var rejected *service.UserImportRejected
				if tc.name == "short row" && partial {
					must(t, err) // a bad row, skipped
				} else if !errors.As(err, &rejected) {
					t.Errorf("%s (partial %v): %v, want a rejection", tc.name, partial, err)
					continue
				}
				diff(t, tc.name, rep.Errors, tc.want)
			}
		}
		_, err := e.svc.ImportUsers(w.c1.ctx, w.C1.ID, strings.NewReader(strings.Repeat("x", service.MaxUserImportBytes+1)), false)
		wantCode(t, err, steward.ETOOLARGE)
		var big strings.Builder
		big.WriteString("email,team\n")
		for i := range service.MaxUserImportRows + 1 {
			fmt.Fprintf(&big, "u%d@example.com,Sales\n", i)
		}
		_, err = e.svc.ImportUsers(w.c1.ctx, w.C1.ID, strings.NewReader(big.String()), true)
		wantCode(t, err, steward.ETOOLARGE)
		list, err := e.svc.Users(w.c1.ctx, w.C1.ID, steward.UserFilter{})
		must(t, err)
		diff(t, "users after the refused files", emails(list), []string{})

		// A spreadsheet's file: a byte order mark, semicolons, capitals.
		rep, err := e.svc.ImportUsers(w.c1.ctx, w.C1.ID, strings.NewReader("\xef\xbb\xbfEmail;Name;TEAM\r\nzoe@example.com;Zoë Ünal;support\r\n"), false)
		must(t, err)
		if rep.Created != 1 {
			t.Errorf("semicolon file: %+v", rep)
		}
		u, err := e.svc.UserByEmail(w.c1.ctx, w.C1.ID, "ZOE@example.com")
		must(t, err)
		diff(t, "from the semicolon file", []string{u.Name, u.CustomFields["team"]}, []string{"Zoë Ünal", "Support"})

		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.svc.ImportUsers(reader.ctx, w.C1.ID, csvFile("email,team", "x@example.com,Sales"), false)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.ImportUsers(w.r2.ctx, w.C1.ID, csvFile("email,team", "x@example.com,Sales"), false)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestExportUsers: the header names the custom fields; cells a spreadsheet
// would run are guarded; the export imports back unchanged.
func TestExportUsers(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		phone, tablet := e.device(t, w.C1, "phone"), e.device(t, w.C1, "tablet")
		_, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "ann@example.com", Name: `=HYPERLINK("http://evil.example","x")`,
			DirectoryName: "@ann", CustomFields: map[string]string{"team": "Sales", "cost_centre": "-12"}, DeviceIDs: []string{tablet.ID, phone.ID}})
		must(t, err)
		_, err = e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "bob@example.com", Name: "Bob, Jr.",
			CustomFields: map[string]string{"team": "Support", "start": "2025-12-01"}})
		must(t, err)
		first, second := phone.SupportID, tablet.SupportID
		if second < first {
			first, second = second, first
		}
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		got := e.export(t, reader, w.C1)
		want := "email,name,directory_name,cost_centre,start,team,devices\n" +
			`ann@example.com,"'=HYPERLINK(""http://evil.example"",""x"")",'@ann,'-12,,Sales,` + first + " " + second + "\n" +
			`bob@example.com,"Bob, Jr.",,,2025-12-01,Support,` + "\n"
		diff(t, "export", got, want)
		if last := e.lastAudit(t); last.Action != "user.export" || last.ActorID != reader.ID {
			t.Errorf("last audit entry %+v, want user.export by the reader", last)
		}

		rep, err := e.svc.ImportUsers(w.c1.ctx, w.C1.ID, strings.NewReader(got), false)
		must(t, err)
		if rep.Unchanged != 2 || rep.Created+rep.Updated != 0 {
			t.Errorf("re-import of the export: %+v, want 2 unchanged", rep)
		}
		diff(t, "export after the round trip", e.export(t, w.c1, w.C1), want)

		var buf bytes.Buffer
		wantCode(t, e.svc.ExportUsers(w.r2.ctx, w.C1.ID, &buf), steward.ENOTFOUND)
		if buf.Len() > 0 {
			t.Errorf("a refused export wrote %q", buf.String())
		}
	})
}

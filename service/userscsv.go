package service

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// The users CSV file: one header row, then one row per user. Columns:
// email (required), name, directory_name, one per custom field key, and
// devices (support IDs separated by spaces). Row 1 is the header, so a
// report's row numbers are a spreadsheet's.

// Limits of an import.
const (
	MaxUserImportBytes = 5 << 20 // 5 MiB
	MaxUserImportRows  = 10000   // data rows
	maxReportErrors    = 1000    // errors listed in a report
)

// Fixed columns of the users file.
const (
	colEmail         = "email"
	colName          = "name"
	colDirectoryName = "directory_name"
	colDevices       = "devices"
)

// usersTable is a parsed users file: its header and data rows (cells
// trimmed of the export's formula guard), with each row's number in the
// file (the header is row 1).
type usersTable struct {
	header []string
	rows   [][]string
	nums   []int
}

// csvParseError is a file that cannot be read as CSV, at a row.
type csvParseError struct {
	row int
	msg string
}

func (e *csvParseError) Error() string { return fmt.Sprintf("row %d: %s", e.row, e.msg) }

var errTooManyRows = errors.New("too many rows")

// parseUsersCSV reads a users file of at most maxRows data rows. It
// accepts a UTF-8 byte order mark, and a semicolon separator when the
// header holds semicolons and no comma (as some spreadsheets write).
// Rows whose cells are all empty are skipped. It returns a *csvParseError
// for a malformed file and errTooManyRows beyond maxRows.
func parseUsersCSV(data []byte, maxRows int) (*usersTable, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	first, _, _ := bytes.Cut(data, []byte("\n"))
	r := csv.NewReader(bytes.NewReader(data))
	if !bytes.Contains(first, []byte(",")) && bytes.Contains(first, []byte(";")) {
		r.Comma = ';'
	}
	r.FieldsPerRecord = -1
	t := &usersTable{}
	for n := 1; ; n++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, &csvParseError{row: n, msg: "The file is not valid CSV: " + pe.Err.Error() + "."}
		} else if err != nil {
			return nil, &csvParseError{row: n, msg: "The file cannot be read: " + err.Error() + "."}
		}
		for i, c := range rec {
			rec[i] = unguardCell(strings.TrimSpace(c))
		}
		if t.header == nil {
			t.header = rec
			continue
		}
		if !slices.ContainsFunc(rec, func(c string) bool { return c != "" }) {
			continue
		}
		if len(t.rows) == maxRows {
			return nil, errTooManyRows
		}
		t.rows, t.nums = append(t.rows, rec), append(t.nums, n)
	}
	if t.header == nil {
		return nil, &csvParseError{row: 1, msg: "The file is empty: it needs a header row naming its columns."}
	}
	return t, nil
}

// formulaStart reports whether a cell would start a formula in a
// spreadsheet (= + - @, or a tab or carriage return before one).
func formulaStart(c string) bool {
	return c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0]))
}

// guardCell prefixes a cell that a spreadsheet would run as a formula with
// a quote, which makes it text.
func guardCell(c string) string {
	if formulaStart(c) {
		return "'" + c
	}
	return c
}

// unguardCell undoes guardCell, so an exported file imports unchanged.
func unguardCell(c string) string {
	if strings.HasPrefix(c, "'") && formulaStart(c[1:]) {
		return c[1:]
	}
	return c
}

// writeUsersCSV writes rows as CSV, guarding every cell.
func writeUsersCSV(w io.Writer, rows [][]string) error {
	cw := csv.NewWriter(w) // lines end in \n: a \r inside a cell survives
	for _, row := range rows {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = guardCell(c)
		}
		if err := cw.Write(out); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// UserImportError is one problem of an import: its row (1 is the header),
// the column (a custom field's key), and what is wrong.
type UserImportError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// UserImportReport says what an import did. Written is false when nothing
// was written: a file with any bad row writes nothing unless the import is
// partial, which writes the good rows and skips the bad ones.
type UserImportReport struct {
	Rows      int  `json:"rows"` // data rows read
	Created   int  `json:"created"`
	Updated   int  `json:"updated"`
	Unchanged int  `json:"unchanged"`
	Skipped   int  `json:"skipped"` // rows not written
	Partial   bool `json:"partial"`
	Written   bool `json:"written"`
	// Errors lists the problems, at most 1,000; ErrorCount counts them all.
	Errors     []UserImportError `json:"errors"`
	ErrorCount int               `json:"error_count"`
}

func (r *UserImportReport) add(row int, field, msg string) {
	r.ErrorCount++
	if len(r.Errors) < maxReportErrors {
		r.Errors = append(r.Errors, UserImportError{Row: row, Field: field, Message: msg})
	}
}

// UserImportRejected is the error of an import that wrote nothing because
// of bad rows; it carries the report.
type UserImportRejected struct {
	Err    *steward.Error
	Report *UserImportReport
}

// Error implements the error interface.
func (e *UserImportRejected) Error() string { return e.Err.Error() }

// Unwrap returns the coded error.
func (e *UserImportRejected) Unwrap() error { return e.Err }

// ImportUsers creates or updates (by email) a client account's users from
// a CSV file (see the package comment of the users file above). Every row
// is checked first. With any bad row, nothing is written and the error is
// a *UserImportRejected (EINVALID) carrying the report; with partial, the
// good rows are written and the report lists the bad ones. A column left
// out of the file leaves that part of existing users alone; an empty cell
// clears it. The devices column makes the listed devices the user's,
// taking them from any user that had them. Every user created or changed
// is audited (user.create, user.update, with field names and no values),
// and the import as user.import. EINVALID, ETOOLARGE (over 5 MiB or
// 10,000 rows), EFORBIDDEN, ENOTFOUND, ECONFLICT (deleted account).
func (s *Service) ImportUsers(ctx context.Context, accountID string, file io.Reader, partial bool) (*UserImportReport, error) {
	_, acc, err := s.directory(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(&limited{r: file, n: MaxUserImportBytes})
	if errors.Is(err, errTooLarge) {
		return nil, steward.Errorf(steward.ETOOLARGE, "A users file has at most %d MiB.", MaxUserImportBytes>>20)
	} else if err != nil {
		return nil, fmt.Errorf("read users file: %w", err)
	}
	rep := &UserImportReport{Partial: partial, Errors: []UserImportError{}}
	reject := func() (*UserImportReport, error) {
		rep.Skipped = rep.Rows
		msg := fmt.Sprintf("%d problems in the file; nothing was imported.", rep.ErrorCount)
		if rep.ErrorCount == 1 {
			msg = "1 problem in the file; nothing was imported."
		}
		return rep, &UserImportRejected{Err: steward.FieldErrorf("file", "%s", msg), Report: rep}
	}
	t, err := parseUsersCSV(data, MaxUserImportRows)
	var pe *csvParseError
	switch {
	case errors.Is(err, errTooManyRows):
		return nil, steward.Errorf(steward.ETOOLARGE, "A users file has at most %d rows of users; split it.", MaxUserImportRows)
	case errors.As(err, &pe):
		rep.add(pe.row, "", pe.msg)
		return reject()
	case err != nil:
		return nil, err
	}
	rep.Rows = len(t.rows)
	now := s.now()
	var plans []*userPlan
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		defs, err := s.store.UserFields(ctx, acc.ID)
		if err != nil {
			return err
		}
		cols, ok := importColumns(t.header, defs, rep)
		if !ok {
			return nil
		}
		existing := map[string]*steward.DirectoryUser{}
		if err := s.eachUser(ctx, acc.ID, func(u *steward.DirectoryUser) error { existing[u.Email] = u; return nil }); err != nil {
			return err
		}
		refs, err := s.store.AccountDevices(ctx, acc.ID)
		if err != nil {
			return err
		}
		plans = planImport(t, cols, defs, existing, refs, rep)
		if rep.ErrorCount > 0 && !partial {
			return nil
		}
		for _, p := range plans {
			if err := s.applyImport(ctx, acc, p, now, rep); err != nil {
				return err
			}
		}
		rep.Skipped = rep.Rows - len(plans)
		rep.Written = true
		return s.record(ctx, acc.ID, "user.import", "account", acc.ID, map[string]any{"rows": rep.Rows, "created": rep.Created,
			"updated": rep.Updated, "unchanged": rep.Unchanged, "skipped": rep.Skipped, "partial": partial})
	})
	if err != nil {
		return nil, err
	}
	if !rep.Written {
		return reject()
	}
	return rep, nil
}

// importCols says which column holds what: -1 for a column not in the file.
type importCols struct {
	email, name, directoryName, devices int
	custom                              map[string]int
}

// importColumns reads the header. Unknown, empty or repeated columns are
// errors of row 1.
func importColumns(header []string, defs []steward.CustomFieldDef, rep *UserImportReport) (importCols, bool) {
	c := importCols{email: -1, name: -1, directoryName: -1, devices: -1, custom: map[string]int{}}
	known := map[string]bool{}
	for _, d := range defs {
		known[d.Key] = true
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.ToLower(h)
		switch {
		case h == "":
			rep.add(1, "", fmt.Sprintf("Column %d has no name.", i+1))
			continue
		case seen[h]:
			rep.add(1, h, "The column "+h+" appears twice.")
			continue
		}
		seen[h] = true
		switch h {
		case colEmail:
			c.email = i
		case colName:
			c.name = i
		case colDirectoryName:
			c.directoryName = i
		case colDevices:
			c.devices = i
		default:
			if !known[h] {
				rep.add(1, h, "Unknown column: the account has no custom field "+h+".")
				continue
			}
			c.custom[h] = i
		}
	}
	if c.email < 0 {
		rep.add(1, colEmail, "The file needs an email column.")
	}
	return c, rep.ErrorCount == 0
}

// userPlan is what one good row does.
type userPlan struct {
	row     int
	user    *steward.DirectoryUser
	before  *steward.DirectoryUser // nil for a new user
	devices []string               // nil: the row leaves devices alone
}

// planImport checks every row and returns the plans of the good ones,
// adding each bad row's problems to the report.
func planImport(t *usersTable, c importCols, defs []steward.CustomFieldDef, existing map[string]*steward.DirectoryUser,
	refs []steward.DeviceRef, rep *UserImportReport) []*userPlan {
	emailRow := map[string]int{}
	deviceRow := map[string]int{}
	var plans []*userPlan
	for i, rec := range t.rows {
		n := t.nums[i]
		bad := false
		fail := func(field, msg string) { rep.add(n, field, msg); bad = true }
		if len(rec) != len(t.header) {
			fail("", fmt.Sprintf("The row has %d cells; the header has %d.", len(rec), len(t.header)))
			continue
		}
		u := &steward.DirectoryUser{Email: rec[c.email], CustomFields: map[string]string{}}
		before := existing[strings.ToLower(rec[c.email])]
		if before != nil {
			cp := *before
			cp.CustomFields = maps.Clone(before.CustomFields)
			u = &cp
		}
		if c.name >= 0 {
			u.Name = rec[c.name]
		}
		if c.directoryName >= 0 {
			u.DirectoryName = rec[c.directoryName]
		}
		for k, col := range c.custom {
			u.CustomFields[k] = rec[col]
		}
		for _, e := range userProblems(u, defs) {
			fail(strings.TrimPrefix(e.Field, "custom_fields."), e.Message) // the file's column
		}
		if prev, ok := emailRow[u.Email]; ok && u.Email != "" {
			fail(colEmail, fmt.Sprintf("%s is also on row %d.", u.Email, prev))
		} else if u.Email != "" {
			emailRow[u.Email] = n
		}
		var devices []string
		if c.devices >= 0 {
			ids, err := resolveDevices(colDevices, refs, strings.Fields(rec[c.devices]))
			if err != nil {
				fail(colDevices, steward.ErrorMessage(err))
			}
			for _, id := range ids {
				if prev, ok := deviceRow[id]; ok {
					fail(colDevices, fmt.Sprintf("Device %s is also on row %d.", supportID(refs, id), prev))
				} else {
					deviceRow[id] = n
				}
			}
			devices = ids
			if devices == nil {
				devices = []string{}
			}
		}
		if !bad {
			plans = append(plans, &userPlan{row: n, user: u, before: before, devices: devices})
		}
	}
	return plans
}

func supportID(refs []steward.DeviceRef, id string) string {
	for _, r := range refs {
		if r.ID == id {
			return r.SupportID
		}
	}
	return id
}

// applyImport writes one planned row.
func (s *Service) applyImport(ctx context.Context, acc *steward.Account, p *userPlan, now time.Time, rep *UserImportReport) error {
	u := p.user
	devicesChanged := p.devices != nil && (p.before == nil || !sameSet(p.before.DeviceIDs, p.devices))
	summary := map[string]any{"import": true}
	if p.devices != nil && devicesChanged {
		summary["devices"] = p.devices
	}
	if p.before == nil {
		u.ID, u.AccountID, u.CreatedAt, u.UpdatedAt = steward.NewID(now), acc.ID, now, now
		if err := s.store.InsertUser(ctx, u); err != nil {
			return err
		}
		rep.Created++
		summary["fields"] = setFields(u)
	} else {
		changed := changedFields(p.before, u)
		if len(changed) == 0 && !devicesChanged {
			rep.Unchanged++
			return nil
		}
		if len(changed) > 0 {
			u.UpdatedAt = now
			if err := s.store.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		rep.Updated++
		summary["changed"] = changed
	}
	if devicesChanged {
		if err := s.store.SetUserDevices(ctx, u.ID, p.devices, now); err != nil {
			return err
		}
	}
	action := "user.update"
	if p.before == nil {
		action = "user.create"
	}
	return s.record(ctx, acc.ID, action, "user", u.ID, summary)
}

func sameSet(a, b []string) bool {
	return len(a) == len(b) && !slices.ContainsFunc(a, func(x string) bool { return !slices.Contains(b, x) })
}

// ExportUsers writes every user of a client account to w as CSV: a header
// row (email, name, directory_name, the custom field keys in order,
// devices), then a row per user by email, devices as support IDs
// separated by spaces. A cell a spreadsheet would run as a formula (one
// starting with = + - or @) is prefixed with a quote. Nothing is written
// before the authorisation passes. Audited as user.export (the number of
// users). ENOTFOUND, EINVALID (not a client account).
func (s *Service) ExportUsers(ctx context.Context, accountID string, w io.Writer) error {
	_, acc, err := s.directory(ctx, accountID, false)
	if err != nil {
		return err
	}
	defs, err := s.store.UserFields(ctx, acc.ID)
	if err != nil {
		return err
	}
	header := []string{colEmail, colName, colDirectoryName}
	for _, d := range defs {
		header = append(header, d.Key)
	}
	header = append(header, colDevices)
	bw := bufio.NewWriter(w)
	if err := writeUsersCSV(bw, [][]string{header}); err != nil {
		return err
	}
	n := 0
	err = s.eachUser(ctx, acc.ID, func(u *steward.DirectoryUser) error {
		row := []string{u.Email, u.Name, u.DirectoryName}
		for _, d := range defs {
			row = append(row, u.CustomFields[d.Key])
		}
		var ids []string
		for _, d := range u.Devices {
			ids = append(ids, d.SupportID)
		}
		n++
		return writeUsersCSV(bw, [][]string{append(row, strings.Join(ids, " "))})
	})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("export users: %w", err)
	}
	return s.record(ctx, acc.ID, "user.export", "account", acc.ID, map[string]any{"users": n})
}

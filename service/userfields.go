package service

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Custom user fields: an account's definitions, and the checks every value
// passes before it is stored.

// Limits of custom field definitions and values.
const (
	MaxUserFields    = 50  // definitions per account
	maxFieldChoices  = 100 // choices of one choice field
	maxFieldLabel    = 100 // characters of a label or a choice
	maxTextValue     = 500 // characters of a text value
	maxNumberValue   = 40  // characters of a number
	maxUserNameChars = 200 // characters of a name or directory name
)

var fieldKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// numberRE is a decimal number: an optional sign, digits with an optional
// fraction, and an optional exponent.
var numberRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// reservedKeys are the fixed columns of the users CSV file.
var reservedKeys = []string{"email", "name", "directory_name", "devices", "id"}

// oneLine reports whether s is one line of printable text.
func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// checkFieldDefs checks and tidies an account's definitions. The error
// names the offending part, e.g. fields[2].key.
func checkFieldDefs(defs []steward.CustomFieldDef) ([]steward.CustomFieldDef, error) {
	if len(defs) > MaxUserFields {
		return nil, steward.FieldErrorf("fields", "An account has at most %d custom fields.", MaxUserFields)
	}
	out := make([]steward.CustomFieldDef, 0, len(defs))
	seen := map[string]int{}
	for i, d := range defs {
		at := func(part string) string { return fmt.Sprintf("fields[%d].%s", i, part) }
		d.Key, d.Label = strings.TrimSpace(d.Key), strings.TrimSpace(d.Label)
		switch {
		case !fieldKeyRE.MatchString(d.Key):
			return nil, steward.FieldErrorf(at("key"), "A key is 1 to 40 lower-case letters, digits and underscores, starting with a letter.")
		case slices.Contains(reservedKeys, d.Key):
			return nil, steward.FieldErrorf(at("key"), "%q is a column of the users file already; choose another key.", d.Key)
		}
		if j, ok := seen[d.Key]; ok {
			return nil, steward.FieldErrorf(at("key"), "The key %q is also field %d's.", d.Key, j)
		}
		seen[d.Key] = i
		switch {
		case d.Label == "":
			return nil, steward.FieldErrorf(at("label"), "Give the field a label.")
		case utf8.RuneCountInString(d.Label) > maxFieldLabel || !oneLine(d.Label):
			return nil, steward.FieldErrorf(at("label"), "A label is one line of at most %d characters.", maxFieldLabel)
		case !d.Type.Valid():
			return nil, steward.FieldErrorf(at("type"), "The type is text, number, date or choice.")
		}
		if d.Type != steward.FieldChoice {
			if len(d.Choices) > 0 {
				return nil, steward.FieldErrorf(at("choices"), "Only a choice field has choices.")
			}
			d.Choices = nil
			out = append(out, d)
			continue
		}
		var choices []string
		for _, c := range d.Choices {
			c = strings.TrimSpace(c)
			switch {
			case c == "":
				return nil, steward.FieldErrorf(at("choices"), "A choice cannot be empty.")
			case utf8.RuneCountInString(c) > maxFieldLabel || !oneLine(c):
				return nil, steward.FieldErrorf(at("choices"), "A choice is one line of at most %d characters.", maxFieldLabel)
			case slices.ContainsFunc(choices, func(o string) bool { return strings.EqualFold(o, c) }):
				return nil, steward.FieldErrorf(at("choices"), "The choice %q is listed twice.", c)
			}
			choices = append(choices, c)
		}
		switch {
		case len(choices) == 0:
			return nil, steward.FieldErrorf(at("choices"), "A choice field needs at least one choice.")
		case len(choices) > maxFieldChoices:
			return nil, steward.FieldErrorf(at("choices"), "A choice field has at most %d choices.", maxFieldChoices)
		}
		d.Choices = choices
		out = append(out, d)
	}
	return out, nil
}

// fieldValue checks a value against its definition and returns it in its
// canonical form, or a message saying what is wrong. An empty value is
// always valid here (required fields are checked on the whole user).
func fieldValue(d steward.CustomFieldDef, v string) (string, string) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", ""
	}
	switch d.Type {
	case steward.FieldText:
		if utf8.RuneCountInString(v) > maxTextValue || !oneLine(v) {
			return "", fmt.Sprintf("Not one line of at most %d characters.", maxTextValue)
		}
	case steward.FieldNumber:
		if len(v) > maxNumberValue || !numberRE.MatchString(v) {
			return "", "Not a number."
		}
	case steward.FieldDate:
		if _, err := time.Parse(time.DateOnly, v); err != nil {
			return "", "Not a date: write it as YYYY-MM-DD."
		}
	case steward.FieldChoice:
		for _, c := range d.Choices {
			if strings.EqualFold(c, v) {
				return c, ""
			}
		}
		return "", "Not one of the choices: " + strings.Join(d.Choices, ", ") + "."
	default:
		return "", "The field's type is unknown."
	}
	return v, ""
}

// UserFields returns a client account's custom field definitions, in
// order. ENOTFOUND, EINVALID (not a client account).
func (s *Service) UserFields(ctx context.Context, accountID string) ([]steward.CustomFieldDef, error) {
	_, acc, err := s.directory(ctx, accountID, false)
	if err != nil {
		return nil, err
	}
	return s.store.UserFields(ctx, acc.ID)
}

// PutUserFields replaces a client account's custom field definitions.
// The values of a field no longer defined are deleted from every user; a
// changed field must still accept every value the users hold (otherwise
// EINVALID names it). A field made required applies from each user's next
// change. Audited as user_fields.update, with the keys and no values.
// EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT (deleted account).
func (s *Service) PutUserFields(ctx context.Context, accountID string, defs []steward.CustomFieldDef) ([]steward.CustomFieldDef, error) {
	_, acc, err := s.directory(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	defs, err = checkFieldDefs(defs)
	if err != nil {
		return nil, err
	}
	byKey := map[string]int{}
	var keys []string
	for i, d := range defs {
		byKey[d.Key] = i
		keys = append(keys, d.Key)
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		old, err := s.store.UserFields(ctx, acc.ID)
		if err != nil {
			return err
		}
		var removed []string
		for _, d := range old {
			if _, ok := byKey[d.Key]; !ok {
				removed = append(removed, d.Key)
			}
		}
		type refusal struct {
			n       int
			example string
		}
		refused := map[int]*refusal{}
		var changed []*steward.DirectoryUser
		values := 0
		err = s.eachUser(ctx, acc.ID, func(u *steward.DirectoryUser) error {
			dirty := false
			for k, v := range u.CustomFields {
				i, ok := byKey[k]
				if !ok {
					delete(u.CustomFields, k)
					dirty = true
					values++
					continue
				}
				canon, problem := fieldValue(defs[i], v)
				if problem != "" {
					r := refused[i]
					if r == nil {
						r = &refusal{example: fmt.Sprintf("%s has %q: %s", u.Email, v, problem)}
						refused[i] = r
					}
					r.n++
				} else if canon != v {
					u.CustomFields[k] = canon
					dirty = true
				}
			}
			if dirty {
				u.UpdatedAt = now
				changed = append(changed, u)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range defs {
			if r := refused[i]; r != nil {
				part := "type"
				if defs[i].Type == steward.FieldChoice {
					part = "choices"
				}
				return steward.FieldErrorf(fmt.Sprintf("fields[%d].%s", i, part),
					"%d users hold a value this field would refuse (%s). Change their values first.", r.n, r.example)
			}
		}
		for _, u := range changed {
			if err := s.store.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		if err := s.store.PutUserFields(ctx, acc.ID, defs); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "user_fields.update", "account", acc.ID, map[string]any{"keys": keys,
			"removed": removed, "values_removed": values, "users_changed": len(changed)})
	})
	if err != nil {
		return nil, err
	}
	return defs, nil
}

// eachUser calls fn for every user of an account, in pages, by email.
func (s *Service) eachUser(ctx context.Context, accountID string, fn func(*steward.DirectoryUser) error) error {
	after := ""
	for {
		page, err := s.store.ListUsers(ctx, accountID, steward.UserFilter{After: after, Limit: 1000})
		if err != nil {
			return err
		}
		for _, u := range page {
			if err := fn(u); err != nil {
				return err
			}
		}
		if len(page) < 1000 {
			return nil
		}
		after = page[len(page)-1].Email
	}
}

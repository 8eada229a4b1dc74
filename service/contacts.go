package service

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Shared contacts: the company directory pushed to devices. A contact
// belongs to an account and targets accounts, folders, groups or devices
// of that account's subtree; the devices its targets cover hold it. Audit
// entries name the fields changed, never their values: a deleted contact
// leaves no copy of itself behind.

// ContactCreate is the input of CreateContact.
type ContactCreate struct {
	AccountID string           `json:"-"` // default: the actor's account
	Name      string           `json:"name"`
	Email     string           `json:"email"`
	Phone     string           `json:"phone"`
	Note      string           `json:"note"`
	Targets   []steward.Target `json:"targets"`
}

// ContactUpdate changes the fields that are not nil.
type ContactUpdate struct {
	Name    *string           `json:"name"`
	Email   *string           `json:"email"`
	Phone   *string           `json:"phone"`
	Note    *string           `json:"note"`
	Targets *[]steward.Target `json:"targets"`
}

// Limits of a contact's fields.
const (
	maxNoteRunes = 2000
	maxTargets   = 100
)

// validPhone checks a phone number: digits, an optional leading +, and
// spaces, brackets, dots or hyphens between them; 3 to 20 digits.
func validPhone(field, phone string) (string, error) {
	phone = strings.TrimSpace(phone)
	if phone == "" {
		return "", nil
	}
	bad := steward.FieldErrorf(field, "Give the phone number as digits, with an optional leading + and spaces, brackets, dots or hyphens between them, such as +44 20 7946 0000.")
	digits := 0
	for i, r := range phone {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" ()-./", r):
		default:
			return "", bad
		}
	}
	if digits < 3 || digits > 20 || len(phone) > 32 {
		return "", bad
	}
	return phone, nil
}

// validNote checks a free-text note or description of at most n characters.
func validNote(field, note string, n int) (string, error) {
	note = strings.TrimSpace(note)
	switch {
	case utf8.RuneCountInString(note) > n:
		return "", steward.FieldErrorf(field, "Keep it to %d characters.", n)
	case strings.ContainsRune(note, 0) || !utf8.ValidString(note):
		return "", steward.FieldErrorf(field, "The text holds characters that are not allowed.")
	}
	return note, nil
}

// validContact checks and normalises a contact's fields (not its targets).
func validContact(c *steward.Contact) error {
	var err error
	if c.Name, err = validName("name", c.Name); err != nil {
		return err
	}
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" {
		if c.Email, err = normalEmail("email", c.Email); err != nil {
			return err
		}
	}
	if c.Phone, err = validPhone("phone", c.Phone); err != nil {
		return err
	}
	if c.Email == "" && c.Phone == "" {
		return steward.FieldErrorf("email", "Give an email address or a phone number.")
	}
	c.Note, err = validNote("note", c.Note, maxNoteRunes)
	return err
}

// checkItemTargets checks the targets of a contact or file owned by owner:
// each must exist, be within the actor's reach (ENOTFOUND otherwise, as if
// it did not exist) and lie in the owner's subtree (EINVALID). It returns
// them sorted, without duplicates.
func (s *Service) checkItemTargets(ctx context.Context, a *steward.Actor, owner *steward.Account, ts []steward.Target) ([]steward.Target, error) {
	if len(ts) > maxTargets {
		return nil, steward.FieldErrorf("targets", "At most %d targets.", maxTargets)
	}
	out := steward.SortTargets(ts)
	for _, t := range out {
		if !t.Kind.Valid() {
			return nil, steward.FieldErrorf("targets", "A target's kind is account, folder, group or device, not %q.", t.Kind)
		}
		if strings.TrimSpace(t.ID) == "" {
			return nil, steward.FieldErrorf("targets", "A target needs the ID of its %s.", t.Kind)
		}
		acc, err := s.targetOwner(ctx, t)
		if err != nil {
			return nil, err
		}
		if acc == nil || !a.Reaches(acc.Path) {
			return nil, steward.Errorf(steward.ENOTFOUND, "%s %q not found.", targetNoun[t.Kind], t.ID)
		}
		if !strings.HasPrefix(acc.Path, owner.Path) {
			return nil, steward.FieldErrorf("targets", "The %s %q is outside %s: a contact or file reaches only its owner's devices.",
				t.Kind, t.ID, owner.Name)
		}
	}
	return out, nil
}

var targetNoun = map[steward.TargetKind]string{steward.TargetAccount: "Account", steward.TargetFolder: "Folder",
	steward.TargetGroup: "Group", steward.TargetDevice: "Device"}

// ListContacts lists an account's contacts (default: the actor's), by
// name. ENOTFOUND.
func (s *Service) ListContacts(ctx context.Context, accountID string) ([]*steward.Contact, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	cs, err := s.store.ListContacts(ctx, acc.ID)
	if cs == nil && err == nil {
		cs = []*steward.Contact{}
	}
	return cs, err
}

// reachContact returns a contact whose owner the actor reaches, and the
// owner. ENOTFOUND.
func (s *Service) reachContact(ctx context.Context, id string) (*steward.Actor, *steward.Contact, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	c, err := s.store.ContactByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, nil, steward.Errorf(steward.ENOTFOUND, "Contact %q not found.", id)
	} else if err != nil {
		return nil, nil, nil, err
	}
	owner, err := s.store.AccountByID(ctx, c.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.Reaches(owner.Path) {
		return nil, nil, nil, steward.Errorf(steward.ENOTFOUND, "Contact %q not found.", id)
	}
	return a, c, owner, nil
}

// Contact returns a contact the actor reaches. ENOTFOUND.
func (s *Service) Contact(ctx context.Context, id string) (*steward.Contact, error) {
	_, c, _, err := s.reachContact(ctx, id)
	return c, err
}

// CreateContact creates a contact and pushes it to the devices its targets
// cover. EINVALID (the field named), EFORBIDDEN, ENOTFOUND, ECONFLICT
// (account deleted).
func (s *Service) CreateContact(ctx context.Context, in ContactCreate) (*steward.Contact, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	c := &steward.Contact{ID: steward.NewID(now), AccountID: acc.ID, Name: in.Name, Email: in.Email, Phone: in.Phone, Note: in.Note,
		CreatedBy: a.ManagerID, CreatedAt: now, UpdatedAt: now}
	if err := validContact(c); err != nil {
		return nil, err
	}
	if c.Targets, err = s.checkItemTargets(ctx, a, acc, in.Targets); err != nil {
		return nil, err
	}
	err = s.commitItem(ctx, func(ctx context.Context) error { return s.store.InsertContact(ctx, c) },
		acc.ID, "contact.create", "contact", c.ID, map[string]any{"targets": c.Targets}, c.Targets)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// UpdateContact changes a contact's fields and targets; devices that gain
// or lose it, or hold it, are told. EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateContact(ctx context.Context, id string, in ContactUpdate) (*steward.Contact, error) {
	a, c, owner, err := s.reachContact(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	before := c.Targets
	var fields []string
	for _, f := range []struct {
		name string
		in   *string
		to   *string
	}{{"name", in.Name, &c.Name}, {"email", in.Email, &c.Email}, {"phone", in.Phone, &c.Phone}, {"note", in.Note, &c.Note}} {
		if f.in != nil && strings.TrimSpace(*f.in) != *f.to {
			*f.to, fields = *f.in, append(fields, f.name)
		}
	}
	if err := validContact(c); err != nil {
		return nil, err
	}
	if in.Targets != nil {
		if c.Targets, err = s.checkItemTargets(ctx, a, owner, *in.Targets); err != nil {
			return nil, err
		}
		if !equalTargets(before, c.Targets) {
			fields = append(fields, "targets")
		}
	}
	if len(fields) == 0 {
		return c, nil
	}
	c.UpdatedAt = s.now()
	err = s.commitItem(ctx, func(ctx context.Context) error { return s.store.UpdateContact(ctx, c) },
		owner.ID, "contact.update", "contact", c.ID, map[string]any{"fields": fields, "targets": c.Targets}, slices.Concat(before, c.Targets))
	if err != nil {
		return nil, err
	}
	return c, nil
}

// DeleteContact deletes a contact at once; the devices that held it are
// told to remove it. EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteContact(ctx context.Context, id string) error {
	a, c, owner, err := s.reachContact(ctx, id)
	if err != nil {
		return err
	}
	if err := canWrite(a); err != nil {
		return err
	}
	return s.commitItem(ctx, func(ctx context.Context) error { return s.store.DeleteContact(ctx, c.ID) },
		owner.ID, "contact.delete", "contact", c.ID, map[string]any{"targets": c.Targets}, c.Targets)
}

// commitItem makes one change to a contact or file (write), records it in
// the audit log and recomputes the directory versions of the devices the
// targets cover (the item's old and new ones), in one transaction; the
// devices whose version changed are pushed a refresh once it commits.
func (s *Service) commitItem(ctx context.Context, write func(context.Context) error,
	accountID, action, targetType, id string, summary any, targets []steward.Target) error {
	var changed []string
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := write(ctx); err != nil {
			return err
		}
		if err := s.record(ctx, accountID, action, targetType, id, summary); err != nil {
			return err
		}
		var err error
		changed, err = s.refreshDirectories(ctx, targets)
		return err
	})
	if err != nil {
		return err
	}
	s.directoryChanged(ctx, changed)
	return nil
}

func equalTargets(a, b []steward.Target) bool {
	return slices.Equal(steward.SortTargets(a), steward.SortTargets(b))
}

// TargetChoices are what an account's contacts, files and policies may
// target: the live accounts of its subtree, and the folders and groups of
// its client accounts, by name.
type TargetChoices struct {
	Accounts []*steward.Account `json:"accounts"`
	Folders  []*steward.Folder  `json:"folders"`
	Groups   []*steward.Group   `json:"groups"`
}

// ItemTargetChoices lists what an account's contacts and files may target
// (at most 1000 accounts). ENOTFOUND.
func (s *Service) ItemTargetChoices(ctx context.Context, accountID string) (*TargetChoices, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.targetChoices(ctx, acc, 1000)
}

// targetChoices lists the live accounts of acc's subtree (at most max) and
// the folders and groups of its client accounts: what may be targeted by
// the contacts, files and policies of acc.
func (s *Service) targetChoices(ctx context.Context, acc *steward.Account, max int) (*TargetChoices, error) {
	accs, err := s.store.ListAccounts(ctx, acc.Path, steward.AccountFilter{Limit: max})
	if err != nil {
		return nil, err
	}
	out := &TargetChoices{}
	for _, a := range accs {
		if a.DeletedAt != nil {
			continue
		}
		out.Accounts = append(out.Accounts, a)
		if a.Kind != steward.AccountClient {
			continue
		}
		fs, err := s.store.ListFolders(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		gs, err := s.store.ListGroups(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		out.Folders, out.Groups = append(out.Folders, fs...), append(out.Groups, gs...)
	}
	return out, nil
}

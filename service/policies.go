package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// Policies: create, edit (every edit of the settings is a new version),
// target, delete; versions and their differences. Secrets arrive in clear
// in an edit, are sealed (Options.Sealer) with associated data naming the
// policy, version, network and field, and are never answered. An edit that
// leaves a network's secret out keeps the stored value (re-sealed under the
// new version, the older copies erased); "" clears it.

// PolicyInput is a new policy.
type PolicyInput struct {
	Name        *string                 `json:"name,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Settings    *steward.PolicySettings `json:"settings,omitempty"`
	Targets     []steward.Target        `json:"targets,omitempty"`
}

// PolicyUpdate is an edit of a policy: a nil field is left as it is;
// Settings, when given, replace the current settings whole and make a new
// version. SetPolicyTargets changes the targets.
type PolicyUpdate struct {
	Name        *string                 `json:"name,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Settings    *steward.PolicySettings `json:"settings,omitempty"`
}

// PolicyDetail is a policy with its current settings (certificates
// described, secrets as flags) and its targets named.
type PolicyDetail struct {
	*steward.Policy
	Settings     steward.PolicySettings `json:"settings"`
	NamedTargets []NamedTarget          `json:"named_targets"`
}

// NamedTarget is a target with the name of what it names; Missing when
// that was deleted since.
type NamedTarget struct {
	steward.Target
	Name    string `json:"name"`
	Missing bool   `json:"missing,omitempty"`
}

// reachPolicy returns a policy whose account lies in the actor's subtree;
// ENOTFOUND otherwise, as for a missing one.
func (s *Service) reachPolicy(ctx context.Context, id string) (*steward.Actor, *steward.Policy, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "Policy %q not found.", id)
	p, err := s.store.PolicyByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, nil, hidden
	} else if err != nil {
		return nil, nil, nil, err
	}
	acc, err := s.store.AccountByID(ctx, p.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, nil, nil, hidden
	}
	return a, p, acc, nil
}

// writablePolicy is reachPolicy for changes: a writing role and a live account.
func (s *Service) writablePolicy(ctx context.Context, id string) (*steward.Actor, *steward.Policy, *steward.Account, error) {
	a, p, acc, err := s.reachPolicy(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, nil, nil, err
	}
	if acc.DeletedAt != nil {
		return nil, nil, nil, steward.Errorf(steward.ECONFLICT, "Account %q is deleted.", acc.Name)
	}
	return a, p, acc, nil
}

// ListPolicies lists the policies of an account's subtree (default: the
// actor's), by name. ENOTFOUND.
func (s *Service) ListPolicies(ctx context.Context, accountID string) ([]*steward.Policy, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	ps, err := s.store.ListPolicies(ctx, acc.Path)
	if ps == nil {
		ps = []*steward.Policy{}
	}
	return ps, err
}

// GetPolicy returns a policy with its current settings. ENOTFOUND.
func (s *Service) GetPolicy(ctx context.Context, id string) (*PolicyDetail, error) {
	_, p, acc, err := s.reachPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.policyDetail(ctx, p, acc)
}

func (s *Service) policyDetail(ctx context.Context, p *steward.Policy, acc *steward.Account) (*PolicyDetail, error) {
	v, err := s.store.PolicyVersion(ctx, p.ID, p.CurrentVersion)
	if err != nil {
		return nil, err
	}
	s.describe(&v.Settings)
	named, err := s.nameTargets(ctx, p.Targets)
	if err != nil {
		return nil, err
	}
	return &PolicyDetail{Policy: p, Settings: v.Settings, NamedTargets: named}, nil
}

// describe fills the parsed details of the certificates (with the expiry
// flags as of now) and drops what only the store and the device see.
func (s *Service) describe(st *steward.PolicySettings) {
	now := s.now()
	for i := range st.CACerts {
		c := &st.CACerts[i]
		if info, _, err := ParseCertificate(c.PEM, now); err == nil {
			c.CertInfo = info
		}
	}
	for i := range st.WiFi {
		w := &st.WiFi[i]
		w.Password, w.ClientKeyPEM, w.SealedPassword, w.SealedClientKey = nil, nil, nil, nil
	}
}

// CreatePolicy creates a policy in an account (default: the actor's) with
// its first version and targets, and brings the effective policy of the
// devices it covers up to date. EINVALID (naming the field), EFORBIDDEN,
// ENOTFOUND, ECONFLICT (a taken name, a deleted account, no sealer for a
// secret).
func (s *Service) CreatePolicy(ctx context.Context, accountID string, in PolicyInput) (*PolicyDetail, error) {
	a, acc, err := s.writableAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	name, err := validName("name", deref(in.Name))
	if err != nil {
		return nil, err
	}
	desc, err := validDescription(deref(in.Description))
	if err != nil {
		return nil, err
	}
	targets, err := s.checkTargets(ctx, acc, in.Targets)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p := &steward.Policy{ID: steward.NewID(now), AccountID: acc.ID, Name: name, Description: desc, CurrentVersion: 1,
		Targets: targets, CreatedBy: a.ManagerID, CreatedAt: now, UpdatedAt: now}
	settings := in.Settings
	if settings == nil {
		settings = &steward.PolicySettings{}
	}
	v, err := s.newVersion(ctx, a, acc, p, settings, nil)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertPolicy(ctx, p, v); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "policy.create", "policy", p.ID, map[string]any{"name": p.Name, "targets": targets,
			"version": 1, "settings": changeKeys(diffSettings(&steward.PolicySettings{}, &v.Settings))})
	})
	if err != nil {
		return nil, err
	}
	s.refreshTargets(ctx, targets)
	return s.policyDetail(ctx, p, acc)
}

// UpdatePolicy renames a policy or changes its description and, when
// in.Settings is given, saves them as its next version. A network's
// secret left out (nil) keeps its stored value; "" clears it. EINVALID
// (naming the field), EFORBIDDEN, ENOTFOUND, ECONFLICT (a taken name, an
// edit made meanwhile, a deleted account, no sealer for a secret).
func (s *Service) UpdatePolicy(ctx context.Context, id string, in PolicyUpdate) (*PolicyDetail, error) {
	a, p, acc, err := s.writablePolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	summary := map[string]any{}
	if in.Name != nil {
		name, err := validName("name", *in.Name)
		if err != nil {
			return nil, err
		}
		if name != p.Name {
			summary["name"] = [2]string{p.Name, name}
		}
		p.Name = name
	}
	if in.Description != nil {
		if p.Description, err = validDescription(*in.Description); err != nil {
			return nil, err
		}
		summary["description"] = true
	}
	var v *steward.PolicyVersion
	if in.Settings != nil {
		prev, err := s.store.PolicyVersion(ctx, p.ID, p.CurrentVersion)
		if err != nil {
			return nil, err
		}
		if v, err = s.newVersion(ctx, a, acc, p, in.Settings, prev); err != nil {
			return nil, err
		}
		changes := diffSettings(&prev.Settings, &v.Settings)
		if len(changes) == 0 {
			v = nil // nothing changed: no new version
		} else {
			summary["version"], summary["settings"] = v.Version, changeKeys(changes)
		}
	}
	if len(summary) == 0 {
		return s.policyDetail(ctx, p, acc)
	}
	p.UpdatedAt = s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdatePolicy(ctx, p, v); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "policy.update", "policy", p.ID, summary)
	})
	if err != nil {
		return nil, err
	}
	if v != nil {
		s.refreshTargets(ctx, p.Targets)
	}
	return s.policyDetail(ctx, p, acc)
}

// SetPolicyTargets replaces a policy's targets: accounts, folders, groups
// and devices of the policy's account subtree (and the actor's). The
// devices it covered and those it covers now have their effective policy
// recomputed. EINVALID (naming the target), EFORBIDDEN, ENOTFOUND.
func (s *Service) SetPolicyTargets(ctx context.Context, id string, targets []steward.Target) (*PolicyDetail, error) {
	_, p, acc, err := s.writablePolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	targets, err = s.checkTargets(ctx, acc, targets)
	if err != nil {
		return nil, err
	}
	old := p.Targets
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetPolicyTargets(ctx, p.ID, targets, s.now()); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "policy.targets", "policy", p.ID, map[string]any{"before": old, "after": targets})
	})
	if err != nil {
		return nil, err
	}
	p.Targets = targets
	s.refreshTargets(ctx, append(slices.Clone(old), targets...))
	return s.policyDetail(ctx, p, acc)
}

// DeletePolicy deletes a policy with its versions (and their secrets) and
// targets; the devices it covered have their effective policy recomputed.
// EFORBIDDEN, ENOTFOUND.
func (s *Service) DeletePolicy(ctx context.Context, id string) error {
	_, p, acc, err := s.writablePolicy(ctx, id)
	if err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeletePolicy(ctx, p.ID); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "policy.delete", "policy", p.ID, map[string]any{"name": p.Name, "versions": p.CurrentVersion})
	})
	if err != nil {
		return err
	}
	s.refreshTargets(ctx, p.Targets)
	return nil
}

// PolicyVersions lists a policy's versions, newest first, secrets as flags.
// ENOTFOUND.
func (s *Service) PolicyVersions(ctx context.Context, id string) ([]*steward.PolicyVersion, error) {
	_, p, _, err := s.reachPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListPolicyVersions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		s.describe(&v.Settings)
	}
	return vs, nil
}

// PolicyVersionDetail is one version and what changed since the one before.
type PolicyVersionDetail struct {
	*steward.PolicyVersion
	Changes []SettingChange `json:"changes"`
}

// GetPolicyVersion returns one version of a policy with its changes from
// the version before it (or from nothing, for the first). ENOTFOUND.
func (s *Service) GetPolicyVersion(ctx context.Context, id string, version int) (*PolicyVersionDetail, error) {
	return s.GetPolicyVersionFrom(ctx, id, version, version-1)
}

// GetPolicyVersionFrom returns one version of a policy with its changes
// from version from (0: the empty policy). ENOTFOUND.
func (s *Service) GetPolicyVersionFrom(ctx context.Context, id string, version, from int) (*PolicyVersionDetail, error) {
	if version < 1 {
		if _, _, _, err := s.reachPolicy(ctx, id); err != nil {
			return nil, err
		}
		return nil, steward.Errorf(steward.ENOTFOUND, "Versions are numbered from 1.")
	}
	d, err := s.DiffPolicyVersions(ctx, id, max(from, 0), version)
	if err != nil {
		return nil, err
	}
	v, err := s.store.PolicyVersion(ctx, id, version)
	if err != nil {
		return nil, err
	}
	s.describe(&v.Settings)
	return &PolicyVersionDetail{PolicyVersion: v, Changes: d}, nil
}

// DiffPolicyVersions lists the settings that differ between two versions
// of a policy (version 0 is the empty policy). ENOTFOUND.
func (s *Service) DiffPolicyVersions(ctx context.Context, id string, from, to int) ([]SettingChange, error) {
	_, p, _, err := s.reachPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	load := func(n int) (*steward.PolicySettings, error) {
		if n == 0 {
			return &steward.PolicySettings{}, nil
		}
		v, err := s.store.PolicyVersion(ctx, p.ID, n)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, steward.Errorf(steward.ENOTFOUND, "Policy %q has no version %d.", p.Name, n)
		} else if err != nil {
			return nil, err
		}
		return &v.Settings, nil
	}
	a, err := load(from)
	if err != nil {
		return nil, err
	}
	b, err := load(to)
	if err != nil {
		return nil, err
	}
	return diffSettings(a, b), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func validDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if utf8.RuneCountInString(d) > 2000 {
		return "", steward.FieldErrorf("description", "A description has at most 2000 characters.")
	}
	return d, nil
}

// checkTargets validates targets: each names an account, folder, group or
// device in the policy account's subtree. Duplicates are dropped.
func (s *Service) checkTargets(ctx context.Context, acc *steward.Account, in []steward.Target) ([]steward.Target, error) {
	out := []steward.Target{}
	if len(in) > 200 {
		return nil, steward.FieldErrorf("targets", "A policy has at most 200 targets.")
	}
	for i, t := range in {
		f := fmt.Sprintf("targets[%d]", i)
		if !t.Kind.Valid() {
			return nil, steward.FieldErrorf(f+".kind", "Choose account, folder, group or device.")
		}
		owner, err := s.targetOwner(ctx, t)
		if err != nil {
			return nil, err
		}
		if owner == nil || !strings.HasPrefix(owner.Path, acc.Path) {
			return nil, steward.FieldErrorf(f+".id", "No %s %q in the policy's account or below it.", t.Kind, t.ID)
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// nameTargets names targets for display; one whose object is gone is
// Missing. Names of objects outside the viewer's reach are not looked up:
// every target lies in the policy account's subtree, which the viewer reaches.
func (s *Service) nameTargets(ctx context.Context, ts []steward.Target) ([]NamedTarget, error) {
	out := make([]NamedTarget, 0, len(ts))
	for _, t := range ts {
		n := NamedTarget{Target: t}
		var err error
		switch t.Kind {
		case steward.TargetAccount:
			var a *steward.Account
			if a, err = s.store.AccountByID(ctx, t.ID); err == nil {
				n.Name = a.Name
			}
		case steward.TargetFolder:
			var f *steward.Folder
			if f, err = s.store.FolderByID(ctx, t.ID); err == nil {
				n.Name = f.Name
			}
		case steward.TargetGroup:
			var g *steward.Group
			if g, err = s.store.GroupByID(ctx, t.ID); err == nil {
				n.Name = g.Name
			}
		case steward.TargetDevice:
			var d *steward.Device
			if d, err = s.store.DeviceByID(ctx, t.ID); err == nil {
				n.Name = d.Name
				if n.Name == "" {
					n.Name = d.SupportID
				}
			}
		}
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			n.Missing, err = true, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// newVersion validates settings as version (prev's next, or 1) of p and
// returns the version to store, its secrets sealed. Secrets left out are
// taken from prev, opened and sealed again under the new version.
func (s *Service) newVersion(ctx context.Context, a *steward.Actor, acc *steward.Account, p *steward.Policy,
	in *steward.PolicySettings, prev *steward.PolicyVersion) (*steward.PolicyVersion, error) {
	number := 1
	if prev != nil {
		number = prev.Version + 1
	}
	st := *in
	st.WiFi = slices.Clone(in.WiFi)
	st.CACerts = slices.Clone(in.CACerts)
	st.Apps = slices.Clone(in.Apps)
	fe := parseCACerts(&st, s.now())
	prevNets := map[string]*steward.WiFiSetting{}
	if prev != nil {
		for i := range prev.Settings.WiFi {
			prevNets[prev.Settings.WiFi[i].SSID] = &prev.Settings.WiFi[i]
		}
	}
	input := settingsInput{s: &st, passwords: make([]string, len(st.WiFi)), clientKeys: make([]string, len(st.WiFi))}
	refs := make([][2]string, len(st.WiFi))
	for i := range st.WiFi {
		w := &st.WiFi[i]
		w.CACertSHA256 = strings.ToLower(strings.TrimSpace(w.CACertSHA256))
		w.ClientCertPEM = strings.TrimSpace(w.ClientCertPEM)
		old := prevNets[w.SSID]
		for j, sec := range []struct {
			given  *string
			uses   bool
			sealed func(*steward.WiFiSetting) *steward.SealedSecret
			field  string
			clear  *string
		}{
			{w.Password, usesPassword(w), func(n *steward.WiFiSetting) *steward.SealedSecret { return n.SealedPassword }, "password", &input.passwords[i]},
			{w.ClientKeyPEM, usesClientKey(w), func(n *steward.WiFiSetting) *steward.SealedSecret { return n.SealedClientKey }, "client_key", &input.clientKeys[i]},
		} {
			var stored string
			var ref string
			if old != nil {
				if ss := sec.sealed(old); ss != nil && len(ss.Ciphertext) > 0 {
					clear, err := s.openSecret(ctx, acc.ID, ss, secretAAD(p.ID, prev.Version, old.SSID, sec.field))
					if err != nil {
						return nil, err
					}
					stored, ref = clear, ss.Ref
				}
			}
			switch {
			case sec.given != nil:
				*sec.clear = *sec.given
				if sec.field == "client_key" {
					*sec.clear = strings.TrimSpace(*sec.clear)
				}
				if *sec.clear != stored {
					ref = ""
				}
			case sec.uses:
				*sec.clear = stored // left out: kept
			}
			refs[i][j] = ref
		}
	}
	fe = append(fe, checkSettings(input)...)
	if err := s.checkKiosk(ctx, acc, &st, &fe); err != nil {
		return nil, err
	}
	if len(fe) > 0 {
		return nil, fe
	}
	for i := range st.WiFi {
		w := &st.WiFi[i]
		w.Password, w.ClientKeyPEM, w.SealedPassword, w.SealedClientKey = nil, nil, nil, nil
		var err error
		if w.SealedPassword, err = s.sealSecret(ctx, acc.ID, input.passwords[i], refs[i][0], secretAAD(p.ID, number, w.SSID, "password")); err != nil {
			return nil, err
		}
		if w.SealedClientKey, err = s.sealSecret(ctx, acc.ID, input.clientKeys[i], refs[i][1], secretAAD(p.ID, number, w.SSID, "client_key")); err != nil {
			return nil, err
		}
		w.PasswordSet, w.ClientKeySet = w.SealedPassword != nil, w.SealedClientKey != nil
	}
	return &steward.PolicyVersion{PolicyID: p.ID, Version: number, Settings: st, CreatedBy: a.ManagerID,
		CreatedByEmail: a.Email, CreatedAt: s.now()}, nil
}

// checkKiosk requires the kiosk app to be a required app of the policy or
// an app of the store the policy's account sees (its own or shared by an
// account above it).
func (s *Service) checkKiosk(ctx context.Context, acc *steward.Account, st *steward.PolicySettings, fe *steward.FieldErrors) error {
	k := st.Kiosk
	if k == nil || !validPackage(k.Package) {
		return nil
	}
	for _, a := range st.Apps {
		if a.Package == k.Package && a.Action == protocol.AppRequired {
			return nil
		}
	}
	var ancestors []string
	for _, id := range strings.Split(strings.Trim(acc.Path, "/"), "/") {
		if id != "" && id != acc.ID {
			ancestors = append(ancestors, id)
		}
	}
	apps, err := s.store.ListApps(ctx, acc.Path, ancestors)
	if err != nil {
		return err
	}
	for _, a := range apps {
		if a.Package == k.Package && (a.AccountID == acc.ID || slices.Contains(ancestors, a.AccountID)) {
			return nil
		}
	}
	fe.Add("kiosk.package", "The kiosk app must be a required app of this policy or an app of the store.")
	return nil
}

// sealSecret seals a clear secret ("" is none) under the account's key;
// ref is kept when the value is (an empty ref makes a new one).
func (s *Service) sealSecret(ctx context.Context, accountID, clear, ref, aad string) (*steward.SealedSecret, error) {
	if clear == "" {
		return nil, nil
	}
	if s.opts.Sealer == nil {
		return nil, steward.Errorf(steward.ECONFLICT, "This server keeps no secrets: it has no key to seal them with.")
	}
	ct, err := s.opts.Sealer.Seal(ctx, accountID, []byte(clear), aad)
	if err != nil {
		return nil, fmt.Errorf("seal policy secret: %w", err)
	}
	if ref == "" {
		ref = steward.NewSecret("", 12)
	}
	return &steward.SealedSecret{Ciphertext: ct, Ref: ref}, nil
}

func (s *Service) openSecret(ctx context.Context, accountID string, ss *steward.SealedSecret, aad string) (string, error) {
	if s.opts.Sealer == nil {
		return "", steward.Errorf(steward.ECONFLICT, "This server keeps no secrets: it has no key to open them with.")
	}
	b, err := s.opts.Sealer.Open(ctx, accountID, ss.Ciphertext, aad)
	if err != nil {
		return "", fmt.Errorf("open policy secret: %w", err)
	}
	out := string(b)
	clear(b)
	return out, nil
}

// TargetChoices are what a policy may target: the accounts of its
// account's subtree (by path), and their folders and groups.
type TargetChoices struct {
	Accounts []*steward.Account
	Folders  []*steward.Folder
	Groups   []*steward.Group
}

// maxTargetAccounts bounds the accounts PolicyTargetChoices reads the
// folders and groups of.
const maxTargetAccounts = 200

// PolicyTargetChoices lists what a policy may target, for the console's
// form: up to 200 accounts of its account's subtree, with their folders
// and groups. ENOTFOUND.
func (s *Service) PolicyTargetChoices(ctx context.Context, id string) (*TargetChoices, error) {
	_, _, acc, err := s.reachPolicy(ctx, id)
	if err != nil {
		return nil, err
	}
	accs, err := s.store.ListAccounts(ctx, acc.Path, steward.AccountFilter{Limit: maxTargetAccounts})
	if err != nil {
		return nil, err
	}
	out := &TargetChoices{Accounts: accs}
	for _, a := range accs {
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

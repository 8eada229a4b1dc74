package service

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// The device side of the company directory. Each device's directory
// version (devices.directory_version) is a hash of the contacts and the
// file manifest that cover it, recomputed in the transaction of every
// change that may alter them: a contact or file created, changed or
// deleted, a device's folder or groups changed. The check-in answer
// carries it from the device row it reads anyway, so the check-in path
// pays nothing for the directory. Devices whose version changed are pushed
// a refresh at once if connected; the others see the new version at their
// next check-in.

// refreshDirectories recomputes the directory versions of the devices the
// targets cover, in the caller's transaction, and returns the devices
// whose version changed.
func (s *Service) refreshDirectories(ctx context.Context, targets []steward.Target) ([]string, error) {
	ids, err := s.devicesCovered(ctx, targets)
	if err != nil {
		return nil, err
	}
	changed, err := s.recomputeDirectories(ctx, ids)
	return slices.Sorted(maps.Keys(changed)), err
}

// devicesCovered lists the devices any of the targets covers, in ID order.
func (s *Service) devicesCovered(ctx context.Context, targets []steward.Target) ([]string, error) {
	seen := map[string]bool{}
	for _, t := range steward.SortTargets(targets) {
		after := ""
		for {
			page, err := s.store.DevicesInTarget(ctx, t, after, 1000)
			if err != nil {
				return nil, err
			}
			for _, id := range page {
				seen[id] = true
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1]
		}
	}
	out := make([]string, 0, len(seen))
	for id := range seen {
		out = append(out, id)
	}
	slices.Sort(out)
	return out, nil
}

// recomputeDirectories computes the directory version of each device,
// writes those that changed and returns them (device ID → new version). It
// locks the devices' versions first, so that two changes computing the same
// devices' versions take turns and the later sees the earlier's result.
func (s *Service) recomputeDirectories(ctx context.Context, deviceIDs []string) (map[string]string, error) {
	if len(deviceIDs) == 0 {
		return nil, nil
	}
	current, err := s.store.LockDirectoryVersions(ctx, deviceIDs)
	if err != nil {
		return nil, err
	}
	b := newDirectoryBuilder(s.store)
	changed := map[string]string{}
	for _, id := range deviceIDs {
		old, ok := current[id]
		if !ok {
			continue // gone
		}
		m, err := s.store.DeviceMembership(ctx, id)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		d, err := b.build(ctx, m)
		if err != nil {
			return nil, err
		}
		if d.Version != old {
			changed[id] = d.Version
		}
	}
	if err := s.store.SetDirectoryVersions(ctx, changed); err != nil {
		return nil, err
	}
	return changed, nil
}

// directoryMembershipChanged recomputes, in the caller's transaction, the
// directory versions of devices whose folder or groups changed (or that
// just enrolled), and tells the connected ones once it commits.
func (s *Service) directoryMembershipChanged(ctx context.Context, deviceIDs []string) error {
	ids := slices.Clone(deviceIDs)
	slices.Sort(ids)
	changed, err := s.recomputeDirectories(ctx, slices.Compact(ids))
	if err != nil || len(changed) == 0 {
		return err
	}
	afterCommit(ctx, func() { s.directoryChanged(context.WithoutCancel(ctx), slices.Sorted(maps.Keys(changed))) })
	return nil
}

// directoryChanged is called once the change committed: cached device rows
// are dropped (they carry the old version) and connected devices are told
// to fetch their directory again.
func (s *Service) directoryChanged(ctx context.Context, deviceIDs []string) {
	if len(deviceIDs) == 0 {
		return
	}
	s.states.forget(deviceIDs...)
	var sinks []PushSink
	s.hub.mu.RLock()
	for _, id := range deviceIDs {
		if sink := s.hub.sinks[id]; sink != nil {
			sinks = append(sinks, sink)
		}
	}
	s.hub.mu.RUnlock()
	if len(sinks) == 0 {
		return
	}
	m := protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshDirectory}}
	work := make(chan PushSink)
	var wg sync.WaitGroup
	for range min(pushSenders, len(sinks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for sink := range work {
				pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
				if err := sink.Push(pctx, m); err != nil {
					s.logger.Debug("push refresh failed; the device will see the version at its next check-in", "err", err)
				}
				cancel()
			}
		}()
	}
	for _, sink := range sinks {
		work <- sink
	}
	close(work)
	wg.Wait()
}

// directoryBuilder computes devices' directories, reading each account's
// contacts and files once however many devices it builds for.
type directoryBuilder struct {
	store    steward.Store
	contacts map[string][]*steward.Contact
	files    map[string][]*steward.SharedFile
}

func newDirectoryBuilder(st steward.Store) *directoryBuilder {
	return &directoryBuilder{store: st, contacts: map[string][]*steward.Contact{}, files: map[string][]*steward.SharedFile{}}
}

// build returns the directory of the device m describes: the contacts and
// files owned by the accounts on its path (an item reaches only its
// owner's subtree) whose targets cover it, by name.
func (b *directoryBuilder) build(ctx context.Context, m *steward.Membership) (*protocol.DirectoryResponse, error) {
	d := &protocol.DirectoryResponse{Contacts: []protocol.DirectoryContact{}, Files: []protocol.DirectoryFile{}}
	covers := func(ts []steward.Target) bool { return slices.ContainsFunc(ts, m.Covers) }
	for _, acc := range strings.Split(strings.Trim(m.AccountPath, "/"), "/") {
		if acc == "" {
			continue
		}
		cs, ok := b.contacts[acc]
		if !ok {
			var err error
			if cs, err = b.store.ListContacts(ctx, acc); err != nil {
				return nil, err
			}
			b.contacts[acc] = cs
		}
		for _, c := range cs {
			if covers(c.Targets) {
				d.Contacts = append(d.Contacts, protocol.DirectoryContact{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, Note: c.Note})
			}
		}
		fs, ok := b.files[acc]
		if !ok {
			var err error
			if fs, err = b.store.ListSharedFiles(ctx, acc); err != nil {
				return nil, err
			}
			b.files[acc] = fs
		}
		for _, f := range fs {
			if covers(f.Targets) {
				d.Files = append(d.Files, protocol.DirectoryFile{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
					SHA256: f.SHA256, Description: f.Description, DownloadPath: fileDownloadPath(f.ID)})
			}
		}
	}
	slices.SortFunc(d.Contacts, func(x, y protocol.DirectoryContact) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
	})
	slices.SortFunc(d.Files, func(x, y protocol.DirectoryFile) int {
		return cmp.Or(strings.Compare(x.Name, y.Name), strings.Compare(x.ID, y.ID))
	})
	d.Version = directoryVersion(d)
	return d, nil
}

// directoryVersion is the hash of a directory's contents (without its
// version): 32 hex digits, or "" for an empty directory.
func directoryVersion(d *protocol.DirectoryResponse) string {
	if len(d.Contacts) == 0 && len(d.Files) == 0 {
		return ""
	}
	b, err := json.Marshal(struct {
		C []protocol.DirectoryContact
		F []protocol.DirectoryFile
	}{d.Contacts, d.Files})
	if err != nil {
		panic(err) // plain strings and numbers always encode
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

func fileDownloadPath(id string) string {
	return strings.Replace(protocol.PathFileDownload, "{id}", id, 1)
}

// DeviceDirectory returns the contacts and file manifest covering the
// calling device, with its version (the ETag of PathDirectory).
func (s *Service) DeviceDirectory(ctx context.Context, dev *Device) (*protocol.DirectoryResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself; it reads only its own
	m, err := s.store.DeviceMembership(ctx, dev.ID)
	if err != nil {
		return nil, err
	}
	return newDirectoryBuilder(s.store).build(ctx, m)
}

// DeviceFileDownload opens a shared file's content for a device its
// targets cover. Any other file is ENOTFOUND, so a device learns nothing
// of files not meant for it. The caller closes the blob.
func (s *Service) DeviceFileDownload(ctx context.Context, dev *Device, id string) (steward.Blob, *steward.SharedFile, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself; checked below
	hidden := steward.Errorf(steward.ENOTFOUND, "File %q not found.", id)
	if s.opts.Blobs == nil {
		return nil, nil, hidden
	}
	f, err := s.store.SharedFileByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	m, err := s.store.DeviceMembership(ctx, dev.ID)
	if err != nil {
		return nil, nil, err
	}
	if !strings.Contains(m.AccountPath, "/"+f.AccountID+"/") || !slices.ContainsFunc(f.Targets, m.Covers) {
		return nil, nil, hidden
	}
	b, err := s.opts.Blobs.Open(ctx, f.BlobKey)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	return b, f, nil
}

package agent

import (
	"bufio"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stewardmdm/steward/protocol"
)

// dpkgStatus is where dpkg keeps the state of every package.
const dpkgStatus = "var/lib/dpkg/status"

// errNoPackageList means the host has no dpkg database: it is not a Debian
// derivative, and the agent cannot tell what is installed.
var errNoPackageList = errors.New("no dpkg database")

// installedApps reads the installed packages under root, sorted by package.
func installedApps(root string) ([]protocol.App, error) {
	f, err := os.Open(filepath.Join(root, dpkgStatus))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoPackageList
	} else if err != nil {
		return nil, fmt.Errorf("read package list: %w", err)
	}
	defer f.Close()
	apps, err := parseDpkgStatus(f)
	if err != nil {
		return nil, fmt.Errorf("read package list %s: %w", f.Name(), err)
	}
	return apps, nil
}

// parseDpkgStatus reads a dpkg status file: one stanza per package, stanzas
// separated by blank lines. Only installed packages count; Essential: yes
// and Priority: required packages are marked System. A package installed
// for several architectures (multiarch) is listed once: co-installed
// architectures of a package have the same version, and the protocol names
// each package once. Names the protocol would refuse are skipped.
func parseDpkgStatus(r io.Reader) ([]protocol.App, error) {
	type pkg struct {
		name, version, status string
		system                bool
	}
	var pkgs []pkg
	var cur pkg
	flush := func() {
		if protocol.ValidPackage(cur.name) && strings.HasSuffix(cur.status, " installed") {
			pkgs = append(pkgs, cur)
		}
		cur = pkg{}
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // continuation of a multi-line field
		}
		key, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.ToLower(key) {
		case "package":
			cur.name = val
		case "version":
			cur.version = val
		case "status":
			cur.status = val
		case "essential":
			cur.system = cur.system || strings.EqualFold(val, "yes")
		case "priority":
			cur.system = cur.system || strings.EqualFold(val, "required")
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	apps := make([]protocol.App, 0, len(pkgs))
	for _, p := range pkgs {
		apps = append(apps, protocol.App{Package: p.name, VersionName: clean(p.version), System: p.system})
	}
	slices.SortStableFunc(apps, func(a, b protocol.App) int { return cmp.Compare(a.Package, b.Package) })
	apps = slices.CompactFunc(apps, func(a, b protocol.App) bool { return a.Package == b.Package })
	return apps, nil
}

// diffApps compares two lists sorted by package: added holds the new and
// changed apps of cur, removed the packages gone from old.
func diffApps(old, cur []protocol.App) (added []protocol.App, removed []string) {
	i, j := 0, 0
	for i < len(old) || j < len(cur) {
		switch {
		case j == len(cur) || (i < len(old) && old[i].Package < cur[j].Package):
			removed = append(removed, old[i].Package)
			i++
		case i == len(old) || cur[j].Package < old[i].Package:
			added = append(added, cur[j])
			j++
		default:
			if old[i] != cur[j] {
				added = append(added, cur[j])
			}
			i++
			j++
		}
	}
	return added, removed
}

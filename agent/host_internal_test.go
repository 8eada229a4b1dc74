package agent

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/protocol"
)

// writeTree writes files (path → content) under a new folder.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		p = filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestOSVersion(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"pretty name", map[string]string{"etc/os-release": "NAME=Fedora\nPRETTY_NAME='Fedora Linux 40 (Workstation Edition)'\n"}, "Fedora Linux 40 (Workstation Edition)"},
		{"name and version", map[string]string{"etc/os-release": "# comment\nNAME=\"Alpine Linux\"\nVERSION_ID=3.20.1\n"}, "Alpine Linux 3.20.1"},
		{"usr lib fallback", map[string]string{"usr/lib/os-release": "NAME=Arch\n"}, "Arch"},
		{"none", map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := osVersion(writeTree(t, tc.files)); got != tc.want {
				t.Errorf("osVersion = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBattery(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  *protocol.Battery
	}{
		{"server", map[string]string{}, nil},
		{"desktop with mains only", map[string]string{"sys/class/power_supply/AC/type": "Mains\n"}, nil},
		{"only a mouse", map[string]string{
			"sys/class/power_supply/hid-1/type": "Battery\n", "sys/class/power_supply/hid-1/scope": "Device\n",
			"sys/class/power_supply/hid-1/capacity": "40\n",
		}, nil},
		{"discharging, no health", map[string]string{
			"sys/class/power_supply/BAT1/type": "Battery\n", "sys/class/power_supply/BAT1/capacity": "12\n",
			"sys/class/power_supply/BAT1/status": "Discharging\n",
		}, &protocol.Battery{Level: 12}},
		{"over voltage", map[string]string{
			"sys/class/power_supply/BAT0/type": "Battery\n", "sys/class/power_supply/BAT0/capacity": "100\n",
			"sys/class/power_supply/BAT0/status": "Full\n", "sys/class/power_supply/BAT0/health": "Over voltage\n",
		}, &protocol.Battery{Level: 100, Health: "over_voltage"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, battery(writeTree(t, tc.files))); diff != "" {
				t.Errorf("battery (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadDMISkipsPlaceholders(t *testing.T) {
	root := writeTree(t, map[string]string{
		"sys/class/dmi/id/sys_vendor":     "System manufacturer\n",
		"sys/class/dmi/id/product_name":   "OptiPlex 7090\n",
		"sys/class/dmi/id/product_serial": "To Be Filled By O.E.M.\n",
	})
	if got, want := readDMI(root), (dmi{product: "OptiPlex 7090"}); got != want {
		t.Errorf("readDMI = %+v, want %+v", got, want)
	}
	if _, err := readHardware(root); err == nil || !strings.Contains(err.Error(), "machine ID") {
		t.Errorf("readHardware without a machine ID: %v", err)
	}
}

func TestPrimaryIP(t *testing.T) {
	a := netip.MustParseAddr
	lo := Interface{Name: "lo", Up: true, Loopback: true, Addrs: []netip.Addr{a("127.0.0.1"), a("::1")}}
	for _, tc := range []struct {
		name      string
		ifs       []Interface
		defaultIf string
		want      string
	}{
		{"default route first", []Interface{lo,
			{Name: "wg0", Up: true, Addrs: []netip.Addr{a("10.8.0.2")}},
			{Name: "wlp2s0", Up: true, Addrs: []netip.Addr{a("192.168.0.17")}}}, "wlp2s0", "192.168.0.17"},
		{"no default route", []Interface{lo, {Name: "eth0", Up: true, Addrs: []netip.Addr{a("169.254.3.4"), a("10.0.0.5")}}}, "", "10.0.0.5"},
		{"down interfaces skipped", []Interface{{Name: "eth0", Addrs: []netip.Addr{a("10.0.0.5")}}, {Name: "eth1", Up: true, Addrs: []netip.Addr{a("10.0.0.6")}}}, "eth0", "10.0.0.6"},
		{"IPv6 only", []Interface{lo, {Name: "eth0", Up: true, Addrs: []netip.Addr{a("fe80::1"), a("2001:db8::5")}}}, "", "2001:db8::5"},
		{"loopback only", []Interface{lo}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if ip, ok := primaryIP(tc.ifs, tc.defaultIf); ok {
				got = ip.String()
			}
			if got != tc.want {
				t.Errorf("primaryIP = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseDpkgStatus(t *testing.T) {
	in := "Package: a\nStatus: install ok installed\nVersion: 1\nPriority: required\n\n" +
		"Package: gone\nStatus: deinstall ok config-files\nVersion: 2\n\n" +
		"Package: half\nStatus: install reinstreq half-installed\nVersion: 3\n\n" +
		"Package: m\nStatus: install ok installed\nArchitecture: arm64\nVersion: 4\n\n" +
		"Package: Not_A-Dpkg:Name\nStatus: install ok installed\nVersion: 5\n\n" +
		"Package: m\nStatus: install ok installed\nArchitecture: armhf\nVersion: 4\n" // no trailing blank line
	got, err := parseDpkgStatus(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []protocol.App{
		{Package: "a", VersionName: "1", System: true},
		{Package: "m", VersionName: "4"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parseDpkgStatus (-want +got):\n%s", diff)
	}
}

func TestDiffApps(t *testing.T) {
	app := func(p, v string) protocol.App { return protocol.App{Package: p, VersionName: v} }
	old := []protocol.App{app("a", "1"), app("b", "1"), app("d", "1")}
	cur := []protocol.App{app("b", "2"), app("c", "1"), app("d", "1"), app("e", "1")}
	added, removed := diffApps(old, cur)
	if diff := cmp.Diff([]protocol.App{app("b", "2"), app("c", "1"), app("e", "1")}, added); diff != "" {
		t.Errorf("added (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a"}, removed); diff != "" {
		t.Errorf("removed (-want +got):\n%s", diff)
	}
}

func TestCheckPackageName(t *testing.T) {
	for name, ok := range map[string]bool{
		"org.example.app": true, "libc6": true, "g++-12": true, "python3.11": true, "libc6:i386": false,
		"": false, ".": false, "..": false, "a..b": false, ".hidden": false, "-rf": false,
		"a/b": false, `a\b`: false, "/etc": false, "a b": false, "a\x00b": false, "é": false,
		strings.Repeat("a", 256): false,
	} {
		if err := checkPackageName(name); (err == nil) != ok {
			t.Errorf("checkPackageName(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n := 1; n <= 40; n++ {
		ceil := min(backoffBase<<min(n-1, 30), backoffCap)
		for range 50 {
			if d := backoff(n); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, ceil/2, ceil)
			}
		}
	}
}

func TestClean(t *testing.T) {
	for in, want := range map[string]string{
		"  Debian GNU/Linux 12\n":          "Debian GNU/Linux 12",
		"Dell\x00 Inc.\x1b[31m":            "Dell Inc.[31m",
		"bad \xff utf-8":                   "bad  utf-8",
		strings.Repeat("é", 200):           strings.Repeat("é", 128),
		"ascii" + strings.Repeat("x", 300): "ascii" + strings.Repeat("x", 251),
	} {
		if got := clean(in); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
}

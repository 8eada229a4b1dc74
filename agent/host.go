package agent

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stewardmdm/steward/protocol"
)

// hardwareIDKey is the application ID the machine ID is hashed with, as
// machine-id(5) asks: the raw machine ID never leaves the host.
const hardwareIDKey = "steward-agent hardware id v1"

// readHardware reads the host's identity: a keyed hash of /etc/machine-id
// (stable across re-enrollments, useless elsewhere) and the DMI vendor,
// product and serial where they are readable (the serial usually needs root).
func readHardware(root string) (protocol.Hardware, error) {
	var id string
	for _, p := range []string{"etc/machine-id", "var/lib/dbus/machine-id"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			continue
		}
		if s := strings.TrimSpace(string(b)); len(s) == 32 && isHex(s) {
			id = strings.ToLower(s)
			break
		}
	}
	if id == "" {
		return protocol.Hardware{}, errors.New("no machine ID in /etc/machine-id: run systemd-machine-id-setup")
	}
	mac := hmac.New(sha256.New, []byte(id))
	mac.Write([]byte(hardwareIDKey))
	dmi := readDMI(root)
	return protocol.Hardware{
		ID: hex.EncodeToString(mac.Sum(nil)), Manufacturer: dmi.vendor, Model: dmi.product, Serial: dmi.serial,
	}, nil
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

type dmi struct{ vendor, product, serial string }

// readDMI reads /sys/class/dmi/id, skipping the placeholders firmware
// vendors leave in unset fields.
func readDMI(root string) dmi {
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(root, "sys/class/dmi/id", name))
		if err != nil {
			return ""
		}
		s := clean(string(b))
		switch strings.ToLower(s) {
		case "", "none", "0", "default string", "not specified", "not applicable", "to be filled by o.e.m.",
			"system manufacturer", "system product name", "system serial number", "system version", "0123456789":
			return ""
		}
		return s
	}
	return dmi{vendor: read("sys_vendor"), product: read("product_name"), serial: read("product_serial")}
}

// inventory reads the host's current state. What cannot be read is left
// out: a server has no battery, a Linux host has no SIM, no GPS switch and
// no pending-update notion the agent could read without a package manager.
func (a *Agent) inventory() protocol.Inventory {
	dmi := readDMI(a.root)
	inv := protocol.Inventory{
		Manufacturer: dmi.vendor, Model: dmi.product, Serial: dmi.serial,
		OSVersion: clean(osVersion(a.root)), SystemSignature: clean(readLine(filepath.Join(a.root, "proc/sys/kernel/osrelease"))),
		Battery: battery(a.root), AgentVersion: Version, AgentState: "enabled",
	}
	if up, ok := uptime(a.root); ok {
		inv.UptimeSeconds = &up
	}
	ifs, err := a.interfaces()
	if err != nil {
		a.log.Debug("cannot list network interfaces", "err", err)
	}
	if ip, ok := primaryIP(ifs, defaultRouteInterface(a.root)); ok {
		inv.IP = ip.String()
	}
	return inv
}

// clean makes a string read from the host fit the protocol's text rules:
// valid UTF-8 without control characters, at most protocol.MaxText bytes,
// trimmed.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > protocol.MaxText {
		n := protocol.MaxText
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = strings.TrimSpace(s[:n])
	}
	return s
}

// bootID is the kernel's ID of the current boot, "" when unreadable.
func bootID(root string) string {
	return readLine(filepath.Join(root, "proc/sys/kernel/random/boot_id"))
}

// readLine returns the first line of a file, trimmed; "" when unreadable.
func readLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// osVersion reads os-release(5): PRETTY_NAME, or NAME and VERSION_ID.
func osVersion(root string) string {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			continue
		}
		v := parseOSRelease(b)
		if v["PRETTY_NAME"] != "" {
			return v["PRETTY_NAME"]
		}
		return strings.TrimSpace(v["NAME"] + " " + v["VERSION_ID"])
	}
	return ""
}

// parseOSRelease reads KEY=value lines, the value optionally quoted.
func parseOSRelease(b []byte) map[string]string {
	v := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		if uq, err := strconv.Unquote(val); err == nil {
			val = uq
		} else if len(val) >= 2 && val[0] == '\'' && val[len(val)-1] == '\'' {
			val = val[1 : len(val)-1]
		}
		v[key] = val
	}
	return v
}

// battery reads the first system battery in /sys/class/power_supply; nil
// when there is none (servers, desktops). Peripherals' batteries (scope
// "Device": mice, keyboards) are not the host's.
func battery(root string) *protocol.Battery {
	dir := filepath.Join(root, "sys/class/power_supply")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for _, e := range entries { // sorted by name: BAT0 before BAT1
		p := filepath.Join(dir, e.Name())
		if readLine(filepath.Join(p, "type")) != "Battery" || strings.EqualFold(readLine(filepath.Join(p, "scope")), "Device") {
			continue
		}
		level, err := strconv.Atoi(readLine(filepath.Join(p, "capacity")))
		if err != nil {
			continue
		}
		b := &protocol.Battery{Level: min(max(level, 0), 100), Charging: readLine(filepath.Join(p, "status")) == "Charging"}
		if h := readLine(filepath.Join(p, "health")); h != "" && h != "Unknown" {
			b.Health = clean(strings.ReplaceAll(strings.ToLower(h), " ", "_"))
		}
		return b
	}
	return nil
}

// uptime reads /proc/uptime in whole seconds.
func uptime(root string) (int64, bool) {
	f := strings.Fields(readLine(filepath.Join(root, "proc/uptime")))
	if len(f) == 0 {
		return 0, false
	}
	s, err := strconv.ParseFloat(f[0], 64)
	if err != nil || s < 0 {
		return 0, false
	}
	return int64(s), true
}

// defaultRouteInterface names the interface of the IPv4 default route in
// /proc/net/route; "" when there is none.
func defaultRouteInterface(root string) string {
	b, err := os.ReadFile(filepath.Join(root, "proc/net/route"))
	if err != nil {
		return ""
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 8 && f[1] == "00000000" && f[7] == "00000000" {
			return f[0]
		}
	}
	return ""
}

// primaryIP picks the address to report: the first IPv4 address of the
// default route's interface, else the first IPv4 address of any interface
// that is up and not a loopback, else the first such global IPv6 address.
func primaryIP(ifs []Interface, defaultIf string) (netip.Addr, bool) {
	usable := func(i Interface) bool { return i.Up && !i.Loopback }
	ok4 := func(a netip.Addr) bool { return a.Is4() && !a.IsLoopback() && !a.IsLinkLocalUnicast() }
	ok6 := func(a netip.Addr) bool { return a.Is6() && a.IsGlobalUnicast() }
	if i := slices.IndexFunc(ifs, func(i Interface) bool { return i.Name == defaultIf }); i >= 0 && usable(ifs[i]) {
		if j := slices.IndexFunc(ifs[i].Addrs, ok4); j >= 0 {
			return ifs[i].Addrs[j], true
		}
	}
	for _, ok := range []func(netip.Addr) bool{ok4, ok6} {
		for _, i := range ifs {
			if !usable(i) {
				continue
			}
			if j := slices.IndexFunc(i.Addrs, ok); j >= 0 {
				return i.Addrs[j], true
			}
		}
	}
	return netip.Addr{}, false
}

// hostInterfaces lists the host's interfaces through package net.
func hostInterfaces() ([]Interface, error) {
	nifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("list interfaces: %w", err)
	}
	var ifs []Interface
	for _, ni := range nifs {
		i := Interface{Name: ni.Name, Up: ni.Flags&net.FlagUp != 0, Loopback: ni.Flags&net.FlagLoopback != 0}
		addrs, err := ni.Addrs()
		if err != nil {
			continue
		}
		for _, ad := range addrs {
			if n, ok := ad.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					i.Addrs = append(i.Addrs, ip.Unmap())
				}
			}
		}
		ifs = append(ifs, i)
	}
	return ifs, nil
}

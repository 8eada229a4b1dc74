package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// profile is what a simulated device is and never changes: drawn from the
// fleet's seed and the device's index alone (and, for dates, the month the
// fleet was created in).
type profile struct {
	hardwareID string
	name       string
	personal   bool
	model      *model
	gms        bool
	os         int
	patch      string // security patch level, YYYY-MM-DD
	pending    string // pending OS update, "" for none
	serial     string // "" on personal devices: a work profile cannot read it
	sim        *protocol.SIM
	ip         string // "" on personal devices
	signature  string // the build fingerprint
	gps        bool   // location services on (company devices only report it)
	battery    batteryProfile
}

// country is where a fleet's SIM cards come from.
type country struct {
	code  string // E.164 country code, also in the ICCID
	phone func(r *rand.Rand) string
}

var countries = []country{
	{"49", func(r *rand.Rand) string { return "+4915" + pick(r, "1279") + digits(r, 8) }},
	{"44", func(r *rand.Rand) string { return "+447" + pick(r, "456789") + digits(r, 8) }},
	{"33", func(r *rand.Rand) string { return "+33" + pick(r, "67") + digits(r, 8) }},
	{"31", func(r *rand.Rand) string { return "+316" + digits(r, 8) }},
	{"1", func(r *rand.Rand) string {
		return "+1" + pick(r, "23456789") + digits(r, 2) + pick(r, "23456789") + digits(r, 6)
	}},
}

// fleetCountry picks the fleet's country and two carriers' ICCID issuer
// numbers from the seed.
func fleetCountry(seed int64) (country, [2]string) {
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed_c0de))
	c := countries[r.IntN(len(countries))]
	return c, [2]string{digits(r, 2), digits(r, 2)}
}

// newProfile draws device i of a fleet. start is the fleet's creation time:
// patch levels are counted back from its month.
func newProfile(seed int64, i int, personalShare float64, start time.Time, ctry country, carriers [2]string) *profile {
	r := rand.New(rand.NewPCG(uint64(seed), uint64(i)))
	p := &profile{personal: r.Float64() < personalShare}

	weights := make([]int, len(models))
	for j := range models {
		weights[j] = models[j].Company
		if p.personal {
			weights[j] = models[j].Personal
		}
	}
	p.model = &models[weighted(r, weights)]
	m := p.model
	p.gms = r.Float64() >= m.NoGMSShare

	var osw []int
	for v := m.MinOS; v <= m.MaxOS; v++ {
		osw = append(osw, osWeights[v])
	}
	p.os = m.MinOS + weighted(r, osw)

	// Patch level: most devices within a few months, a tail far behind,
	// older OS versions further behind.
	behind := 0
	switch x := r.Float64(); {
	case x < 0.40:
		behind = r.IntN(2)
	case x < 0.75:
		behind = 2 + r.IntN(3)
	case x < 0.95:
		behind = 5 + r.IntN(8)
	default:
		behind = 13 + r.IntN(18)
	}
	behind += 2 * (m.MaxOS - p.os)
	first := time.Date(start.Year(), start.Month(), 1, 0, 0, 0, 0, time.UTC)
	p.patch = first.AddDate(0, -behind, m.PatchDay-1).Format(time.DateOnly)
	// A pending update is the next OS version, or the next patch level.
	switch {
	case p.os < m.MaxOS && r.Float64() < 0.25:
		p.pending = strconv.Itoa(p.os + 1)
	case behind > 0 && r.Float64() < 0.08:
		p.pending = first.AddDate(0, 0, m.PatchDay-1).Format(time.DateOnly)
	}

	serial := pattern(r, m.Serial)
	hw := sha256.Sum256(fmt.Appendf(nil, "steward-sim/%d/%d/%s", seed, i, serial))
	p.hardwareID = hex.EncodeToString(hw[:16])
	p.signature = fingerprint(m, p.os, p.patch)

	if p.personal {
		// A work profile cannot read the serial, the SIM or the phone
		// number; the IP address of someone's home is left out too.
		p.name = m.Name // Android's default device name
	} else {
		p.serial = serial
		prefix := map[kind]string{kindPhone: "PHONE", kindRugged: "SCAN", kindTablet: "TAB"}[m.Kind]
		p.name = fmt.Sprintf("%s-%04d", prefix, i+1)
		p.gps = r.Float64() < 0.75
		if m.Cellular && r.Float64() < 0.9 {
			p.sim = &protocol.SIM{
				IMEI:        imei(r, m),
				ICCID:       iccid(r, ctry.code, carriers[r.IntN(2)]),
				PhoneNumber: ctry.phone(r),
			}
		}
		if p.sim != nil && r.Float64() < 0.4 {
			p.ip = cgnat(r)
		} else {
			p.ip = fmt.Sprintf("10.%d.%d.%d", 10+r.IntN(20), r.IntN(256), 2+r.IntN(250))
		}
	}
	p.battery = newBatteryProfile(r, m.Kind, p.personal)
	return p
}

// fingerprint is the build fingerprint (Build.FINGERPRINT) of a model's
// build for an OS version and patch level, the same on every unit:
// brand/product/device:version/build-id/incremental:type/tags.
func fingerprint(m *model, osVersion int, patch string) string {
	prefix := map[int]string{11: "RKQ1", 12: "SP1A", 13: "TP1A", 14: "UP1A", 15: "AP3A"}[osVersion]
	h := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d/%s", m.Manufacturer, m.Name, osVersion, patch))
	date := strings.ReplaceAll(patch[2:], "-", "")
	build := fmt.Sprintf("%s.%s.%03d", prefix, date, int(h[0])%20+1)
	incremental := fmt.Sprintf("%d", (uint32(h[1])<<16|uint32(h[2])<<8|uint32(h[3]))%9_000_000+1_000_000)
	brand := strings.ToLower(m.Manufacturer)
	return fmt.Sprintf("%s/%s/%s:%d/%s/%s:user/release-keys", brand, m.Codename, m.Codename, osVersion, build, incremental)
}

// weighted returns an index drawn with the given weights.
func weighted(r *rand.Rand, w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	n := r.IntN(total)
	for i, x := range w {
		if n < x {
			return i
		}
		n -= x
	}
	return len(w) - 1
}

func pick(r *rand.Rand, set string) string {
	i := r.IntN(len(set))
	return set[i : i+1]
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// pattern fills a serial pattern: # digit, @ upper-case letter, * letter or
// digit, ? lower-case hex digit; anything else is kept.
func pattern(r *rand.Rand, p string) string {
	const upper = "ABCDEFGHJKLMNPRSTVWXYZ" // no I, O, Q, U: as OEMs avoid them
	b := []byte(p)
	for i, c := range b {
		switch c {
		case '#':
			b[i] = byte('0' + r.IntN(10))
		case '@':
			b[i] = upper[r.IntN(len(upper))]
		case '*':
			b[i] = (upper + "0123456789")[r.IntN(len(upper)+10)]
		case '?':
			b[i] = "0123456789abcdef"[r.IntN(16)]
		}
	}
	return string(b)
}

func cgnat(r *rand.Rand) string {
	return fmt.Sprintf("100.%d.%d.%d", 64+r.IntN(64), r.IntN(256), 1+r.IntN(254))
}

// imei is a 15-digit IMEI: an 8-digit type allocation code (reporting body
// 35, the rest fixed per model), a 6-digit serial and the Luhn check digit.
func imei(r *rand.Rand, m *model) string {
	h := sha256.Sum256([]byte(m.Manufacturer + m.Name))
	tac := fmt.Sprintf("35%06d", (uint32(h[0])<<16|uint32(h[1])<<8|uint32(h[2]))%1_000_000)
	body := tac + digits(r, 6)
	return body + luhn(body)
}

// iccid is a 20-digit ICCID: 89 (telecom), the country code, the issuer,
// the account number and the Luhn check digit.
func iccid(r *rand.Rand, countryCode, issuer string) string {
	cc := countryCode
	if len(cc) == 1 {
		cc = "0" + cc
	}
	body := "89" + cc + issuer
	body += digits(r, 19-len(body))
	return body + luhn(body)
}

// luhn returns the check digit that makes body+digit pass the Luhn test.
func luhn(body string) string {
	sum := 0
	double := true // the check digit will be rightmost, so the last body digit is doubled
	for i := len(body) - 1; i >= 0; i-- {
		d := int(body[i] - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return strconv.Itoa((10 - sum%10) % 10)
}

// batteryProfile is how a device's battery behaves. The level follows a
// cycle: it drains while unplugged until the user plugs in (below PlugBelow)
// and charges until unplugged (at UnplugAt). Docked devices stay plugged.
type batteryProfile struct {
	start     float64 // level at the fleet's creation, percent
	charging  bool    // plugged in at the fleet's creation
	drain     float64 // percent per hour, unplugged
	charge    float64 // percent per hour, plugged
	plugBelow float64
	unplugAt  float64
	docked    bool // kiosk tablets and cradled scanners: always plugged
	hot       bool // overheats while charging (in a vehicle, in the sun)
	cold      bool // reports "cold" while unplugged (cold-store scanners)
}

func newBatteryProfile(r *rand.Rand, k kind, personal bool) batteryProfile {
	b := batteryProfile{
		charge:    35 + 25*r.Float64(), // 35–60 %/h
		plugBelow: 10 + 25*r.Float64(), // 10–35 %
		unplugAt:  85 + 15*r.Float64(), // 85–100 %
	}
	switch k {
	case kindRugged:
		b.drain = 6 + 6*r.Float64() // a scanning shift
		b.cold = r.Float64() < 0.1
	case kindTablet:
		b.drain = 2 + 4*r.Float64()
		b.docked = !personal && r.Float64() < 0.5
	default:
		b.drain = 2.5 + 6*r.Float64()
	}
	b.hot = r.Float64() < 0.03
	b.charging = b.docked || r.Float64() < 0.3
	b.start = b.plugBelow + (b.unplugAt-b.plugBelow)*r.Float64()
	if b.docked {
		b.start = 100
	}
	return b
}

// battery is a device's battery state at a time.
type battery struct {
	level    float64
	charging bool
	at       time.Time
}

// advance moves the battery state to now along its profile's cycle.
func (b *battery) advance(p *batteryProfile, now time.Time) {
	if !now.After(b.at) {
		return
	}
	if p.docked {
		b.level, b.charging, b.at = 100, true, now
		return
	}
	hours := now.Sub(b.at).Hours()
	b.at = now
	// Whole cycles change nothing: skip them so long gaps cost no loop.
	span := p.unplugAt - p.plugBelow
	cycle := span/p.drain + span/p.charge
	if hours > cycle {
		hours -= cycle * float64(int(hours/cycle))
	}
	for hours > 0 {
		if b.charging {
			need := (p.unplugAt - b.level) / p.charge
			if need > hours {
				b.level += p.charge * hours
				return
			}
			hours -= max(need, 0)
			b.level, b.charging = p.unplugAt, false
		} else {
			need := (b.level - p.plugBelow) / p.drain
			if need > hours {
				b.level -= p.drain * hours
				return
			}
			hours -= max(need, 0)
			b.level, b.charging = p.plugBelow, true
		}
	}
}

// report is the battery as the device reports it.
func (b *battery) report(p *batteryProfile) *protocol.Battery {
	health := "good"
	switch {
	case p.hot && b.charging:
		health = "overheat"
	case p.cold && !b.charging:
		health = "cold"
	}
	lvl := int(b.level + 0.5)
	return &protocol.Battery{Level: min(max(lvl, 0), 100), Charging: b.charging, Health: health}
}

// initialApps draws the apps installed on a device. Personal devices hold
// personal apps besides the work profile's; only the latter are reported.
func initialApps(seed int64, i int, p *profile) []app {
	r := rand.New(rand.NewPCG(uint64(seed)^0xa995, uint64(i)))
	var apps []app
	add := func(a *catalogApp, work bool) {
		for _, x := range apps {
			if x.cat == a && x.work == work {
				return
			}
		}
		// Most devices lag a few updates behind the catalogue's version.
		code := a.baseCode() + int64(r.IntN(6))
		apps = append(apps, app{cat: a, code: code, work: work})
	}
	sample := func(group string, share float64, work bool) {
		for _, a := range appGroups[group] {
			if r.Float64() < share {
				add(a, work)
			}
		}
	}
	choose := func(n int, work bool, groups ...string) {
		var pool []*catalogApp
		for _, g := range groups {
			pool = append(pool, appGroups[g]...)
		}
		for _, k := range r.Perm(len(pool))[:min(n, len(pool))] {
			add(pool[k], work)
		}
	}

	sample("aosp", 0.85, false)
	if p.gms {
		sample("gms", 0.9, false)
	}
	if p.model.Vendor != "" {
		sample(p.model.Vendor, 0.85, false)
	}
	switch {
	case p.personal:
		choose(8+r.IntN(20), false, "personal")
		for _, pkg := range workProfileSystem {
			if r.Float64() < 0.8 {
				add(appByPackage[pkg], true)
			}
		}
		choose(2+r.IntN(14), true, "business")
	case p.model.Kind == kindRugged:
		choose(2+r.IntN(8), false, "rugged", "business")
	default:
		choose(3+r.IntN(25), false, "business")
	}
	for tries := 0; len(apps) < 30 && !p.personal && tries < 100; tries++ {
		choose(1, false, "business")
	}
	if len(apps) > 120 {
		apps = apps[:120]
	}
	return apps
}

// app is an installed app. Its version name is derived from the code, so
// the catalogue's strings are shared by every device.
type app struct {
	cat  *catalogApp
	code int64
	work bool
}

func (a app) wire(osVersion int) protocol.App {
	code := a.code
	if a.cat.Platform {
		code = int64(sdkLevels[osVersion])
	}
	return protocol.App{
		Package: a.cat.Package, Name: a.cat.Name, VersionName: a.cat.versionName(code, osVersion),
		VersionCode: code, WorkProfile: a.work, System: a.cat.System,
	}
}

// catalogueOrNew returns the catalogue entry for a package, or a new entry
// for an app the catalogue does not know (installed by command).
func catalogueOrNew(pkg string) *catalogApp {
	if a, ok := appByPackage[pkg]; ok {
		return a
	}
	name := pkg[strings.LastIndexByte(pkg, '.')+1:]
	return &catalogApp{Package: pkg, Name: name, Major: 1}
}

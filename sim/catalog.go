package sim

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is a device's form factor, which decides its name, battery use and
// business apps.
type kind uint8

const (
	kindPhone kind = iota
	kindRugged
	kindTablet
)

// model is one Android device model of the catalogue.
type model struct {
	Manufacturer string
	Name         string // marketing name, as the console shows it
	Kind         kind
	MinOS, MaxOS int    // Android versions this model runs within 11–15
	Cellular     bool   // has a modem (IMEI) and takes a SIM
	Serial       string // serial pattern: # digit, @ letter, * letter or digit, ? hex digit; others literal
	PatchDay     int    // day of the month security patch levels carry (Google uses the 5th)
	// Weights of the model among company-owned and personal devices.
	Company, Personal int
	// Vendor names the OEM app group installed on it (see appGroups).
	Vendor string
	// NoGMSShare is the share of units sold without Google Mobile Services
	// (rugged AOSP builds).
	NoGMSShare float64
	// Codename is the device name in the build fingerprint.
	Codename string
}

// models is the device catalogue: real models with the Android versions
// they shipped with or were upgraded to (clipped to 11–15).
var models = []model{
	{"Samsung", "Galaxy A54 5G", kindPhone, 13, 15, true, "R5C@@#*****", 1, 14, 10, "samsung", 0, "a54x"},
	{"Samsung", "Galaxy S23", kindPhone, 13, 15, true, "R3C@@#*****", 1, 6, 8, "samsung", 0, "dm1q"},
	{"Samsung", "Galaxy A14", kindPhone, 13, 15, true, "R9Y@@#*****", 1, 6, 6, "samsung", 0, "a14"},
	{"Samsung", "Galaxy XCover 6 Pro", kindRugged, 12, 15, true, "R5C@@#*****", 1, 9, 0, "samsung", 0, "xcover6pro"},
	{"Samsung", "Galaxy Tab Active4 Pro", kindTablet, 12, 15, true, "R52@@#*****", 1, 3, 0, "samsung", 0, "gtact4pro"},
	{"Samsung", "Galaxy Tab A8", kindTablet, 11, 14, false, "R9P@@#*****", 1, 3, 2, "samsung", 0, "gta8wifi"},
	{"Google", "Pixel 7a", kindPhone, 13, 15, true, "3#####@@@#####", 5, 6, 8, "pixel", 0, "lynx"},
	{"Google", "Pixel 8", kindPhone, 14, 15, true, "4#####@@@#####", 5, 4, 9, "pixel", 0, "shiba"},
	{"Google", "Pixel 6a", kindPhone, 12, 15, true, "2#####@@@#####", 5, 3, 5, "pixel", 0, "bluejay"},
	{"Zebra", "TC52", kindRugged, 11, 11, false, "2##########", 1, 8, 0, "zebra", 0.3, "TC52"},
	{"Zebra", "TC58", kindRugged, 11, 14, true, "2##########", 1, 5, 0, "zebra", 0.3, "TC58"},
	{"Zebra", "TC21", kindRugged, 11, 14, false, "2##########", 1, 3, 0, "zebra", 0.3, "TC21"},
	{"Honeywell", "CT40", kindRugged, 11, 11, false, "2###@@####", 1, 4, 0, "honeywell", 0.2, "CT40"},
	{"Honeywell", "CT45 XP", kindRugged, 11, 14, true, "2###@@####", 1, 2, 0, "honeywell", 0.2, "CT45"},
	{"Lenovo", "Tab M10 (3rd Gen)", kindTablet, 11, 12, false, "HA1*****", 1, 4, 1, "lenovo", 0, "TB328F"},
	{"Xiaomi", "Redmi Note 12", kindPhone, 13, 14, true, "????????", 1, 1, 6, "xiaomi", 0, "tapas"},
	{"Motorola", "moto g54 5G", kindPhone, 13, 14, true, "ZY22*****@", 1, 2, 3, "motorola", 0, "cancunf"},
	{"OnePlus", "Nord CE 3 Lite 5G", kindPhone, 13, 15, true, "????????", 1, 0, 3, "", 0, "larry"},
	{"Nokia", "G22", kindPhone, 12, 14, true, "PT#####@#####", 1, 1, 1, "", 0, "QKS"},
}

// osWeights weighs Android 11–15 across fleets today: most devices on
// 13–15, a long tail of rugged devices that stopped at 11 or 12.
var osWeights = map[int]int{11: 10, 12: 12, 13: 22, 14: 32, 15: 24}

// sdkLevels maps Android versions to API levels.
var sdkLevels = map[int]int{11: 30, 12: 31, 13: 33, 14: 34, 15: 35}

// catalogApp is one app of the catalogue. Platform apps carry the OS
// version as their version; others count up from major.minor.patch.
type catalogApp struct {
	Package  string
	Name     string
	System   bool
	Platform bool
	Major    int
	Minor    int
	Patch    int
}

// baseCode is the version code of the catalogue's version.
func (a *catalogApp) baseCode() int64 {
	return int64(a.Major)*1_000_000 + int64(a.Minor)*1_000 + int64(a.Patch)
}

// versionName is the version name that goes with a version code.
func (a *catalogApp) versionName(code int64, osVersion int) string {
	if a.Platform {
		return strconv.Itoa(osVersion)
	}
	d := code - a.baseCode()
	if d < 0 {
		d = 0
	}
	return fmt.Sprintf("%d.%d.%d", a.Major, a.Minor, int64(a.Patch)+d)
}

// appGroups holds the catalogue by group: "aosp" (platform apps on every
// device), "gms" (Google Mobile Services), one group per OEM, "business"
// (office and line-of-business apps), "rugged" (warehouse and field apps)
// and "personal" (apps people install themselves; never reported from a
// work profile). A package appears in one group only.
var appGroups = parseApps(appTable)

// appTable lists the catalogue, one app a line: group|package|name|version,
// with version "platform" for apps versioned with the OS.
const appTable = `
aosp|com.android.settings|Settings|platform
aosp|com.android.systemui|System UI|platform
aosp|com.android.phone|Phone Services|platform
aosp|com.android.shell|Shell|platform
aosp|com.android.bluetooth|Bluetooth|platform
aosp|com.android.nfc|NFC Service|platform
aosp|com.android.providers.contacts|Contacts Storage|platform
aosp|com.android.providers.media|Media Storage|platform
aosp|com.android.providers.downloads|Download Manager|platform
aosp|com.android.providers.calendar|Calendar Storage|platform
aosp|com.android.providers.telephony|Phone and Messaging Storage|platform
aosp|com.android.providers.settings|Settings Storage|platform
aosp|com.android.location.fused|Fused Location|platform
aosp|com.android.printspooler|Print Spooler|platform
aosp|com.android.keychain|Key Chain|platform
aosp|com.android.vpndialogs|VpnDialogs|platform
aosp|com.android.wallpaperbackup|Wallpaper Backup|platform
aosp|com.android.inputdevices|Input Devices|platform
aosp|com.android.certinstaller|Certificate Installer|platform
aosp|com.android.externalstorage|External Storage|platform
aosp|com.android.mtp|MTP Host|platform
aosp|com.android.cellbroadcastreceiver|Wireless Emergency Alerts|platform
aosp|com.android.stk|SIM Toolkit|platform
aosp|com.android.server.telecom|Call Management|platform
aosp|com.android.dynsystem|Dynamic System Updates|platform
aosp|com.android.emergency|Emergency Information|platform
aosp|com.android.managedprovisioning|Work Setup|platform
aosp|com.android.htmlviewer|HTML Viewer|platform
aosp|com.android.companiondevicemanager|Companion Device Manager|platform
aosp|com.android.carrierconfig|Carrier Config|platform
aosp|com.android.traceur|System Tracing|platform
aosp|com.android.bips|Default Print Service|platform
aosp|com.android.egg|Android S Easter Egg|platform
gms|com.google.android.gms|Google Play services|24.49.33
gms|com.android.vending|Google Play Store|43.8.19
gms|com.google.android.gsf|Google Services Framework|14.0.1
gms|com.google.android.webview|Android System WebView|131.0.6778
gms|com.android.chrome|Chrome|131.0.6778
gms|com.google.android.apps.maps|Maps|11.156.1
gms|com.google.android.youtube|YouTube|19.49.37
gms|com.google.android.gm|Gmail|2024.12.01
gms|com.google.android.googlequicksearchbox|Google|15.48.32
gms|com.google.android.apps.photos|Google Photos|7.11.0
gms|com.google.android.inputmethod.latin|Gboard|14.8.5
gms|com.google.android.tts|Speech Recognition and Synthesis|2024.11.27
gms|com.google.android.apps.messaging|Messages|2024.11.26
gms|com.google.android.calendar|Google Calendar|2024.46.0
gms|com.google.android.apps.docs|Google Drive|2.24.477
gms|com.google.android.apps.tachyon|Google Meet|254.0.7
gms|com.google.android.packageinstaller|Package installer|35.0.4
gms|com.google.android.permissioncontroller|Permission controller|35.1.0
gms|com.google.android.apps.wellbeing|Digital Wellbeing|1.0.6889
gms|com.google.android.feedback|Market Feedback Agent|8.1.0
gms|com.google.ar.core|Google Play Services for AR|1.46.243
gms|com.google.android.apps.turbo|Device Health Services|1.6.0
gms|com.google.android.projection.gearhead|Android Auto|13.4.6
pixel|com.google.android.apps.nexuslauncher|Pixel Launcher|15.0.12
pixel|com.google.android.GoogleCamera|Pixel Camera|9.6.106
pixel|com.google.android.dialer|Phone|153.0.6
pixel|com.google.android.contacts|Contacts|4.44.18
pixel|com.google.android.deskclock|Clock|7.10.0
pixel|com.google.android.calculator|Calculator|8.6.0
pixel|com.google.android.apps.safetyhub|Personal Safety|2024.11.18
pixel|com.google.android.apps.walletnfcrel|Google Wallet|24.47.0
pixel|com.google.android.as|Android System Intelligence|1.0.0
pixel|com.google.android.apps.pixelmigrate|Data Restore Tool|1.0.6
samsung|com.sec.android.app.launcher|One UI Home|15.1.5
samsung|com.samsung.android.messaging|Samsung Messages|15.1.10
samsung|com.sec.android.app.camera|Camera|14.1.1
samsung|com.samsung.android.dialer|Phone|15.0.4
samsung|com.samsung.android.app.contacts|Contacts|15.0.1
samsung|com.sec.android.gallery3d|Gallery|15.0.5
samsung|com.samsung.android.calendar|Calendar|12.5.0
samsung|com.sec.android.app.myfiles|My Files|15.0.0
samsung|com.samsung.android.app.notes|Samsung Notes|4.4.26
samsung|com.sec.android.app.sbrowser|Samsung Internet|26.0.3
samsung|com.sec.android.app.samsungapps|Galaxy Store|6.6.26
samsung|com.samsung.android.lool|Device care|15.0.0
samsung|com.samsung.knox.securefolder|Secure Folder|1.9.10
samsung|com.samsung.android.knox.attestation|Knox Attestation Agent|3.0.0
samsung|com.samsung.android.email.provider|Samsung Email|6.1.99
samsung|com.samsung.android.app.smartcapture|Smart Capture|7.0.0
samsung|com.samsung.android.oneconnect|SmartThings|1.8.23
samsung|com.samsung.android.spay|Samsung Wallet|6.0.71
samsung|com.samsung.android.bixby.agent|Bixby Voice|3.3.42
zebra|com.symbol.datawedge|DataWedge|15.0.2
zebra|com.symbol.mxmf|MX Management Framework|13.5.0
zebra|com.symbol.enterprisehomescreen|Enterprise Home Screen|6.0.11
zebra|com.symbol.emdk.emdkservice|EMDK Service|13.0.7
zebra|com.symbol.tool.stagenow|StageNow|13.4.0
zebra|com.zebra.oemconfig.release|Zebra OEMConfig|13.1.0
zebra|com.zebra.mdna.els|Zebra Licensing|6.3.1
honeywell|com.intermec.datacollectionservice|Data Collection Service|5.3.4
honeywell|com.honeywell.oemconfig|Honeywell OEMConfig|3.2.0
honeywell|com.honeywell.launcher|Honeywell Launcher|2.3.1
honeywell|com.honeywell.tools.honset|Honeywell Settings|1.10.4
xiaomi|com.miui.securitycenter|Security|8.9.4
xiaomi|com.miui.gallery|Gallery|3.6.8
xiaomi|com.miui.home|System launcher|4.39.14
xiaomi|com.xiaomi.mipicks|GetApps|39.1.0
xiaomi|com.miui.cleaner|Cleaner|4.4.3
xiaomi|com.android.thememanager|Themes|4.5.0
xiaomi|com.miui.notes|Notes|4.26.0
xiaomi|com.mi.android.globalFileexplorer|File Manager|1.6.0
xiaomi|com.xiaomi.scanner|Scanner|13.2.0
motorola|com.motorola.launcher3|Moto App Launcher|15.0.0
motorola|com.motorola.camera3|Moto Camera 3|9.0.78
motorola|com.motorola.moto|Moto|10.0.41
motorola|com.motorola.ccc.ota|Motorola Update Services|7.0.0
lenovo|com.lenovo.levoice.trigger|Lenovo Voice|2.2.0
lenovo|com.tblenovo.launcher|Lenovo Launcher|12.0.2
business|com.microsoft.teams|Microsoft Teams|1416.1.0
business|com.microsoft.office.outlook|Microsoft Outlook|4.2449.1
business|com.microsoft.office.word|Microsoft Word|16.0.18227
business|com.microsoft.office.excel|Microsoft Excel|16.0.18227
business|com.microsoft.office.powerpoint|Microsoft PowerPoint|16.0.18227
business|com.microsoft.skydrive|Microsoft OneDrive|7.17.0
business|com.microsoft.sharepoint|Microsoft SharePoint|4.2448.1
business|com.microsoft.office.officehubrow|Microsoft 365 (Office)|16.0.18227
business|com.microsoft.emmx|Microsoft Edge|131.0.2903
business|com.azure.authenticator|Microsoft Authenticator|6.2411.7
business|com.slack|Slack|24.12.10
business|us.zoom.videomeetings|Zoom Workplace|6.3.0
business|com.google.android.apps.docs.editors.docs|Google Docs|1.24.482
business|com.google.android.apps.docs.editors.sheets|Google Sheets|1.24.482
business|com.google.android.apps.docs.editors.slides|Google Slides|1.24.482
business|com.google.android.keep|Google Keep|5.24.482
business|com.salesforce.chatter|Salesforce|248.0.1
business|com.concur.breeze|SAP Concur|9.128.0
business|com.servicenow.fulfiller|ServiceNow Agent|19.1.0
business|com.atlassian.android.jira.core|Jira Cloud|2024.12.2
business|com.atlassian.android.confluence.core|Confluence Cloud|2024.12.1
business|com.dropbox.android|Dropbox|385.2.2
business|com.box.android|Box|5.28.2
business|com.docusign.ink|DocuSign|6.5.0
business|com.adobe.reader|Adobe Acrobat Reader|24.11.0
business|com.okta.android.auth|Okta Verify|9.30.0
business|com.duosecurity.duomobile|Duo Mobile|4.72.0
business|com.cisco.anyconnect.vpn.android.avf|Cisco Secure Client|5.1.6
business|com.paloaltonetworks.globalprotect|GlobalProtect|6.2.3
business|com.wireguard.android|WireGuard|1.0.20231018
business|com.whatsapp.w4b|WhatsApp Business|2.24.25
business|com.workday.workdroidapp|Workday|2024.48.0
business|com.hubspot.android|HubSpot|6.21.0
business|com.asana.app|Asana|24.48.1
business|com.trello|Trello|2024.19.0
business|com.lastpass.lpandroid|LastPass|6.10.0
business|com.x8bit.bitwarden|Bitwarden|2024.11.1
rugged|com.wavelink.velocity|Ivanti Velocity|3.2.4
rugged|com.zebra.mdna.workcloudcommunication|Workcloud Communication|3.4.0
rugged|com.ups.mobile.android|UPS|11.46.0
rugged|com.sap.mobile.apps.sapwm|SAP Warehouse Management|2.4.0
rugged|com.manhattan.mobile.wms|Manhattan WMS Mobile|2024.1.0
rugged|com.blueyonder.wms.mobile|Blue Yonder WMS|2024.2.0
personal|com.whatsapp|WhatsApp|2.24.25
personal|com.instagram.android|Instagram|358.0.0
personal|com.facebook.katana|Facebook|493.0.0
personal|com.spotify.music|Spotify|8.9.98
personal|com.netflix.mediaclient|Netflix|8.140.0
personal|com.zhiliaoapp.musically|TikTok|37.6.3
personal|org.telegram.messenger|Telegram|11.5.3
personal|org.thoughtcrime.securesms|Signal|7.27.1
personal|com.ubercab|Uber|4.550.10003
personal|com.booking|Booking.com|50.7.0
personal|com.duolingo|Duolingo|6.7.4
personal|com.strava|Strava|398.10.0
personal|com.snapchat.android|Snapchat|13.19.0
personal|com.twitter.android|X|10.70.0
personal|com.linkedin.android|LinkedIn|4.1.1012
personal|com.reddit.frontpage|Reddit|2024.48.0
personal|com.amazon.mShop.android.shopping|Amazon Shopping|28.22.0
personal|com.paypal.android.p2pmobile|PayPal|8.74.1
personal|com.ebay.mobile|eBay|6.186.0
personal|com.airbnb.android|Airbnb|24.48.1
personal|com.pinterest|Pinterest|12.47.0
personal|com.discord|Discord|260.15.0
personal|com.google.android.apps.fitness|Google Fit|2024.11.25
personal|tv.twitch.android.app|Twitch|21.2.0
`

// parseApps reads appTable. The table is part of the program, so a
// malformed line is a bug and panics at start-up.
func parseApps(table string) map[string][]*catalogApp {
	groups := map[string][]*catalogApp{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n") {
		f := strings.Split(line, "|")
		if len(f) != 4 {
			panic("sim: bad app line " + line)
		}
		a := &catalogApp{Package: f[1], Name: f[2]}
		switch g := f[0]; {
		case f[3] == "platform":
			a.Platform, a.System = true, true
		case g != "business" && g != "rugged" && g != "personal":
			a.System = true
		}
		if !a.Platform {
			v := strings.Split(f[3], ".")
			if len(v) != 3 {
				panic("sim: bad version in " + line)
			}
			n := make([]int, 3)
			for i, s := range v {
				x, err := strconv.Atoi(s)
				if err != nil {
					panic("sim: bad version in " + line)
				}
				n[i] = x
			}
			a.Major, a.Minor, a.Patch = n[0], n[1], n[2]
		}
		groups[f[0]] = append(groups[f[0]], a)
	}
	return groups
}

// workProfileSystem are the system apps a work profile carries its own
// copies of.
var workProfileSystem = []string{"com.android.vending", "com.google.android.gms", "com.android.chrome",
	"com.google.android.apps.docs", "com.google.android.calendar", "com.google.android.packageinstaller"}

// appByPackage finds a catalogue app by package name.
var appByPackage = func() map[string]*catalogApp {
	m := map[string]*catalogApp{}
	for _, g := range appGroups {
		for _, a := range g {
			if _, dup := m[a.Package]; dup {
				panic("sim: package listed twice: " + a.Package)
			}
			m[a.Package] = a
		}
	}
	return m
}()

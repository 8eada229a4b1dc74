package service

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// Bounds of a policy's settings.
const (
	MinCheckInIntervalSeconds = 60
	MaxCheckInIntervalSeconds = 86400
	MinPasswordLength         = 4
	MaxPasswordLength         = 16
	MaxPolicyNetworks         = 50
	MaxPolicyCACerts          = 50
	MaxPolicyAppRules         = 500
	maxPEM                    = 16 << 10
)

var (
	packageName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	hexPSK      = regexp.MustCompile(`^[0-9A-Fa-f]{64}$`)
)

// securityNames are the Wi-Fi security types in words, for messages.
var securityNames = map[string]string{
	protocol.WiFiOpen: "An open network", protocol.WiFiWPA2Personal: "WPA2-Personal", protocol.WiFiWPA3Personal: "WPA3-Personal",
	protocol.WiFiWPA2Enterprise: "WPA2-Enterprise", protocol.WiFiWPA3Enterprise: "WPA3-Enterprise",
}

var eapNames = map[string]string{protocol.EAPPEAP: "PEAP", protocol.EAPTLS: "EAP-TLS", protocol.EAPTTLS: "EAP-TTLS"}

func personal(security string) bool {
	return security == protocol.WiFiWPA2Personal || security == protocol.WiFiWPA3Personal
}

func enterprise(security string) bool {
	return security == protocol.WiFiWPA2Enterprise || security == protocol.WiFiWPA3Enterprise
}

// usesPassword reports whether a network of this security and EAP method
// takes a password; usesClientKey whether it takes a client key.
func usesPassword(w *steward.WiFiSetting) bool {
	return personal(w.Security) || enterprise(w.Security) && (w.EAPMethod == protocol.EAPPEAP || w.EAPMethod == protocol.EAPTTLS)
}

func usesClientKey(w *steward.WiFiSetting) bool {
	return enterprise(w.Security) && w.EAPMethod == protocol.EAPTLS
}

// ParseCertificate reads one PEM certificate and says what it is: its
// subject, issuer, SHA-256 fingerprint (of the DER encoding, lower-case
// hex), validity and whether, at now, it is expired or expires within
// steward.CertExpiringWithin. EINVALID when the text is not exactly one
// X.509 certificate in PEM.
func ParseCertificate(text string, now time.Time) (*steward.CertInfo, *x509.Certificate, error) {
	block, rest := pem.Decode([]byte(strings.TrimSpace(text)))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, steward.Errorf(steward.EINVALID, "Not an X.509 certificate: paste one PEM block (-----BEGIN CERTIFICATE-----…).")
	}
	if strings.TrimSpace(string(rest)) != "" {
		return nil, nil, steward.Errorf(steward.EINVALID, "Give one certificate per entry.")
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, steward.Errorf(steward.EINVALID, "Not an X.509 certificate: %s.", strings.TrimPrefix(err.Error(), "x509: "))
	}
	sum := sha256.Sum256(c.Raw)
	info := &steward.CertInfo{SHA256: hex.EncodeToString(sum[:]), Subject: c.Subject.String(), Issuer: c.Issuer.String(),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
	info.Expired = now.After(c.NotAfter)
	info.Expiring = !info.Expired && c.NotAfter.Sub(now) <= steward.CertExpiringWithin
	return info, c, nil
}

// settingsInput is an edit's settings with the secrets resolved: for each
// network, the password and client key it will hold after the edit, in
// clear ("" for none), whether given in the edit or kept from the
// version before.
type settingsInput struct {
	s          *steward.PolicySettings
	passwords  []string
	clientKeys []string
}

// checkSettings validates settings whose CA certificates are parsed
// (CertInfo set by parseCACerts) and whose secrets are resolved, and
// returns every invalid field. It does not check that a kiosk app is in
// the store (that needs the store; see Service.checkKiosk).
func checkSettings(in settingsInput) steward.FieldErrors {
	var fe steward.FieldErrors
	s := in.s
	cas := map[string]bool{}
	for _, c := range s.CACerts {
		if c.CertInfo != nil {
			cas[c.SHA256] = true
		}
	}
	if len(s.WiFi) > MaxPolicyNetworks {
		fe.Add("wifi", "A policy has at most %d Wi-Fi networks.", MaxPolicyNetworks)
	}
	ssids := map[string]int{}
	for i := range s.WiFi {
		checkNetwork(&fe, fmt.Sprintf("wifi[%d]", i), &s.WiFi[i], in.passwords[i], in.clientKeys[i], cas, ssids, i)
	}

	if len(s.CACerts) > MaxPolicyCACerts {
		fe.Add("ca_certs", "A policy has at most %d CA certificates.", MaxPolicyCACerts)
	}
	for i, c := range s.CACerts {
		if utf8.RuneCountInString(c.Name) > 200 || strings.ContainsAny(c.Name, "\r\n") {
			fe.Add(fmt.Sprintf("ca_certs[%d].name", i), "A name is one line of at most 200 characters.")
		}
	}

	if len(s.Apps) > MaxPolicyAppRules {
		fe.Add("apps", "A policy has at most %d app rules.", MaxPolicyAppRules)
	}
	pkgs := map[string]int{}
	for i, a := range s.Apps {
		f := fmt.Sprintf("apps[%d]", i)
		if !validPackage(a.Package) {
			fe.Add(f+".package", "Not a package name (such as com.example.app).")
		} else if j, dup := pkgs[a.Package]; dup {
			fe.Add(f+".package", "apps[%d] already names this package.", j)
		} else {
			pkgs[a.Package] = i
		}
		switch a.Action {
		case protocol.AppRequired, protocol.AppAllowed, protocol.AppBlocked:
		default:
			fe.Add(f+".action", "Choose required, allowed or blocked.")
		}
	}

	if k := s.Kiosk; k != nil {
		if !validPackage(k.Package) {
			fe.Add("kiosk.package", "Not a package name (such as com.example.app).")
		} else if j, ok := pkgs[k.Package]; ok && s.Apps[j].Action == protocol.AppBlocked {
			fe.Add("kiosk.package", "apps[%d] blocks this app; a kiosk app cannot be blocked.", j)
		}
	}

	if p := s.Password; p != nil {
		switch p.Quality {
		case "", protocol.PasswordAny, protocol.PasswordNumeric, protocol.PasswordAlphanumeric, protocol.PasswordComplex:
		default:
			fe.Add("password.quality", "Choose any, numeric, alphanumeric or complex.")
		}
		between(&fe, "password.min_length", p.MinLength, MinPasswordLength, MaxPasswordLength, "A minimum length is %d to %d characters.")
		between(&fe, "password.max_failed_attempts", p.MaxFailedAttempts, 3, 100, "Allow %d to %d failed attempts before a wipe.")
		between(&fe, "password.screen_lock_timeout_seconds", p.ScreenLockTimeoutSec, 10, 3600, "A screen-lock timeout is %d to %d seconds.")
	}
	between(&fe, "checkin_interval_seconds", s.CheckInIntervalSeconds, MinCheckInIntervalSeconds, MaxCheckInIntervalSeconds,
		"A check-in interval is %d to %d seconds.")
	return fe
}

func between(fe *steward.FieldErrors, field string, v *int, lo, hi int, msg string) {
	if v != nil && (*v < lo || *v > hi) {
		fe.Add(field, msg, lo, hi)
	}
}

func validPackage(p string) bool { return len(p) <= 255 && packageName.MatchString(p) }

func checkNetwork(fe *steward.FieldErrors, f string, w *steward.WiFiSetting, password, clientKey string, cas map[string]bool, ssids map[string]int, i int) {
	switch {
	case w.SSID == "":
		fe.Add(f+".ssid", "An SSID is required.")
	case len(w.SSID) > 32:
		fe.Add(f+".ssid", "An SSID has at most 32 bytes.")
	case !utf8.ValidString(w.SSID) || strings.ContainsAny(w.SSID, "\x00\r\n"):
		fe.Add(f+".ssid", "An SSID is one line of text.")
	default:
		if j, dup := ssids[w.SSID]; dup {
			fe.Add(f+".ssid", "wifi[%d] already has this SSID.", j)
		}
		ssids[w.SSID] = i
	}
	name, ok := securityNames[w.Security]
	if !ok {
		fe.Add(f+".security", "Choose open, wpa2_personal, wpa3_personal, wpa2_enterprise or wpa3_enterprise.")
		return
	}
	ent := enterprise(w.Security)
	if !ent {
		for _, x := range []struct{ field, v string }{{"eap_method", w.EAPMethod}, {"identity", w.Identity},
			{"client_cert_pem", w.ClientCertPEM}, {"domain_suffix_match", w.DomainSuffixMatch}} {
			if x.v != "" {
				fe.Add(f+"."+x.field, "Only enterprise networks take this.")
			}
		}
		if clientKey != "" {
			fe.Add(f+".client_key_pem", "Only EAP-TLS networks take a client key.")
		}
	}
	switch {
	case w.Security == protocol.WiFiOpen:
		if password != "" {
			fe.Add(f+".password", "An open network takes no password.")
		}
	case personal(w.Security):
		if n := len(password); (n < 8 || n > 63) && !hexPSK.MatchString(password) {
			fe.Add(f+".password", "%s needs 8 to 63 characters.", name)
		} else if !printableASCII(password) {
			fe.Add(f+".password", "A WPA passphrase is printable ASCII characters.")
		}
	}
	if w.CACertSHA256 != "" {
		if !sha256Hex.MatchString(w.CACertSHA256) {
			fe.Add(f+".ca_cert_sha256", "Give the certificate's SHA-256 fingerprint in lower-case hex.")
		} else if !cas[w.CACertSHA256] {
			fe.Add(f+".ca_cert_sha256", "This CA certificate is not in the policy: add it to the CA certificates.")
		}
	}
	if !ent {
		return
	}
	eap, ok := eapNames[w.EAPMethod]
	if !ok {
		fe.Add(f+".eap_method", "%s needs an EAP method: peap, tls or ttls.", name)
		return
	}
	if utf8.RuneCountInString(w.Identity) > 255 {
		fe.Add(f+".identity", "An identity has at most 255 characters.")
	}
	if len(w.DomainSuffixMatch) > 253 || strings.ContainsAny(w.DomainSuffixMatch, " \r\n") {
		fe.Add(f+".domain_suffix_match", "Give a domain name, such as radius.example.com.")
	}
	if w.EAPMethod != protocol.EAPTLS {
		if w.Identity == "" {
			fe.Add(f+".identity", "%s needs an identity.", eap)
		}
		if password == "" {
			fe.Add(f+".password", "%s needs a password.", eap)
		}
		if w.ClientCertPEM != "" {
			fe.Add(f+".client_cert_pem", "Only EAP-TLS takes a client certificate.")
		}
		if clientKey != "" {
			fe.Add(f+".client_key_pem", "Only EAP-TLS takes a client key.")
		}
		return
	}
	if password != "" {
		fe.Add(f+".password", "EAP-TLS takes no password: it signs in with the client certificate.")
	}
	certOK := false
	switch {
	case w.ClientCertPEM == "":
		fe.Add(f+".client_cert_pem", "EAP-TLS needs a client certificate.")
	case len(w.ClientCertPEM) > maxPEM:
		fe.Add(f+".client_cert_pem", "A certificate has at most %d KiB.", maxPEM>>10)
	default:
		if _, _, err := ParseCertificate(w.ClientCertPEM, time.Time{}); err != nil {
			fe.Add(f+".client_cert_pem", "%s", steward.ErrorMessage(err))
		} else {
			certOK = true
		}
	}
	switch {
	case clientKey == "":
		fe.Add(f+".client_key_pem", "EAP-TLS needs the client certificate's private key.")
	case len(clientKey) > maxPEM:
		fe.Add(f+".client_key_pem", "A private key has at most %d KiB.", maxPEM>>10)
	case !strings.Contains(clientKey, "PRIVATE KEY-----"):
		fe.Add(f+".client_key_pem", "Not a private key in PEM (-----BEGIN PRIVATE KEY-----…).")
	case certOK:
		if _, err := tls.X509KeyPair([]byte(w.ClientCertPEM), []byte(clientKey)); err != nil {
			fe.Add(f+".client_key_pem", "This private key does not match the client certificate (or is not a private key in PEM).")
		}
	}
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// parseCACerts parses every CA certificate of s, filling CertInfo and
// normalising the PEM; it returns the invalid ones and drops nothing.
func parseCACerts(s *steward.PolicySettings, now time.Time) steward.FieldErrors {
	var fe steward.FieldErrors
	seen := map[string]int{}
	for i := range s.CACerts {
		c := &s.CACerts[i]
		c.Name = strings.TrimSpace(c.Name)
		f := fmt.Sprintf("ca_certs[%d].pem", i)
		if len(c.PEM) > maxPEM {
			fe.Add(f, "A certificate has at most %d KiB.", maxPEM>>10)
			c.CertInfo = nil
			continue
		}
		info, cert, err := ParseCertificate(c.PEM, now)
		if err != nil {
			fe.Add(f, "%s", steward.ErrorMessage(err))
			c.CertInfo = nil
			continue
		}
		if j, dup := seen[info.SHA256]; dup {
			fe.Add(f, "ca_certs[%d] is the same certificate.", j)
		}
		seen[info.SHA256] = i
		c.CertInfo = info
		c.PEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
		if c.Name == "" {
			c.Name = cert.Subject.CommonName
		}
	}
	return fe
}

package agent

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward/protocol"
)

// Wi-Fi networks become NetworkManager connection profiles: keyfiles
// (<name>.nmconnection, mode 0600) in the folder Options.WiFiDir names,
// usually /etc/NetworkManager/system-connections. An enterprise network's
// CA certificate (and an EAP-TLS client certificate and key) go in files
// beside it, which the profile names by absolute path.

// wifiBase is the file name, without extension, of a network's profile:
// readable from the SSID, unique by a hash of it.
func wifiBase(ssid string) string {
	var b strings.Builder
	for _, r := range ssid {
		if b.Len() >= 32 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	sum := sha256.Sum256([]byte(ssid))
	return policyFilePrefix + "wifi-" + b.String() + "-" + hex.EncodeToString(sum[:4])
}

// wifiUUID is a stable UUID for a network's profile (version 5 form, from
// a SHA-256 of the SSID): NetworkManager sees a rewritten profile as the
// same connection.
func wifiUUID(ssid string) string {
	s := sha256.Sum256([]byte("steward-agent wifi " + ssid))
	s[6] = s[6]&0x0f | 0x50
	s[8] = s[8]&0x3f | 0x80
	h := hex.EncodeToString(s[:16])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// eapFiles are the files an enterprise profile names.
type eapFiles struct {
	caCert     string // "" when the network names no CA certificate
	clientCert string // EAP-TLS
	clientKey  string // EAP-TLS
}

// errWiFi is a network this agent cannot write a profile for; its message
// is the setting's detail.
type errWiFi string

func (e errWiFi) Error() string { return string(e) }

// checkWiFi says what is wrong with a network, nil if nothing.
func checkWiFi(w protocol.WiFiNetwork) error {
	if w.SSID == "" || len(w.SSID) > 32 {
		return errWiFi(fmt.Sprintf("An SSID is 1 to 32 bytes, not %d.", len(w.SSID)))
	}
	switch w.Security {
	case protocol.WiFiOpen:
	case protocol.WiFiWPA2Personal:
		n := len(w.Password)
		if !(n >= 8 && n <= 63 || n == 64 && isHex(w.Password)) {
			return errWiFi("A WPA2-Personal password is 8 to 63 characters (or 64 hexadecimal digits).")
		}
	case protocol.WiFiWPA3Personal:
		if w.Password == "" {
			return errWiFi("A WPA3-Personal network needs a password.")
		}
	case protocol.WiFiWPA2Enterprise, protocol.WiFiWPA3Enterprise:
		if w.Identity == "" {
			return errWiFi("An enterprise network needs an identity.")
		}
		switch w.EAPMethod {
		case protocol.EAPPEAP, protocol.EAPTTLS:
			if w.Password == "" {
				return errWiFi(fmt.Sprintf("EAP-%s needs a password.", strings.ToUpper(w.EAPMethod)))
			}
		case protocol.EAPTLS:
			if w.ClientCertPEM == "" || w.ClientKeyPEM == "" {
				return errWiFi("EAP-TLS needs a client certificate and its key.")
			}
		default:
			return errWiFi(fmt.Sprintf("The EAP method %q is not one this agent knows (peap, ttls, tls).", w.EAPMethod))
		}
	default:
		return errWiFi(fmt.Sprintf("The security %q is not one this agent knows.", w.Security))
	}
	return nil
}

// nmKeyfile renders a network as a NetworkManager keyfile. The network
// must pass checkWiFi; files are the absolute paths of its certificate
// files, if it has any.
func nmKeyfile(w protocol.WiFiNetwork, files eapFiles) (string, error) {
	if err := checkWiFi(w); err != nil {
		return "", err
	}
	var b strings.Builder
	line := func(key, value string) { b.WriteString(key + "=" + value + "\n") }
	b.WriteString("# Written by steward-agent from the device's policy: it rewrites or removes this file as the policy changes.\n")
	b.WriteString("[connection]\n")
	line("id", keyfileString(w.SSID))
	line("uuid", wifiUUID(w.SSID))
	line("type", "wifi")
	b.WriteString("\n[wifi]\n")
	if w.Hidden {
		line("hidden", "true")
	}
	line("mode", "infrastructure")
	line("ssid", keyfileSSID(w.SSID))
	switch w.Security {
	case protocol.WiFiWPA2Personal, protocol.WiFiWPA3Personal:
		b.WriteString("\n[wifi-security]\n")
		if w.Security == protocol.WiFiWPA3Personal {
			line("key-mgmt", "sae")
		} else {
			line("key-mgmt", "wpa-psk")
		}
		line("psk", keyfileString(w.Password))
	case protocol.WiFiWPA2Enterprise, protocol.WiFiWPA3Enterprise:
		b.WriteString("\n[wifi-security]\n")
		line("key-mgmt", "wpa-eap")
		if w.Security == protocol.WiFiWPA3Enterprise {
			line("pmf", "3") // required, as WPA3 asks
		}
		b.WriteString("\n[802-1x]\n")
		if files.caCert != "" {
			line("ca-cert", keyfileString(files.caCert))
		}
		if w.EAPMethod == protocol.EAPTLS {
			line("client-cert", keyfileString(files.clientCert))
		}
		if w.DomainSuffixMatch != "" {
			line("domain-suffix-match", keyfileString(w.DomainSuffixMatch))
		}
		line("eap", w.EAPMethod+";")
		line("identity", keyfileString(w.Identity))
		switch w.EAPMethod {
		case protocol.EAPPEAP, protocol.EAPTTLS:
			line("password", keyfileString(w.Password))
			line("phase2-auth", "mschapv2")
		case protocol.EAPTLS:
			line("private-key", keyfileString(files.clientKey))
			line("private-key-password-flags", "4") // the key is not encrypted: no password to ask for
		}
	}
	b.WriteString("\n[ipv4]\nmethod=auto\n\n[ipv6]\naddr-gen-mode=default\nmethod=auto\n\n[proxy]\n")
	return b.String(), nil
}

// keyfileString escapes a value as a GLib key file writes a string:
// backslash and line breaks escaped, a leading space or tab as \s or \t.
func keyfileString(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t' && i == 0:
			b.WriteString(`\t`)
		case r == ' ' && i == 0:
			b.WriteString(`\s`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// keyfileSSID writes an SSID as NetworkManager reads it: as text when it is
// plain (printable UTF-8 without ';' or '\', no space at either end), else
// as its bytes in decimal, each followed by ';'.
func keyfileSSID(ssid string) string {
	plain := utf8.ValidString(ssid) && !strings.HasPrefix(ssid, " ") && !strings.HasSuffix(ssid, " ") &&
		!strings.ContainsFunc(ssid, func(r rune) bool { return r < ' ' || r == 0x7f || r == ';' || r == '\\' })
	if plain {
		return ssid
	}
	var b strings.Builder
	for i := 0; i < len(ssid); i++ {
		fmt.Fprintf(&b, "%d;", ssid[i])
	}
	return b.String()
}

package agent

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// statuses are the settings' statuses as applying a policy decides them.
type statuses map[string]protocol.SettingStatus

func (s statuses) set(key, status, detail string) {
	s[key] = protocol.SettingStatus{Key: key, Status: status, Detail: protocol.CleanDetail(detail)}
}

// fail marks a setting failed unless it already is (the first reason wins).
func (s statuses) fail(key, detail string) {
	if s[key].Status != protocol.SettingFailed {
		s.set(key, protocol.SettingFailed, detail)
	}
}

// wantFile is a file the policy needs, and the settings that need it.
type wantFile struct {
	path    string
	content []byte
	mode    fs.FileMode
	kind    string
	keys    []string
}

// policyFiles works out the files p needs in the configured folders and
// the status of its Wi-Fi and CA settings so far (writing may still fail).
func (a *Agent) policyFiles(p *protocol.Policy, st statuses) []wantFile {
	var want []wantFile
	add := func(f wantFile) {
		if i := slices.IndexFunc(want, func(w wantFile) bool { return w.path == f.path }); i >= 0 {
			want[i].keys = append(want[i].keys, f.keys...) // one CA file for two networks
			return
		}
		want = append(want, f)
	}
	type checkedCA struct {
		pem []byte
		err error
	}
	cas := map[string]checkedCA{}
	for _, c := range p.CACerts {
		key := protocol.KeyCACertPrefix + c.SHA256
		pemBytes, err := checkCA(c)
		cas[strings.ToLower(c.SHA256)] = checkedCA{pemBytes, err}
		switch {
		case err != nil:
			st.set(key, protocol.SettingFailed, err.Error())
		case a.caDir == "":
			st.set(key, protocol.SettingNotApplicable, detailNoCADir)
		default:
			add(wantFile{path: filepath.Join(a.caDir, policyFilePrefix+strings.ToLower(c.SHA256)+".crt"), content: pemBytes,
				mode: 0o644, kind: fileCA, keys: []string{key}})
			st.set(key, protocol.SettingApplied, "")
		}
	}
	for _, w := range p.WiFi {
		key := protocol.KeyWiFiPrefix + w.SSID
		if a.wifiDir == "" {
			st.set(key, protocol.SettingNotApplicable, detailNoWiFiDir)
			continue
		}
		if err := checkWiFi(w); err != nil {
			st.set(key, protocol.SettingFailed, err.Error())
			continue
		}
		base := filepath.Join(a.wifiDir, wifiBase(w.SSID))
		enterprise := w.Security == protocol.WiFiWPA2Enterprise || w.Security == protocol.WiFiWPA3Enterprise
		var files eapFiles
		var extra []wantFile
		detail := ""
		if enterprise && w.CACertSHA256 != "" {
			sha := strings.ToLower(w.CACertSHA256)
			ca, ok := cas[sha]
			if !ok {
				st.set(key, protocol.SettingFailed, fmt.Sprintf("The network names the CA certificate %s, which the policy does not carry.", sha))
				continue
			}
			if ca.err != nil {
				st.set(key, protocol.SettingFailed, "Its CA certificate is not usable: "+ca.err.Error())
				continue
			}
			files.caCert = filepath.Join(a.wifiDir, policyFilePrefix+"ca-"+sha+".pem")
			extra = append(extra, wantFile{path: files.caCert, content: ca.pem, mode: 0o644, kind: fileWiFi, keys: []string{key}})
		} else if enterprise {
			detail = "No CA certificate is named: the network's server is not checked."
		}
		if enterprise && w.EAPMethod == protocol.EAPTLS {
			cert, keyPEM, err := checkClientCert(w)
			if err != nil {
				st.set(key, protocol.SettingFailed, err.Error())
				continue
			}
			files.clientCert, files.clientKey = base+".client.pem", base+".key.pem"
			extra = append(extra, wantFile{path: files.clientCert, content: cert, mode: 0o644, kind: fileWiFi, keys: []string{key}},
				wantFile{path: files.clientKey, content: keyPEM, mode: 0o600, kind: fileWiFi, keys: []string{key}})
		}
		kf, err := nmKeyfile(w, files)
		if err != nil {
			st.set(key, protocol.SettingFailed, err.Error())
			continue
		}
		for _, f := range extra {
			add(f)
		}
		add(wantFile{path: base + ".nmconnection", content: []byte(kf), mode: 0o600, kind: fileWiFi, keys: []string{key}})
		st.set(key, protocol.SettingApplied, detail)
	}
	return want
}

// checkCA checks a CA certificate: PEM, a certificate that parses, with
// the SHA-256 the policy names. It returns the certificate's PEM alone.
func checkCA(c protocol.CACert) ([]byte, error) {
	block, _ := pem.Decode([]byte(c.PEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("The certificate is not in PEM form (-----BEGIN CERTIFICATE-----).")
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return nil, fmt.Errorf("The certificate does not parse: %v.", err)
	}
	sum := sha256.Sum256(block.Bytes)
	if got := hex.EncodeToString(sum[:]); got != strings.ToLower(c.SHA256) {
		return nil, fmt.Errorf("The certificate's SHA-256 is %s, not the %s the policy names.", got, c.SHA256)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes}), nil
}

// checkClientCert checks an EAP-TLS network's certificate and key: PEM, a
// certificate that parses, a key that is not encrypted (the agent has no
// password for it).
func checkClientCert(w protocol.WiFiNetwork) (cert, key []byte, err error) {
	cb, _ := pem.Decode([]byte(w.ClientCertPEM))
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, nil, errors.New("The client certificate is not in PEM form.")
	}
	if _, err := x509.ParseCertificate(cb.Bytes); err != nil {
		return nil, nil, fmt.Errorf("The client certificate does not parse: %v.", err)
	}
	kb, _ := pem.Decode([]byte(w.ClientKeyPEM))
	switch {
	case kb == nil || !strings.HasSuffix(kb.Type, "PRIVATE KEY"):
		return nil, nil, errors.New("The client key is not a PEM private key.")
	case kb.Type == "ENCRYPTED PRIVATE KEY" || kb.Headers["Proc-Type"] != "":
		return nil, nil, errors.New("The client key is encrypted, and the policy carries no password for it.")
	}
	return pem.EncodeToMemory(cb), pem.EncodeToMemory(kb), nil
}

// syncFiles writes the files wanted that are missing or differ, removes
// the files of the manifest had that are no longer wanted (unless someone
// changed them since), runs the update command of each kind of file that
// changed, and returns the new manifest. A failure marks the settings
// concerned failed.
func (a *Agent) syncFiles(ctx context.Context, want []wantFile, had []managedFile, st statuses) []managedFile {
	var out []managedFile
	changed := map[string]bool{}
	keysOf := map[string][]string{}
	wanted := map[string]bool{}
	for _, f := range want {
		wanted[f.path] = true
		keysOf[f.kind] = append(keysOf[f.kind], f.keys...)
		kept := slices.IndexFunc(had, func(m managedFile) bool { return m.Path == f.path })
		if !slices.ContainsFunc(f.keys, func(k string) bool { return st[k].Status != protocol.SettingFailed }) {
			// Every setting that needs the file failed already (its CA
			// file could not be written): leave it as it was.
			if kept >= 0 {
				out = append(out, had[kept])
			}
			continue
		}
		entry := managedFile{Path: f.path, SHA256: sha256Hex(f.content), Kind: f.kind}
		if cur, err := os.ReadFile(f.path); err == nil && bytes.Equal(cur, f.content) {
			if fi, err := os.Stat(f.path); err == nil && fi.Mode().Perm() != f.mode {
				if err := os.Chmod(f.path, f.mode); err != nil {
					a.log.Warn("cannot set a policy file's mode", "path", f.path, "err", err)
				}
			}
			out = append(out, entry)
			continue
		}
		if err := writeFileAtomic(f.path, f.content, f.mode); err != nil {
			for _, k := range f.keys {
				st.fail(k, "Cannot write "+f.path+": "+errText(err))
			}
			if kept >= 0 {
				out = append(out, had[kept]) // still the agent's: removed once no longer wanted
			}
			continue
		}
		a.log.Info("policy file written", "path", f.path)
		changed[f.kind] = true
		out = append(out, entry)
	}
	for _, m := range had {
		if wanted[m.Path] {
			continue
		}
		cur, err := os.ReadFile(m.Path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			a.log.Warn("cannot read a policy file the policy no longer needs; trying again later", "path", m.Path, "err", err)
			out = append(out, m)
		case sha256Hex(cur) != m.SHA256:
			a.log.Warn("a file the agent wrote was changed since: left in place, and no longer the agent's", "path", m.Path)
		default:
			if err := os.Remove(m.Path); err != nil {
				a.log.Warn("cannot remove a policy file the policy no longer needs; trying again later", "path", m.Path, "err", err)
				out = append(out, m)
				continue
			}
			a.log.Info("policy file removed", "path", m.Path)
			changed[m.Kind] = true
		}
	}
	for _, k := range []struct {
		kind string
		argv []string
	}{{fileCA, a.caUpdate}, {fileWiFi, a.wifiReload}} {
		if !changed[k.kind] || len(k.argv) == 0 {
			continue
		}
		if output, err := a.exec(ctx, k.argv); err != nil {
			detail := fmt.Sprintf("%s failed: %s", strings.Join(k.argv, " "), errText(err))
			if o := strings.TrimSpace(string(output)); o != "" {
				detail += ": " + o
			}
			a.log.Warn("a policy update command failed", "command", k.argv, "err", err, "output", string(output))
			for _, key := range keysOf[k.kind] {
				st.fail(key, detail)
			}
		}
	}
	return out
}

// writeFileAtomic replaces path with content and mode: a crash leaves the
// old file or the new one. The temporary file's name starts with a dot,
// which NetworkManager and update-ca-certificates skip.
func writeFileAtomic(path string, content []byte, mode fs.FileMode) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if err := f.Chmod(mode); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(content); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// removePolicyFiles removes the files of the manifest that are unchanged
// since the agent wrote them (for a wipe). a.policyMu is held.
func (a *Agent) removePolicyFiles() error {
	st, err := a.snapshot()
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range st.Policy.Files {
		cur, err := os.ReadFile(m.Path)
		if errors.Is(err, fs.ErrNotExist) || err == nil && sha256Hex(cur) != m.SHA256 {
			continue
		}
		if err == nil {
			err = os.Remove(m.Path)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("remove policy file %s: %w", m.Path, err))
		}
	}
	return errors.Join(errs...)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// errText is an error's message for a setting's detail: a path error's
// cause, without the paths.
func errText(err error) string {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err.Error()
	case errors.As(err, &le):
		return le.Err.Error()
	}
	return err.Error()
}

// execTimeout bounds an update command.
const execTimeout = 2 * time.Minute

// runCommand runs argv and returns its combined output.
func runCommand(ctx context.Context, argv []string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, execTimeout)
	defer cancel()
	return exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
}

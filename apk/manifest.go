package apk

import (
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/avast/apkparser"

	"github.com/stewardmdm/steward"
)

const androidNS = "http://schemas.android.com/apk/res/android"

// manifestReader collects what Steward records from AndroidManifest.xml as
// apkparser decodes it: an xml token sink.
type manifestReader struct {
	info        steward.APKInfo
	sawManifest bool
	versionCode int64
	codeMajor   int64
	depth       []string // open element names
	perms       map[string]bool
	err         error
}

func (m *manifestReader) Flush() error { return nil }

func (m *manifestReader) EncodeToken(t xml.Token) error {
	switch t := t.(type) {
	case xml.StartElement:
		m.start(t)
		m.depth = append(m.depth, t.Name.Local)
	case xml.EndElement:
		if len(m.depth) > 0 {
			m.depth = m.depth[:len(m.depth)-1]
		}
	}
	return m.err
}

func (m *manifestReader) parent() string {
	if len(m.depth) == 0 {
		return ""
	}
	return m.depth[len(m.depth)-1]
}

func (m *manifestReader) start(e xml.StartElement) {
	switch parent := m.parent(); {
	case e.Name.Local == "manifest" && parent == "":
		m.sawManifest = true
		m.info.Package = attr(e, "", "package")
		m.info.VersionName = attr(e, androidNS, "versionName")
		m.versionCode = m.intAttr(e, "versionCode", 0)
		m.codeMajor = m.intAttr(e, "versionCodeMajor", 0)
	case e.Name.Local == "uses-sdk" && parent == "manifest":
		m.info.MinSDK = int(m.intAttr(e, "minSdkVersion", 1))
		m.info.TargetSDK = int(m.intAttr(e, "targetSdkVersion", int64(m.info.MinSDK)))
	case (e.Name.Local == "uses-permission" || e.Name.Local == "uses-permission-sdk-23") && parent == "manifest":
		if p := attr(e, androidNS, "name"); p != "" && !m.perms[p] {
			m.perms[p] = true
			m.info.Permissions = append(m.info.Permissions, p)
		}
	case e.Name.Local == "application" && parent == "manifest":
		m.info.Label = attr(e, androidNS, "label")
		m.info.Debuggable = attr(e, androidNS, "debuggable") == "true"
	case parent == "application":
		switch e.Name.Local {
		case "activity", "activity-alias":
			m.info.Components.Activities++
		case "service":
			m.info.Components.Services++
		case "receiver":
			m.info.Components.Receivers++
		case "provider":
			m.info.Components.Providers++
		}
	}
}

func (m *manifestReader) intAttr(e xml.StartElement, name string, def int64) int64 {
	v := attr(e, androidNS, name)
	if v == "" {
		return def
	}
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil && m.err == nil {
		m.err = fmt.Errorf("<%s android:%s=%q>: not a number", e.Name.Local, name, v)
	}
	return n
}

// attr is e's attribute space:name. apkparser names the android namespace
// by its URI; an attribute with no namespace matches space "" only.
func attr(e xml.StartElement, space, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// parseManifest reads the manifest of the zip in f, already checked by
// checkZip. A manifest that is missing, unreadable or lacks what every
// APK has (a package name, a version code) is a rejecting finding.
func parseManifest(f *os.File) (info *steward.APKInfo, finding *steward.APKFinding) {
	defer func() {
		// apkparser is meant for hostile input, but a parser bug must not
		// take the server down: contain it as a refusal.
		if p := recover(); p != nil {
			info = nil
			finding = ptr(reject(CodeManifestInvalid, "AndroidManifest.xml cannot be read (the parser failed: %v)", p))
		}
	}()
	zr, err := apkparser.OpenZipReader(f)
	if err != nil {
		return nil, ptr(reject(CodeCorruptZip, "the zip archive is damaged: %v", err))
	}
	defer zr.Close()
	if zr.File["AndroidManifest.xml"] == nil {
		return nil, ptr(reject(CodeManifestMissing, "the archive has no AndroidManifest.xml: it is not an APK"))
	}
	m := &manifestReader{perms: map[string]bool{}}
	// A resources error only means labels stay unresolved references.
	_, err = apkparser.ParseApkWithZip(zr, m)
	switch {
	case errors.Is(err, apkparser.ErrPlainTextManifest):
		return nil, ptr(reject(CodeManifestInvalid, "AndroidManifest.xml is plain text, not the binary XML of a built APK"))
	case err != nil:
		return nil, ptr(reject(CodeManifestInvalid, "AndroidManifest.xml cannot be read: %v", firstLine(err.Error())))
	case !m.sawManifest:
		return nil, ptr(reject(CodeManifestInvalid, "AndroidManifest.xml has no <manifest> element"))
	case m.info.Package == "":
		return nil, ptr(reject(CodeManifestInvalid, "AndroidManifest.xml names no package"))
	}
	m.info.VersionCode = m.codeMajor<<32 | m.versionCode&0xFFFFFFFF
	if m.info.MinSDK == 0 { // no <uses-sdk>
		m.info.MinSDK = 1
		m.info.TargetSDK = 1
	}
	if m.info.Permissions == nil {
		m.info.Permissions = []string{}
	}
	if strings.HasPrefix(m.info.Label, "@") {
		m.info.Label = "" // an unresolved resource reference says nothing to a person
	}
	return &m.info, nil
}

func ptr[T any](v T) *T { return &v }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

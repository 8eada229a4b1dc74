package sim

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward/protocol"
)

// maxDownload bounds an APK download (the server's upload limit is lower).
const maxDownload = 1 << 30

// fetchAPK downloads the APK an install_app or update_app names and checks it
// against the payload's SHA-256, as an agent does before it installs. It
// returns why the command fails, or "" when the APK is good or the command
// names no download (an app the device gets from its own store). The
// device credential goes only to the server the device enrolled with.
func (d *device) fetchAPK(ctx context.Context, cred string, c protocol.Command) string {
	if c.Type != protocol.CmdInstallApp && c.Type != protocol.CmdUpdateApp {
		return ""
	}
	var pl protocol.AppPayload
	if err := json.Unmarshal(c.Payload, &pl); err != nil || pl.URL == "" {
		return "" // apply judges the payload
	}
	u, err := url.Parse(pl.URL)
	if err != nil || u.Scheme != d.f.base.Scheme || u.Host != d.f.base.Host {
		return "download refused: " + pl.URL + " is not on the server the device enrolled with"
	}
	want := strings.ToLower(pl.SHA256)
	if len(want) != sha256.Size*2 {
		return "download refused: the command gives no SHA-256 to check the APK against"
	}
	var got string
	var n int64
	err = d.f.retry(ctx, "download", func(ctx context.Context) error {
		got, n, err = d.f.download(ctx, u.String(), cred)
		return err
	})
	var se *StatusError
	switch {
	case errors.As(err, &se) && se.Message != "":
		return fmt.Sprintf("download failed: HTTP %d: %s", se.Status, se.Message)
	case errors.As(err, &se):
		return fmt.Sprintf("download failed: HTTP %d %s", se.Status, http.StatusText(se.Status))
	case err != nil:
		return "download failed: " + err.Error()
	case got != want:
		d.f.c.downloadsBad.Add(1)
		return fmt.Sprintf("download failed: the APK's SHA-256 %s does not match the command's %s", got, want)
	}
	d.f.c.downloads.Add(1)
	d.f.c.downloadBytes.Add(n)
	return ""
}

// download GETs an APK and returns its SHA-256 (hex) and size; the body is
// hashed as it streams, never held whole.
func (f *Fleet) download(ctx context.Context, u, cred string) (string, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("User-Agent", "steward-sim/"+AgentVersion)
	req.Header.Set("Authorization", "Bearer "+cred)
	resp, err := f.client.Do(req)
	if err != nil {
		return "", 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, statusError("download", resp)
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(resp.Body, maxDownload+1))
	switch {
	case err != nil:
		return "", 0, err
	case n > maxDownload:
		return "", 0, errors.New("the APK is over 1 GiB")
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return "", 0, fmt.Errorf("%d of %d bytes", n, resp.ContentLength)
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

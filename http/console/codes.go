package console

import (
	"encoding/base64"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// codePage is how many activation codes the codes page lists.
const codePage = 200

// codeRow is an activation code with the name of its client account.
type codeRow struct {
	*steward.ActivationCode
	AccountName string
	Expired     bool
}

// createdCode is a code just issued: the only response that holds its secret.
type createdCode struct {
	*steward.ActivationCode
	AccountName string
	Enroll      string       // what the QR code holds
	QR          template.URL // the QR code as a data: URI (PNG)
}

// codesView is the data of the activation codes page.
type codesView struct {
	AccountID   string // the account whose codes are listed; "" for every account in reach
	AccountName string
	Codes       []codeRow
	Clients     []accountRow // the client accounts the actor may issue codes for
	Created     *createdCode
	Server      string // the server address devices enroll with
}

func (c *Console) codes(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.codesView(r, p, r.URL.Query().Get("account"), nil)
}

func (c *Console) againCodes(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.codesView(r, p, r.PostFormValue("account_id"), nil)
}

func (c *Console) codesView(r *http.Request, p *page, accountID string, created *createdCode) (*response, error) {
	ctx := r.Context()
	cs, err := c.svc.ActivationCodes(ctx, accountID, codePage)
	if err != nil {
		return nil, err
	}
	v := codesView{AccountID: accountID, Created: created, Server: c.enrollServer(r)}
	ids := []string{accountID}
	for _, code := range cs {
		ids = append(ids, code.AccountID)
	}
	names := c.accountNames(ctx, ids...)
	v.AccountName = names[accountID]
	now := time.Now()
	for _, code := range cs {
		v.Codes = append(v.Codes, codeRow{ActivationCode: code, AccountName: names[code.AccountID], Expired: !now.Before(code.ExpiresAt)})
	}
	if p.CanWrite() {
		clients, err := c.svc.Accounts(ctx, steward.AccountFilter{RootID: accountID, Kind: steward.AccountClient, Limit: 1000})
		if err != nil {
			return nil, err
		}
		for _, a := range clients {
			if a.DeletedAt == nil {
				v.Clients = append(v.Clients, accountRow{Account: a})
			}
		}
	}
	p.Title, p.Nav, p.Data = "Activation codes", "codes", v
	if v.AccountName != "" {
		p.Title = "Activation codes of " + v.AccountName
	}
	return render("codes")
}

// codeFields maps the service's fields to the inputs of the creation form.
var codeFields = map[string]string{"expires_at": "valid_days"}

func (c *Console) createCode(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	in := service.ActivationCodeCreate{AccountID: f.Get("account_id"), Note: f.Get("note")}
	seats, err := strconv.Atoi(strings.TrimSpace(f.Get("seats")))
	if err != nil {
		err = steward.FieldErrorf("seats", "Seats must be a whole number, such as 25.")
	}
	days := 0
	if err == nil {
		if days, err = strconv.Atoi(strings.TrimSpace(f.Get("valid_days"))); err != nil || days < 1 || days > 730 {
			err = steward.FieldErrorf("valid_days", "The validity is a whole number of days from 1 to 730.")
		}
	}
	if err != nil {
		steward.MarkAuthorized(r.Context()) // refused before any call; the page is read again below
		return refused(w, r, p, "create-code", err, c.againCodes)
	}
	in.Seats, in.ValidFor = seats, time.Duration(days)*24*time.Hour
	code, err := c.svc.CreateActivationCode(r.Context(), in)
	if err != nil {
		return refused(w, r, p, "create-code", asFormError(err, codeFields), c.againCodes)
	}
	created := &createdCode{ActivationCode: code, Enroll: enrollPayload(c.enrollServer(r), code.Code)}
	png, err := qrcode.Encode(created.Enroll, qrcode.Medium, 320)
	if err != nil {
		return nil, fmt.Errorf("activation code QR: %w", err)
	}
	// A data: URI in this response only: the secret is never served again.
	created.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	created.AccountName = c.accountNames(r.Context(), code.AccountID)[code.AccountID]
	res, err := c.codesView(r, p, code.AccountID, created)
	if err != nil {
		return nil, err
	}
	res.status = http.StatusCreated
	return res, nil
}

func (c *Console) revokeCode(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	code, err := c.svc.RevokeActivationCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return refused(w, r, p, "codes", err, c.againCodes)
	}
	return redirect(codesURL(r.PostFormValue("account_id")), "The code "+code.Prefix+"… is revoked: it enrolls no more devices, and the devices it enrolled are disabled at the next daily check.")
}

func codesURL(accountID string) string {
	if accountID == "" {
		return "/console/codes"
	}
	return "/console/codes?account=" + url.QueryEscape(accountID)
}

// enrollPayload is what an enrollment QR code holds: a URL that the agent
// (or the phone's camera, which hands it to the agent) opens:
//
//	steward://enroll?server=<server address>&code=<activation code>
func enrollPayload(server, code string) string {
	return "steward://enroll?" + url.Values{"server": {server}, "code": {code}}.Encode()
}

// enrollServer is the address devices enroll with: the configured public
// address, or else the one this request came to.
func (c *Console) enrollServer(r *http.Request) string {
	if c.opts.BaseURL != "" {
		return strings.TrimRight(c.opts.BaseURL, "/")
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if c.opts.TrustProxy {
		if p := firstHeader(r, "X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := firstHeader(r, "X-Forwarded-Host"); h != "" {
			host = h
		}
	}
	return scheme + "://" + host
}

func firstHeader(r *http.Request, name string) string {
	return strings.TrimSpace(strings.Split(r.Header.Get(name), ",")[0])
}

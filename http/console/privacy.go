package console

import "net/http"

// privacyRecords shows the records of processing activities (GDPR Art. 30)
// and the plain-language page, both generated from the data catalog.
func (c *Console) privacyRecords(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.PrivacyRecords(r.Context())
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Records of processing", "privacy-records", d
	return render("privacy_records")
}

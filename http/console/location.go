package console

import (
	"fmt"
	"math"
	"net/http"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// SeesLocation reports whether the signed-in manager may see devices'
// location and web history (owners and admins; never read-only roles).
func (p *page) SeesLocation() bool { return service.CanSeeLocation(p.Actor) }

// plotPoint is a point placed in the plot's 0–plotW × 0–plotH box.
type plotPoint struct {
	X, Y   string
	Newest bool
	Label  string
}

// Size of the location plot, in SVG units.
const (
	plotW, plotH, plotPad = 600.0, 360.0, 24.0
)

// locationView is the data of a device's location page.
type locationView struct {
	Device      *steward.Device
	AccountName string
	Points      []*steward.LocationPoint
	Plot        []plotPoint
	Path        string  // the SVG polyline through the points, oldest to newest
	SpanM       float64 // the width of the plotted area, in metres
}

// locationPage shows a device's points as a table and a plot drawn here,
// as inline SVG: no map tiles or scripts from elsewhere. The service
// records the view in the audit log.
func (c *Console) locationPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	pts, err := c.svc.DeviceLocation(ctx, r.PathValue("device"), steward.LocationCap)
	if err != nil {
		return nil, err
	}
	d, err := c.svc.Device(ctx, r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	v := locationView{Device: d, Points: pts, AccountName: c.accountNames(ctx, d.AccountID)[d.AccountID]}
	v.Plot, v.Path, v.SpanM = plot(pts)
	p.Title, p.Nav, p.Data = "Location of "+d.Name, "devices", v
	return render("location")
}

// plot projects points (newest first) onto the plot box: an
// equirectangular projection around their middle latitude, scaled to fit
// with the same scale on both axes, north up.
func plot(pts []*steward.LocationPoint) ([]plotPoint, string, float64) {
	if len(pts) == 0 {
		return nil, "", 0
	}
	minLat, maxLat, minLon, maxLon := 90.0, -90.0, 180.0, -180.0
	for _, p := range pts {
		minLat, maxLat = math.Min(minLat, p.Latitude), math.Max(maxLat, p.Latitude)
		minLon, maxLon = math.Min(minLon, p.Longitude), math.Max(maxLon, p.Longitude)
	}
	k := math.Cos((minLat + maxLat) / 2 * math.Pi / 180) // shrink longitude away from the equator
	w, h := (maxLon-minLon)*k, maxLat-minLat
	scale := math.Inf(1)
	if w > 0 {
		scale = (plotW - 2*plotPad) / w
	}
	if h > 0 {
		scale = math.Min(scale, (plotH-2*plotPad)/h)
	}
	if math.IsInf(scale, 1) {
		scale = 0 // one place: the middle
	}
	cx, cy := plotW/2-(w*scale)/2, plotH/2+(h*scale)/2
	out := make([]plotPoint, len(pts))
	path := ""
	for i := len(pts) - 1; i >= 0; i-- { // oldest first, so the newest is drawn on top
		p := pts[i]
		x := cx + (p.Longitude-minLon)*k*scale
		y := cy - (p.Latitude-minLat)*scale
		out[len(pts)-1-i] = plotPoint{X: fmt.Sprintf("%.1f", x), Y: fmt.Sprintf("%.1f", y), Newest: i == 0,
			Label: fmt.Sprintf("%.5f, %.5f at %s", p.Latitude, p.Longitude, p.RecordedAt.UTC().Format("2006-01-02 15:04 UTC"))}
		path += fmt.Sprintf("%.1f,%.1f ", x, y)
	}
	const metresPerDegree = 111_320.0
	return out, path, math.Max(w, h) * metresPerDegree
}

// webHistoryView is the data of a device's web history page.
type webHistoryView struct {
	Device      *steward.Device
	AccountName string
	Visits      []*steward.WebVisit
}

// webHistoryPage shows a device's visited pages; the service records the
// view in the audit log.
func (c *Console) webHistoryPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	vs, err := c.svc.DeviceWebHistory(ctx, r.PathValue("device"), 500)
	if err != nil {
		return nil, err
	}
	d, err := c.svc.Device(ctx, r.PathValue("device"))
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav = "Web history of "+d.Name, "devices"
	p.Data = webHistoryView{Device: d, Visits: vs, AccountName: c.accountNames(ctx, d.AccountID)[d.AccountID]}
	return render("webhistory")
}

// setPrivacy sets a client account's switches from the account page's
// form. Turning a switch off deletes data, so it needs the confirmation
// box ticked.
func (c *Console) setPrivacy(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx, f := r.Context(), r.PostForm
	cur, err := c.svc.PrivacySettings(ctx, r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	loc, web := f.Get("location") == "on", f.Get("web_history") == "on"
	if ((cur.LocationEnabled && !loc) || (cur.WebHistoryEnabled && !web)) && f.Get("confirm_delete") != "on" {
		return refused(w, r, p, "privacy", steward.FieldErrorf("confirm_delete",
			"Turning a switch off deletes that data of every device of the account. Tick the box to confirm."), c.againAccount)
	}
	in := steward.PrivacySettingsUpdate{}
	if loc != cur.LocationEnabled {
		in.LocationEnabled = &loc
	}
	if web != cur.WebHistoryEnabled {
		in.WebHistoryEnabled = &web
	}
	if in.LocationEnabled == nil && in.WebHistoryEnabled == nil {
		return redirect(accountURL(cur.AccountID)+"#privacy", "Nothing changed.")
	}
	if _, err := c.svc.SetPrivacySettings(ctx, cur.AccountID, in); err != nil {
		return refused(w, r, p, "privacy", err, c.againAccount)
	}
	msg := "The privacy switches are saved."
	if (in.LocationEnabled != nil && !loc) || (in.WebHistoryEnabled != nil && !web) {
		msg += " The data of what you turned off is deleted."
	}
	return redirect(accountURL(cur.AccountID)+"#privacy", msg)
}

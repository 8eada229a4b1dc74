package console

import (
	"context"
	"net/http"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// dashboardView is the data of the dashboard.
type dashboardView struct {
	*service.Dashboard
	Resellers, Clients int
	Names              map[string]string // account names of the recent entries
	Fleet              *service.FleetCounts
	// Connected counts the devices with a live connection to this server
	// node. It is not scoped to an account, so only the platform sees it.
	Connected int
	Platform  bool
	// Compliance counts the subtree's devices in each compliance state.
	Compliance []stateCount
}

func (c *Console) dashboard(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.Dashboard(r.Context())
	if err != nil {
		return nil, err
	}
	fleet, err := c.svc.Fleet(r.Context())
	if err != nil {
		return nil, err
	}
	compliance, err := c.svc.ComplianceCounts(r.Context())
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(d.RecentAudit))
	for _, e := range d.RecentAudit {
		ids = append(ids, e.AccountID)
	}
	p.Title, p.Nav, p.Account = "Dashboard", "dashboard", d.Account
	v := dashboardView{Dashboard: d, Resellers: d.Accounts[steward.AccountReseller], Clients: d.Accounts[steward.AccountClient],
		Names: c.accountNames(r.Context(), ids...), Fleet: fleet, Platform: p.Actor.AccountKind == steward.AccountPlatform,
		Compliance: stateCounts(compliance)}
	if v.Platform {
		v.Connected = c.svc.ConnectedCount()
	}
	p.Data = v
	return render("dashboard")
}

// accountNames looks up the names of accounts for display. Accounts out of
// the actor's reach keep no name (the page says "an account above yours").
func (c *Console) accountNames(ctx context.Context, ids ...string) map[string]string {
	names := map[string]string{}
	for _, id := range ids {
		if _, done := names[id]; done || id == "" {
			continue
		}
		names[id] = ""
		if acc, err := c.svc.Account(ctx, id); err == nil {
			names[id] = acc.Name
		}
	}
	return names
}

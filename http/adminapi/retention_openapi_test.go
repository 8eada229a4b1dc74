package adminapi_test

import (
	"github.com/stewardmdm/steward"
)

// exerciseRetention calls every route of the retention engine as the platform
// administrator (admin) and as a reseller owner (rita), checking each
// request and answer against the OpenAPI document. client is a deleted
// client account and deleted its deleted reseller.
func exerciseRetention(c *specClient, admin, rita, client, deleted, unknown string) {
	t := c.t
	t.Helper()
	c.do(specCall{method: "GET", path: "/api/v1/privacy/retention", token: admin, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/retention", token: rita, want: 403})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/sweep", token: admin, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/sweep", token: rita, want: 403})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/receipts?limit=5", token: admin, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/receipts", token: rita, want: 403})

	var hold steward.LegalHold
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds", token: admin, want: 201,
		body: map[string]any{"account_id": client, "scope": "category", "category": "device.location", "reason": "Case 7"}}).decode(t, &hold)
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds", token: admin, want: 400, badRequest: true,
		body: map[string]any{"account_id": client, "scope": "everything", "reason": "Case 8"}})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds", token: admin, want: 400,
		body: map[string]any{"account_id": client, "scope": "category", "category": "no.such", "reason": "Case 9"}})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds", token: admin, want: 404,
		body: map[string]any{"account_id": unknown, "scope": "account", "reason": "Case 10"}})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/holds?active=true&account_id=" + client, token: admin, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/holds", token: rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/privacy/holds?active=perhaps", token: admin, want: 400, badRequest: true})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds/" + hold.ID + "/release", token: admin, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds/" + hold.ID + "/release", token: admin, want: 409})
	c.do(specCall{method: "POST", path: "/api/v1/privacy/holds/" + unknown + "/release", token: admin, want: 404})

	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + deleted + "/restore", token: admin, want: 200})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + deleted + "/restore", token: admin, want: 409})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + unknown + "/restore", token: admin, want: 404})
}

package client

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/stewardmdm/steward"
)

// PolicyDetail is a policy with its current settings (CA certificates
// described, secrets only as flags) and its targets named.
type PolicyDetail struct {
	steward.Policy
	Settings     steward.PolicySettings `json:"settings"`
	NamedTargets []NamedTarget          `json:"named_targets"`
}

// NamedTarget is a target with the name of what it names.
type NamedTarget struct {
	steward.Target
	Name    string `json:"name"`
	Missing bool   `json:"missing,omitempty"`
}

// PolicyInput is a new policy.
type PolicyInput struct {
	Name        string                  `json:"name"`
	Description string                  `json:"description,omitempty"`
	Settings    *steward.PolicySettings `json:"settings,omitempty"`
	Targets     []steward.Target        `json:"targets,omitempty"`
}

// PolicyUpdate edits a policy: a nil field is left as it is; Settings
// replace the current settings whole and make the next version. A
// network's password or client key left out keeps the stored value; ""
// clears it.
type PolicyUpdate struct {
	Name        *string                 `json:"name,omitempty"`
	Description *string                 `json:"description,omitempty"`
	Settings    *steward.PolicySettings `json:"settings,omitempty"`
}

// PolicyVersionDetail is one version with the settings that changed.
type PolicyVersionDetail struct {
	steward.PolicyVersion
	Changes []SettingChange `json:"changes"`
}

// SettingChange is one setting that differs between two versions.
type SettingChange struct {
	Key           string          `json:"key"`
	Change        string          `json:"change"` // added, removed, changed
	Before        json.RawMessage `json:"before,omitempty"`
	After         json.RawMessage `json:"after,omitempty"`
	SecretChanged bool            `json:"secret_changed,omitempty"`
}

// Policies lists the policies of an account's subtree (the caller's when
// accountID is empty). ENOTFOUND.
func (c *Client) Policies(ctx context.Context, accountID string) ([]*steward.Policy, error) {
	const op = "list policies"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Policy]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/policies"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// Policy returns a policy with its current settings. ENOTFOUND.
func (c *Client) Policy(ctx context.Context, id string) (*PolicyDetail, error) {
	p, err := pathID("policy", id)
	if err != nil {
		return nil, err
	}
	var d PolicyDetail
	if err := c.do(ctx, request{op: "get policy", method: "GET", path: "/policies/" + p}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// CreatePolicy creates a policy in an account (the caller's when
// accountID is empty). EINVALID (naming the field), EFORBIDDEN, ENOTFOUND,
// ECONFLICT.
func (c *Client) CreatePolicy(ctx context.Context, accountID string, in PolicyInput) (*PolicyDetail, error) {
	const op = "create policy"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var d PolicyDetail
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/policies", body: in}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// UpdatePolicy edits a policy. EINVALID (naming the field), EFORBIDDEN,
// ENOTFOUND, ECONFLICT.
func (c *Client) UpdatePolicy(ctx context.Context, id string, in PolicyUpdate) (*PolicyDetail, error) {
	p, err := pathID("policy", id)
	if err != nil {
		return nil, err
	}
	var d PolicyDetail
	if err := c.do(ctx, request{op: "update policy", method: "PATCH", path: "/policies/" + p, body: in}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// SetPolicyTargets replaces a policy's targets. EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) SetPolicyTargets(ctx context.Context, id string, targets []steward.Target) (*PolicyDetail, error) {
	p, err := pathID("policy", id)
	if err != nil {
		return nil, err
	}
	if targets == nil {
		targets = []steward.Target{}
	}
	var d PolicyDetail
	if err := c.do(ctx, request{op: "set policy targets", method: "PUT", path: "/policies/" + p + "/targets",
		body: map[string]any{"targets": targets}}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeletePolicy deletes a policy with its versions. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeletePolicy(ctx context.Context, id string) error {
	p, err := pathID("policy", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete policy", method: "DELETE", path: "/policies/" + p}, nil)
}

// PolicyVersions lists a policy's versions, newest first. ENOTFOUND.
func (c *Client) PolicyVersions(ctx context.Context, id string) ([]*steward.PolicyVersion, error) {
	p, err := pathID("policy", id)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.PolicyVersion]
	if err := c.do(ctx, request{op: "list policy versions", method: "GET", path: "/policies/" + p + "/versions"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// PolicyVersion returns one version with its changes from the version
// before it, or from version *from (0: the empty policy). ENOTFOUND.
func (c *Client) PolicyVersion(ctx context.Context, id string, version int, from *int) (*PolicyVersionDetail, error) {
	p, err := pathID("policy", id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if from != nil {
		q.Set("from", strconv.Itoa(*from))
	}
	var d PolicyVersionDetail
	if err := c.do(ctx, request{op: "get policy version", method: "GET", path: "/policies/" + p + "/versions/" + strconv.Itoa(version),
		query: q}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// EffectivePolicy returns a device's effective policy with the source of
// every setting. ENOTFOUND.
func (c *Client) EffectivePolicy(ctx context.Context, deviceID string) (*steward.EffectivePolicy, error) {
	p, err := pathID("device", deviceID)
	if err != nil {
		return nil, err
	}
	var e steward.EffectivePolicy
	if err := c.do(ctx, request{op: "get effective policy", method: "GET", path: "/devices/" + p + "/effective-policy"}, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

package store

import (
	"time"

	"github.com/stewardmdm/steward"
)

// Statement is a statement of the store with arguments to run it with.
type Statement struct {
	Name  string
	Query string
	Args  []any
}

// DevicePathStatements returns the statements that devices cause
// (enrollment, authentication, check-in, the command queue) and the sweeps
// over commands, with sample arguments, for tests that check their plans.
func DevicePathStatements() []Statement {
	at := time.Now()
	transitionQ, transitionArgs := transition("c1", []steward.CommandStatus{steward.CommandDelivered, steward.CommandAcknowledged},
		steward.CommandSucceeded, "done", at)
	inventory := append([]any{"d1"}, inventoryArgs(steward.Inventory{})...)
	return []Statement{
		{"activation code by hash", codeByHashQuery, []any{"hash"}},
		{"activation code by ID", codeByIDQuery, []any{"id"}},
		{"use activation code", useCodeQuery, []any{"id", ms(at)}},
		{"support ID exists", supportIDQuery, []any{"ABCD1234"}},
		{"device by ID", deviceByIDQuery, []any{"d1"}},
		{"device by hardware", deviceByHardwareQuery, []any{"a1", "hw"}},
		{"device auth", deviceAuthQuery, []any{"d1"}},
		{"inventory", inventoryQuery, append(inventory, ms(at))},
		{"touch devices", touchQuery(2), []any{"d1", ms(at), nil, nil, nil, "d2", ms(at), 80, true, int64(60)}},
		{"device events", deviceEventsQuery(false), []any{"d1", 50}},
		{"device events before", deviceEventsQuery(true), []any{"d1", "e1", 50}},
		{"devices for verification", verificationQuery, []any{"", 500}},
		{"pending commands", pendingQuery, []any{"d1", ms(at), 100}},
		{"command by ID", commandByIDQuery, []any{"c1"}},
		{"mark delivered", markDeliveredQuery(2), []any{ms(at), "c1", "c2"}},
		{"transition command", transitionQ, transitionArgs},
		{"acknowledge command", acknowledgeQuery, []any{"c1", "d1", ms(at)}},
		{"expire commands", expireQuery, []any{ms(at), 1000}},
		{"compact commands", compactQuery, []any{ms(at), 1000}},
	}
}

// WithoutPreparedStatements makes db run every query as text, as it did
// before stmtcache.go, for benchmarks that measure the difference.
func WithoutPreparedStatements(db *DB) {
	db.readStmts, db.writeStmts = nil, nil
}

-- The retention engine ages security events out by their time (two years
-- by default): an index on it lets each batch find the oldest rows without
-- scanning the table.

-- +goose Up
CREATE INDEX security_events_created ON security_events (created_at);

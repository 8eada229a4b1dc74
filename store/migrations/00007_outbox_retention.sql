-- The retention engine deletes outgoing mail 30 days after it was queued:
-- an index on the time lets each batch find the oldest rows without
-- scanning the table.

-- +goose Up
CREATE INDEX outbox_created ON outbox (created_at);

-- Privacy engine: legal holds, the state of each retention sweep, and the
-- privacy switches of a client account (location and web-history tracking,
-- both off by default) until policies (issue 6) carry them per folder.
-- Sweep receipts are audit entries (action "retention.sweep"), so they are
-- hash-chained with the rest of the audit log.

-- +goose Up
CREATE TABLE legal_holds (
    id               TEXT PRIMARY KEY,
    -- The account whose subtree the hold covers.
    account_id       TEXT NOT NULL REFERENCES accounts (id),
    -- 'account' (everything under account_id), 'subject' (one device or
    -- manager, named by subject_id) or 'category' (one catalog category
    -- under account_id).
    scope            TEXT NOT NULL,
    subject_id       TEXT NOT NULL DEFAULT '',
    category         TEXT NOT NULL DEFAULT '',
    reason           TEXT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    created_by_email TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    expires_at       BIGINT,
    released_at      BIGINT,
    released_by      TEXT NOT NULL DEFAULT '',
    CHECK (scope IN ('account', 'subject', 'category'))
);
CREATE INDEX legal_holds_account ON legal_holds (account_id, id);

-- One row per catalog category: what its last sweep did and when the next
-- is due. The receipts themselves are in the audit log.
CREATE TABLE retention_runs (
    category        TEXT PRIMARY KEY,
    rule_version    INTEGER NOT NULL,
    last_run_at     BIGINT NOT NULL,
    last_cutoff     BIGINT,
    last_count      BIGINT NOT NULL DEFAULT 0,
    held_count      BIGINT NOT NULL DEFAULT 0,
    last_receipt_id TEXT NOT NULL DEFAULT '',
    next_due_at     BIGINT NOT NULL
);

CREATE TABLE privacy_settings (
    account_id          TEXT PRIMARY KEY REFERENCES accounts (id),
    location_enabled    BOOLEAN NOT NULL DEFAULT FALSE,
    web_history_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    updated_by          TEXT NOT NULL DEFAULT '',
    updated_at          BIGINT NOT NULL
);

-- Accounts whose data the account clock has already processed, so the
-- sweep is idempotent: a client account is purged (or its devices
-- anonymised) once.
ALTER TABLE accounts ADD COLUMN purged_at BIGINT;

-- Foundation: the account hierarchy, logins, sessions, tokens, the credit
-- ledger, the audit log, security events, the mail outbox and job leases.
-- Written once for both databases; template placeholders are the only
-- dialect differences (see dialect.go). Times are Unix milliseconds (UTC).

-- +goose Up
CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY,
    parent_id            TEXT REFERENCES accounts (id),
    path                 TEXT NOT NULL UNIQUE,
    kind                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    status               TEXT NOT NULL DEFAULT 'active',
    status_reason        TEXT NOT NULL DEFAULT '',
    notes                TEXT NOT NULL DEFAULT '',
    support_remote       BOOLEAN NOT NULL DEFAULT FALSE,
    support_view_devices BOOLEAN NOT NULL DEFAULT FALSE,
    subscription_start   BIGINT,
    subscription_end     BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL,
    deleted_at           BIGINT,
    lock_version         BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX accounts_parent ON accounts (parent_id);
CREATE INDEX accounts_path_prefix ON accounts (path {{.PatternOps}});

CREATE TABLE managers (
    id                   TEXT PRIMARY KEY,
    account_id           TEXT NOT NULL REFERENCES accounts (id),
    email                TEXT NOT NULL UNIQUE,
    name                 TEXT NOT NULL,
    role                 TEXT NOT NULL,
    password_hash        TEXT NOT NULL DEFAULT '',
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    totp_enabled         BOOLEAN NOT NULL DEFAULT FALSE,
    invited              BOOLEAN NOT NULL DEFAULT FALSE,
    failed_logins        INTEGER NOT NULL DEFAULT 0,
    locked_until         BIGINT,
    last_login_at        BIGINT,
    password_changed_at  BIGINT,
    created_at           BIGINT NOT NULL,
    updated_at           BIGINT NOT NULL
);
CREATE INDEX managers_account ON managers (account_id);

CREATE TABLE manager_tokens (
    hash       TEXT PRIMARY KEY,
    manager_id TEXT NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at    BIGINT
);
CREATE INDEX manager_tokens_manager ON manager_tokens (manager_id);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    manager_id TEXT NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_manager ON sessions (manager_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    manager_id   TEXT NOT NULL REFERENCES managers (id) ON DELETE CASCADE,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    secret_hash  TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT,
    revoked_at   BIGINT
);
CREATE INDEX api_tokens_manager ON api_tokens (manager_id);

CREATE TABLE credit_ledger (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    kind            TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    counterparty_id TEXT,
    reference       TEXT NOT NULL DEFAULT '',
    actor_id        TEXT NOT NULL DEFAULT '',
    actor_email     TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX credit_ledger_account ON credit_ledger (account_id, id);

CREATE TABLE audit_heads (
    account_id TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    hash       TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL,
    seq         BIGINT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_email TEXT NOT NULL DEFAULT '',
    token_id    TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    ip          TEXT NOT NULL DEFAULT '',
    summary     TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    UNIQUE (account_id, seq)
);
CREATE INDEX audit_log_account ON audit_log (account_id, id);

CREATE TABLE security_events (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    account_id TEXT NOT NULL DEFAULT '',
    manager_id TEXT NOT NULL DEFAULT '',
    email      TEXT NOT NULL DEFAULT '',
    ip         TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT '',
    detail     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL
);
CREATE INDEX security_events_kind ON security_events (kind, id);
CREATE INDEX security_events_email ON security_events (email, id);

CREATE TABLE outbox (
    id              TEXT PRIMARY KEY,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    sent_at         BIGINT,
    last_error      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

CREATE TABLE job_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

{{if .Postgres -}}
-- +goose StatementBegin
CREATE FUNCTION steward_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION steward_append_only();
CREATE TRIGGER credit_ledger_append_only BEFORE UPDATE OR DELETE ON credit_ledger
    FOR EACH ROW EXECUTE FUNCTION steward_append_only();
{{- else -}}
-- +goose StatementBegin
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_ledger_append_only_update BEFORE UPDATE ON credit_ledger
BEGIN
    SELECT RAISE(ABORT, 'credit_ledger is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER credit_ledger_append_only_delete BEFORE DELETE ON credit_ledger
BEGIN
    SELECT RAISE(ABORT, 'credit_ledger is append-only');
END;
-- +goose StatementEnd
{{- end}}

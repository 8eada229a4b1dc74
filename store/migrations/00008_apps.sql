-- The private app store: apps owned by an account, their uploaded versions,
-- assignments and deployments. The APK files themselves live in blob
-- storage under app_versions.blob_key (empty once deleted). JSON documents
-- (parsed info, findings, reasons, scan result) are TEXT on both databases.
-- Deleting an app cascades to everything below it; its blobs are deleted by
-- the service in the same request.

-- +goose Up
CREATE TABLE apps (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    package    TEXT NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    shared     BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- One app per package and account; also the listing of an account's apps.
CREATE UNIQUE INDEX apps_package ON apps (account_id, package);

CREATE TABLE app_versions (
    id                TEXT PRIMARY KEY,
    app_id            TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    version_code      BIGINT NOT NULL,
    version_name      TEXT NOT NULL DEFAULT '',
    sha256            TEXT NOT NULL,
    size              BIGINT NOT NULL,
    blob_key          TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL,
    info              TEXT,
    findings          TEXT,
    reasons           TEXT,
    scan              TEXT,
    signer_override   TEXT NOT NULL DEFAULT '',
    uploaded_by       TEXT NOT NULL DEFAULT '',
    uploaded_by_email TEXT NOT NULL DEFAULT '',
    uploaded_from     TEXT NOT NULL DEFAULT '',
    uploaded_at       BIGINT NOT NULL,
    scanned_at        BIGINT
);
CREATE INDEX app_versions_app ON app_versions (app_id, id);
-- The scan job finds quarantined versions not scanned yet, oldest first.
CREATE INDEX app_versions_status ON app_versions (status, id) WHERE scanned_at IS NULL;

CREATE TABLE app_assignments (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id  TEXT REFERENCES accounts (id),
    device_id   TEXT REFERENCES devices (id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    assigned_by TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    CHECK ((account_id IS NULL) <> (device_id IS NULL))
);
CREATE UNIQUE INDEX app_assignments_account ON app_assignments (app_id, account_id);
CREATE UNIQUE INDEX app_assignments_device ON app_assignments (app_id, device_id);
CREATE INDEX app_assignments_by_device ON app_assignments (device_id);

CREATE TABLE app_deployments (
    version_id TEXT NOT NULL REFERENCES app_versions (id) ON DELETE CASCADE,
    device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    app_id     TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    status     TEXT NOT NULL,
    command_id TEXT NOT NULL DEFAULT '',
    output     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (version_id, device_id)
);
CREATE INDEX app_deployments_app ON app_deployments (app_id, device_id);
CREATE INDEX app_deployments_device ON app_deployments (device_id);
CREATE INDEX app_deployments_command ON app_deployments (command_id);

-- Devices: activation codes, enrolled devices with their inventory, apps
-- and history, and the command queue. Written once for both databases; see
-- dialect.go. Times are Unix milliseconds (UTC); IDs are lower-case ULIDs,
-- so ordering by ID is ordering by creation.
--
-- Every lookup on the device path is served by an index (plans_test.go
-- checks it): a device by ID (primary key), by hardware identity
-- (devices_hardware) or support ID (unique); a code by hash (unique); a
-- device's pending commands (commands_pending, which holds only unfinished
-- rows and stays small however long the history is kept). last_seen_at, the
-- column the liveness flush writes most, is in no index, so PostgreSQL can
-- update it in place (HOT). A device's credential is its hash; an empty
-- hash is a revoked credential.

-- +goose Up
CREATE TABLE activation_codes (
    id                 TEXT PRIMARY KEY,
    code_hash          TEXT NOT NULL UNIQUE,
    prefix             TEXT NOT NULL,
    account_id         TEXT NOT NULL REFERENCES accounts (id),
    billing_account_id TEXT NOT NULL REFERENCES accounts (id),
    issued_by          TEXT NOT NULL DEFAULT '',
    issued_by_email    TEXT NOT NULL DEFAULT '',
    note               TEXT NOT NULL DEFAULT '',
    seats              INTEGER NOT NULL,
    used               INTEGER NOT NULL DEFAULT 0,
    expires_at         BIGINT NOT NULL,
    revoked_at         BIGINT,
    created_at         BIGINT NOT NULL,
    CHECK (used >= 0 AND used <= seats)
);
CREATE INDEX activation_codes_account ON activation_codes (account_id, id);

CREATE TABLE devices (
    id                    TEXT PRIMARY KEY,
    account_id            TEXT NOT NULL REFERENCES accounts (id),
    support_id            TEXT NOT NULL UNIQUE,
    name                  TEXT NOT NULL DEFAULT '',
    ownership             TEXT NOT NULL,
    channel               TEXT NOT NULL,
    platform              TEXT NOT NULL DEFAULT '',
    hardware_id           TEXT NOT NULL,
    activation_code_id    TEXT REFERENCES activation_codes (id),
    credential_hash       TEXT NOT NULL DEFAULT '',
    credential_rotated_at BIGINT,
    agent_enabled         BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason       TEXT NOT NULL DEFAULT '',
    manufacturer          TEXT NOT NULL DEFAULT '',
    model                 TEXT NOT NULL DEFAULT '',
    serial                TEXT NOT NULL DEFAULT '',
    ip                    TEXT NOT NULL DEFAULT '',
    iccid                 TEXT NOT NULL DEFAULT '',
    imei                  TEXT NOT NULL DEFAULT '',
    phone_number          TEXT NOT NULL DEFAULT '',
    os_version            TEXT NOT NULL DEFAULT '',
    pending_os_update     TEXT NOT NULL DEFAULT '',
    patch_level           TEXT NOT NULL DEFAULT '',
    system_signature      TEXT NOT NULL DEFAULT '',
    battery_level         INTEGER,
    battery_charging      BOOLEAN,
    battery_health        TEXT NOT NULL DEFAULT '',
    gps_enabled           BOOLEAN,
    agent_version         TEXT NOT NULL DEFAULT '',
    agent_state           TEXT NOT NULL DEFAULT '',
    uptime_seconds        BIGINT,
    app_count             INTEGER NOT NULL DEFAULT 0,
    refusals              BIGINT NOT NULL DEFAULT 0,
    enrolled_at           BIGINT NOT NULL,
    last_seen_at          BIGINT,
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
-- Enrollment finds a device by hardware.
CREATE UNIQUE INDEX devices_hardware ON devices (account_id, hardware_id);
-- The listing of a small subtree reads its accounts' ranges in ID order;
-- with ownership, it also covers the counts of a subtree.
CREATE INDEX devices_account ON devices (account_id, id, ownership);
-- A filter by OS version (which devices still run Android 9?) served in ID order.
CREATE INDEX devices_os_version ON devices (os_version, id);

CREATE TABLE device_apps (
    device_id    TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    package      TEXT NOT NULL,
    name         TEXT NOT NULL DEFAULT '',
    version_name TEXT NOT NULL DEFAULT '',
    version_code BIGINT NOT NULL DEFAULT 0,
    work_profile BOOLEAN NOT NULL DEFAULT FALSE,
    system       BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (device_id, package)
);

CREATE TABLE device_events (
    id         TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    detail     TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX device_events_device ON device_events (device_id, id);

CREATE TABLE commands (
    id              TEXT PRIMARY KEY,
    device_id       TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    bulk_id         TEXT NOT NULL DEFAULT '',
    type            TEXT NOT NULL,
    payload         TEXT,
    status          TEXT NOT NULL,
    issued_by       TEXT NOT NULL DEFAULT '',
    issued_by_email TEXT NOT NULL DEFAULT '',
    output          TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    delivered_at    BIGINT,
    acked_at        BIGINT,
    finished_at     BIGINT,
    expires_at      BIGINT NOT NULL
);
-- A device's history, and the cascade when it is deleted.
CREATE INDEX commands_device ON commands (device_id, id);
-- The poll: a device's queued or delivered commands, oldest first. Partial,
-- so finished history never slows it down.
CREATE INDEX commands_pending ON commands (device_id, id) WHERE status IN ('queued', 'delivered');
-- The expiry sweep over unfinished commands.
CREATE INDEX commands_unfinished ON commands (expires_at) WHERE status IN ('queued', 'delivered', 'acknowledged');
-- Compaction of finished commands.
CREATE INDEX commands_finished ON commands (finished_at) WHERE finished_at IS NOT NULL;
-- Listings of a subtree and of a bulk action.
CREATE INDEX commands_account ON commands (account_id, id);
CREATE INDEX commands_bulk ON commands (bulk_id, id);

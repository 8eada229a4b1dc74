-- Policies: saved configurations owned by an account, their versions
-- (never changed once written, except that an edit erases the secrets of
-- the older ones and a network or certificate removed from the policy is
-- erased from all of them), and their targets. Wi-Fi networks and CA
-- certificates have tables of their own: they are categories of the data
-- catalog of their own. Secrets are sealed (see steward.Sealer) before they
-- reach the database; only the current version holds them. The other
-- sections of a version are one JSON document (TEXT on both databases).
-- Deleting a policy cascades to everything below it.
--
-- A device's effective policy, as last computed, is kept on its row
-- (policy_version and what the check-in answer carries), so that the
-- check-in answers with it without another query.

-- +goose Up
CREATE TABLE policies (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL REFERENCES accounts (id),
    name            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    current_version INTEGER NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
-- One policy per name and account; also the listing of an account's policies.
CREATE UNIQUE INDEX policies_name ON policies (account_id, name);

CREATE TABLE policy_versions (
    policy_id        TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    version          INTEGER NOT NULL,
    settings         TEXT NOT NULL,
    created_by       TEXT NOT NULL DEFAULT '',
    created_by_email TEXT NOT NULL DEFAULT '',
    created_at       BIGINT NOT NULL,
    PRIMARY KEY (policy_id, version)
);

CREATE TABLE policy_wifi (
    policy_id           TEXT NOT NULL,
    version             INTEGER NOT NULL,
    position            INTEGER NOT NULL,
    ssid                TEXT NOT NULL,
    hidden              BOOLEAN NOT NULL DEFAULT FALSE,
    security            TEXT NOT NULL,
    eap_method          TEXT NOT NULL DEFAULT '',
    identity            TEXT NOT NULL DEFAULT '',
    ca_cert_sha256      TEXT NOT NULL DEFAULT '',
    client_cert_pem     TEXT NOT NULL DEFAULT '',
    domain_suffix_match TEXT NOT NULL DEFAULT '',
    password_sealed     {{.Blob}},
    password_ref        TEXT NOT NULL DEFAULT '',
    client_key_sealed   {{.Blob}},
    client_key_ref      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (policy_id, version, ssid),
    FOREIGN KEY (policy_id, version) REFERENCES policy_versions (policy_id, version) ON DELETE CASCADE
);

CREATE TABLE policy_ca_certs (
    policy_id TEXT NOT NULL,
    version   INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    sha256    TEXT NOT NULL,
    name      TEXT NOT NULL DEFAULT '',
    pem       TEXT NOT NULL,
    PRIMARY KEY (policy_id, version, sha256),
    FOREIGN KEY (policy_id, version) REFERENCES policy_versions (policy_id, version) ON DELETE CASCADE
);

-- A target names an account, folder, group or device by ID: no foreign
-- key, as the table depends on the kind.
CREATE TABLE policy_targets (
    policy_id TEXT NOT NULL REFERENCES policies (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (policy_id, kind, target_id)
);
-- Which policies cover a device: looked up by target.
CREATE INDEX policy_targets_target ON policy_targets (kind, target_id);

ALTER TABLE devices ADD COLUMN policy_version TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN policy_checkin_seconds INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN policy_location BOOLEAN;
ALTER TABLE devices ADD COLUMN policy_web_history BOOLEAN;

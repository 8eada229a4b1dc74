-- The accounts' data keys for secrets kept at rest (Wi-Fi passwords,
-- private keys): envelope encryption, see docs/secrets.md. Each key is
-- stored wrapped (AES-256-GCM) by a master key that never enters the
-- database; master_key_id names it. An account's secrets name the version
-- of the key they were sealed with.

-- +goose Up
CREATE TABLE account_keys (
    account_id    TEXT NOT NULL REFERENCES accounts (id),
    version       INTEGER NOT NULL CHECK (version > 0),
    wrapped_key   {{.Blob}} NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    rotated_at    BIGINT,
    PRIMARY KEY (account_id, version)
);
-- The start-up check counts keys by master key; rotation skips those
-- already under the current one.
CREATE INDEX account_keys_master ON account_keys (master_key_id);

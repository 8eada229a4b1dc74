-- Directory users: the people of a client account (not logins), the
-- custom fields the account defines for them, and which devices they hold.
-- A user's custom field values are one JSON object (TEXT on both databases)
-- that the service validates against the account's definitions; removing
-- a definition removes its values from every user. A device has at most
-- one user, a user any number of devices; deleting a user leaves its
-- devices without one (ON DELETE SET NULL).

-- +goose Up
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts (id),
    email          TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    directory_name TEXT NOT NULL DEFAULT '',
    custom_fields  TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
-- One user per email and account; also the listing of an account's users
-- by email, and its paging.
CREATE UNIQUE INDEX users_email ON users (account_id, email);

CREATE TABLE user_fields (
    account_id TEXT NOT NULL REFERENCES accounts (id),
    field_key  TEXT NOT NULL,
    position   INTEGER NOT NULL,
    label      TEXT NOT NULL,
    type       TEXT NOT NULL,
    choices    TEXT,
    required   BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (account_id, field_key)
);

ALTER TABLE devices ADD COLUMN user_id TEXT REFERENCES users (id) ON DELETE SET NULL;
-- A user's devices, and clearing them when the user is deleted. Partial:
-- most devices may have no user.
CREATE INDEX devices_user ON devices (user_id) WHERE user_id IS NOT NULL;

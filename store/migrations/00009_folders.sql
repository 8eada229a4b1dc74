-- Folders and groups of a client account's devices. A device sits in at
-- most one folder (devices.folder_id, left NULL when its folder is
-- deleted) and in any number of groups (device_groups, whose rows go with
-- the group or the device). Names are unique within an account, ignoring
-- case (ASCII case only on SQLite).
--
-- SQLite adds a column with a REFERENCES clause only when its default is
-- NULL, which folder_id's is; the foreign key is then enforced as if the
-- table had been created with it.

-- +goose Up
CREATE TABLE folders (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
-- One name per account; also the listing of an account's folders.
CREATE UNIQUE INDEX folders_name ON folders (account_id, lower(name));

CREATE TABLE groups (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    priority    INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX groups_name ON groups (account_id, lower(name));

CREATE TABLE device_groups (
    group_id  TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    device_id TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, device_id)
);
-- A device's groups (its membership, and the cascade when it is deleted).
CREATE INDEX device_groups_device ON device_groups (device_id, group_id);

ALTER TABLE devices ADD COLUMN folder_id TEXT REFERENCES folders (id) ON DELETE SET NULL;
-- A folder's devices in ID order, its count, and the SET NULL when it is deleted.
CREATE INDEX devices_folder ON devices (folder_id, id);

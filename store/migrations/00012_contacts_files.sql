-- Shared contacts and shared files (SPEC §2.7): the company directory
-- pushed to the devices their targets cover. A target is (kind, ID) with
-- kind account, folder, group or device; it names no foreign key, so a
-- target whose folder, group or device is gone simply covers nothing.
-- Deleting a contact or a file deletes its targets (ON DELETE CASCADE);
-- the service deletes a file's blob in the same request.
-- devices.directory_version is the version of the directory each device
-- should hold, recomputed when what covers it changes, so a check-in
-- answers with it without reading the directory.

-- +goose Up
CREATE TABLE contacts (
    id         TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id, name, id);

CREATE TABLE contact_targets (
    contact_id TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    target_id  TEXT NOT NULL,
    PRIMARY KEY (contact_id, kind, target_id),
    CHECK (kind IN ('account', 'folder', 'group', 'device'))
);

CREATE TABLE shared_files (
    id                TEXT PRIMARY KEY,
    account_id        TEXT NOT NULL REFERENCES accounts (id),
    name              TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size              BIGINT NOT NULL,
    sha256            TEXT NOT NULL,
    blob_key          TEXT NOT NULL,
    description       TEXT NOT NULL DEFAULT '',
    uploaded_by       TEXT NOT NULL DEFAULT '',
    uploaded_by_email TEXT NOT NULL DEFAULT '',
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
-- One file of a name per account; also the listing of an account's files.
CREATE UNIQUE INDEX shared_files_name ON shared_files (account_id, name);

CREATE TABLE shared_file_targets (
    file_id   TEXT NOT NULL REFERENCES shared_files (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (file_id, kind, target_id),
    CHECK (kind IN ('account', 'folder', 'group', 'device'))
);

ALTER TABLE devices ADD COLUMN directory_version TEXT NOT NULL DEFAULT '';

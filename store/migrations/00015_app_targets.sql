-- The app store's second round.
--
-- Scanning: a version whose scan failed (the scanner down, a timeout, an
-- answer that makes no sense) is tried again with a growing delay:
-- scan_attempts counts the failures, next_scan_at is when the next try is
-- due (NULL: at once). After the last allowed failure the version is marked
-- scanned (scanned_at) with an unscannable verdict, and only an
-- administrator's rescan puts it back in the queue.
--
-- Targets: an app is assigned to an account (its subtree), a folder, a
-- group or one device: exactly one of the four columns is set. Deleting a
-- folder or group deletes the app assignments to it (the devices keep what
-- they installed). The table is rebuilt on SQLite, which cannot change a
-- CHECK constraint; nothing references it.

-- +goose Up
ALTER TABLE app_versions ADD COLUMN scan_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_versions ADD COLUMN next_scan_at BIGINT;

{{if .Postgres -}}
ALTER TABLE app_assignments ADD COLUMN folder_id TEXT REFERENCES folders (id) ON DELETE CASCADE;
ALTER TABLE app_assignments ADD COLUMN group_id TEXT REFERENCES groups (id) ON DELETE CASCADE;
ALTER TABLE app_assignments DROP CONSTRAINT app_assignments_check;
ALTER TABLE app_assignments ADD CONSTRAINT app_assignments_one_target CHECK (
    (CASE WHEN account_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN folder_id IS NULL THEN 0 ELSE 1 END) +
    (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN device_id IS NULL THEN 0 ELSE 1 END) = 1);
{{- else -}}
CREATE TABLE app_assignments_new (
    id          TEXT PRIMARY KEY,
    app_id      TEXT NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
    account_id  TEXT REFERENCES accounts (id),
    device_id   TEXT REFERENCES devices (id) ON DELETE CASCADE,
    mode        TEXT NOT NULL,
    assigned_by TEXT NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    folder_id   TEXT REFERENCES folders (id) ON DELETE CASCADE,
    group_id    TEXT REFERENCES groups (id) ON DELETE CASCADE,
    CONSTRAINT app_assignments_one_target CHECK (
        (CASE WHEN account_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN folder_id IS NULL THEN 0 ELSE 1 END) +
        (CASE WHEN group_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN device_id IS NULL THEN 0 ELSE 1 END) = 1)
);
INSERT INTO app_assignments_new (id, app_id, account_id, device_id, mode, assigned_by, created_at)
    SELECT id, app_id, account_id, device_id, mode, assigned_by, created_at FROM app_assignments;
DROP TABLE app_assignments;
ALTER TABLE app_assignments_new RENAME TO app_assignments;
CREATE UNIQUE INDEX app_assignments_account ON app_assignments (app_id, account_id);
CREATE UNIQUE INDEX app_assignments_device ON app_assignments (app_id, device_id);
CREATE INDEX app_assignments_by_device ON app_assignments (device_id);
{{- end}}

-- One assignment per app and target; also the cascades when a folder or
-- group is deleted, and the assignments that cover a device.
CREATE UNIQUE INDEX app_assignments_folder ON app_assignments (app_id, folder_id);
CREATE UNIQUE INDEX app_assignments_group ON app_assignments (app_id, group_id);
CREATE INDEX app_assignments_by_account ON app_assignments (account_id);
CREATE INDEX app_assignments_by_folder ON app_assignments (folder_id);
CREATE INDEX app_assignments_by_group ON app_assignments (group_id);

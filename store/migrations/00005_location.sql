-- Location and web history (SPEC §2.8). Location is accepted only from
-- company-owned devices whose account enables it and whose user granted it
-- on the device; at most 50 points per device, none older than 60 days.
-- Web history only while enabled; nothing older than 15 days. Both go with
-- the device (ON DELETE CASCADE) when it is wiped.

-- +goose Up
-- The device user's decisions, append-only: time on the device, decision,
-- and the version of the notice the user was shown.
CREATE TABLE device_consents (
    id             TEXT PRIMARY KEY,
    device_id      TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    purpose        TEXT NOT NULL,
    granted        BOOLEAN NOT NULL,
    notice_version TEXT NOT NULL,
    decided_at     BIGINT NOT NULL,
    recorded_at    BIGINT NOT NULL,
    CHECK (purpose IN ('location', 'web_history'))
);
CREATE INDEX device_consents_device ON device_consents (device_id, purpose, id);

CREATE TABLE location_points (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    latitude    {{.Float}} NOT NULL,
    longitude   {{.Float}} NOT NULL,
    accuracy_m  {{.Float}},
    recorded_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
-- A device's newest points (the cap and the console) and the age sweep.
CREATE INDEX location_points_device ON location_points (device_id, recorded_at);
CREATE INDEX location_points_recorded ON location_points (recorded_at);

CREATE TABLE web_history (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
    url         TEXT NOT NULL,
    title       TEXT NOT NULL DEFAULT '',
    visited_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL
);
CREATE INDEX web_history_device ON web_history (device_id, visited_at);
CREATE INDEX web_history_visited ON web_history (visited_at);

{{if .Postgres -}}
CREATE TRIGGER device_consents_append_only BEFORE UPDATE ON device_consents
    FOR EACH ROW EXECUTE FUNCTION steward_append_only();
{{- else -}}
-- +goose StatementBegin
CREATE TRIGGER device_consents_append_only BEFORE UPDATE ON device_consents
BEGIN
    SELECT RAISE(ABORT, 'device_consents is append-only');
END;
-- +goose StatementEnd
{{- end}}

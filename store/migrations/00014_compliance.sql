-- Compliance (SPEC §2.5): each device's latest policy report — the version
-- it applied, when, and a status per setting (a JSON array of {key, status,
-- detail}, at most 1,000) — with the report's own verdict and its count of
-- failed settings, so that counting and listing need not read the
-- settings. One row per device, replaced by each report; it goes with the
-- device (ON DELETE CASCADE) when the device is reset, and with the
-- device's other inventory when the account's clock runs out.

-- +goose Up
CREATE TABLE device_compliance (
    device_id   TEXT PRIMARY KEY REFERENCES devices (id) ON DELETE CASCADE,
    version     TEXT NOT NULL,
    applied_at  BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    state       TEXT NOT NULL,
    failed      INTEGER NOT NULL DEFAULT 0,
    settings    TEXT NOT NULL,
    CHECK (state IN ('compliant', 'non_compliant', 'pending'))
);

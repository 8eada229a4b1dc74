-- The app store's second round.
--
-- Scanning: a version whose scan failed (the scanner down, a timeout, an
-- answer that makes no sense) is tried again with a growing delay:
-- scan_attempts counts the failures, next_scan_at is when the next try is
-- due (NULL: at once). After the last allowed failure the version is marked
-- scanned (scanned_at) with an unscannable verdict, and only an
-- administrator's rescan puts it back in the queue.

-- +goose Up
ALTER TABLE app_versions ADD COLUMN scan_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE app_versions ADD COLUMN next_scan_at BIGINT;

-- swsync county store: tables and rules added without a schema version
-- (they never travel, so the hello's schema number does not move).
-- db_create and every db_open run this file: each statement here must be
-- idempotent.

-- Purged records (swsync-county case purge, retention): the tombstone
-- that stays when a person is erased.  Record ids, the station, the case
-- they belonged to, when, by whom and why; no personal value.  seq is a
-- county sequence number of the station's pull stream: the pull sends an
-- erase order for every row with seq > the replica's cursor.
CREATE TABLE IF NOT EXISTS purged (
    id        TEXT PRIMARY KEY,
    tbl       INTEGER NOT NULL,
    station   TEXT NOT NULL,
    case_id   TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    purged_at INTEGER NOT NULL,             -- ms since the epoch
    admin     TEXT NOT NULL,
    reason    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS purged_pull ON purged (station, seq);

-- Changes of purged records a replica pushed afterwards: refused, not
-- stored.  Only how many, of which record, from which replica, when.
CREATE TABLE IF NOT EXISTS refused_changes (
    id      INTEGER PRIMARY KEY,
    at      INTEGER NOT NULL,
    station TEXT NOT NULL,
    site    TEXT NOT NULL,
    tbl     INTEGER NOT NULL,
    record  TEXT NOT NULL,
    changes INTEGER NOT NULL
);

-- The audit trail stays append-only, with one exception: a purge blanks
-- the details that held the purged person's values (nothing else of the
-- row may change).  A new name, so that once the old trigger is gone
-- every statement here is a no-op that writes nothing.
DROP TRIGGER IF EXISTS audit_no_update;
CREATE TRIGGER IF NOT EXISTS audit_no_update_v2 BEFORE UPDATE ON audit
WHEN NOT (NEW.details IS '(erased by purge)' AND NEW.id = OLD.id
          AND NEW.at = OLD.at AND NEW.actor = OLD.actor
          AND NEW.action = OLD.action AND NEW.target IS OLD.target
          AND NEW.source = OLD.source)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

-- The stations' own audit lines (exports, reports, sign-ins, a console's
-- reads) copied into `audit` by POST /v1/audit: which line of which
-- replica became which audit row, so each is stored once however often
-- it is sent.
CREATE TABLE IF NOT EXISTS station_audit (
    site     TEXT NOT NULL,
    local_id INTEGER NOT NULL,
    audit_id INTEGER NOT NULL,
    PRIMARY KEY (site, local_id)
) WITHOUT ROWID;

-- The hello's conflicts mark (sync/county/http.c) and a station's
-- conflicts (GET /v1/conflicts) by station first: conflicts_open starts
-- with status, so without these every hello scanned the county's whole
-- conflicts table (issue 14).
CREATE INDEX IF NOT EXISTS conflicts_station_detected
    ON conflicts (station, detected_at);
CREATE INDEX IF NOT EXISTS conflicts_station_resolved
    ON conflicts (station, resolved_at);

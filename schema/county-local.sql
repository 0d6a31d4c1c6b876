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

-- ---- case transfer (docs/design-notes.md, "Case transfer") -------------
-- The ownership of a case (its `station`, and its visits' and services')
-- is a versioned field: one row here per write of it, a transfer.  hlc,
-- site: the version of the new owner; base_hlc, base_site: the version it
-- replaced (NULL: the case's first owner, unversioned).  A case's current
-- ownership version is its newest row.  A former owner's write on base
-- version V is taken when a row from it is newer than V (it had not seen
-- the transfer: merge_left_after).  note: the admin's words, no personal
-- value.
CREATE TABLE IF NOT EXISTS transfers (
    id           INTEGER PRIMARY KEY,
    case_id      TEXT NOT NULL,
    from_station TEXT NOT NULL,
    to_station   TEXT NOT NULL,
    hlc          INTEGER NOT NULL,
    site         TEXT NOT NULL,
    base_hlc     INTEGER,
    base_site    TEXT,
    at           INTEGER NOT NULL,                -- ms since the epoch
    admin        TEXT NOT NULL,
    note         TEXT NOT NULL,
    request      INTEGER                          -- transfer_requests.id
);
CREATE INDEX IF NOT EXISTS transfers_case ON transfers (case_id, hlc, site);
CREATE INDEX IF NOT EXISTS transfers_from ON transfers (from_station);
CREATE INDEX IF NOT EXISTS transfers_to ON transfers (to_station, at);

-- What a station's replicas must let go of: a case moved away from
-- from_station, as an erase order in that station's pull stream (seq, the
-- county's write sequence) carrying where it went, when and the note.
-- One row per case and former station; a case moved back drops the row
-- of the station it returns to (its replicas hold it again).
CREATE TABLE IF NOT EXISTS moved (
    case_id      TEXT NOT NULL,
    from_station TEXT NOT NULL,
    to_station   TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    note         TEXT NOT NULL,
    PRIMARY KEY (case_id, from_station)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS moved_pull ON moved (from_station, seq);

-- A station's request to move one of its cases (sent by its sync, POST
-- /v1/transfer-request): the county admin confirms (a transfer) or
-- declines it in the console.  local_id: the request's id on the replica
-- that sent it (stored once however often it is sent).
CREATE TABLE IF NOT EXISTS transfer_requests (
    id          INTEGER PRIMARY KEY,
    site        TEXT NOT NULL,
    local_id    INTEGER NOT NULL,
    station     TEXT NOT NULL,
    case_id     TEXT NOT NULL,
    to_station  TEXT NOT NULL,
    note        TEXT NOT NULL,
    asked_by    TEXT,
    asked_at    INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'confirmed', 'declined')),
    decided_at  INTEGER,
    decided_by  TEXT,
    UNIQUE (site, local_id)
);
-- ---- the same person at two stations (issue 15 item 5, sync/county/dups.c)

-- Possible duplicates are found by grouping, not by comparing every case
-- with every other: cases with the same ID number (strong), or the same
-- name and birth date (weak), at different stations.  These two indexes
-- make each group a range of one index.
CREATE INDEX IF NOT EXISTS cases_dup_idnum ON cases (id_number, station)
    WHERE id_number IS NOT NULL AND deleted = 0;
CREATE INDEX IF NOT EXISTS cases_dup_person
    ON cases (name, birth_date, station)
    WHERE birth_date IS NOT NULL AND deleted = 0;

-- An admin's decision about a pair of cases (case_a < case_b): 'not_same'
-- (the pair leaves the list) or 'linked' (each station learns that the
-- person is also served at the other one).  Undoing a decision deletes
-- its row; every decision and undoing is in the audit trail.  Nothing is
-- ever merged.
CREATE TABLE IF NOT EXISTS dup_pairs (
    case_a     TEXT NOT NULL,
    case_b     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('not_same', 'linked')),
    note       TEXT NOT NULL,
    admin      TEXT NOT NULL,
    decided_at INTEGER NOT NULL,            -- ms since the epoch
    PRIMARY KEY (case_a, case_b),
    CHECK (case_a < case_b)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS dup_pairs_b ON dup_pairs (case_b);

-- A station's contact line (a phone, a person), shown to the workers of
-- another station whose case is linked to one of this station's
-- (swsync-county station set CODE contact=...).  Its own table, not a
-- column of `stations`: this file must stay idempotent.
CREATE TABLE IF NOT EXISTS station_contacts (
    code    TEXT PRIMARY KEY,
    contact TEXT NOT NULL
) WITHOUT ROWID;
-- The hello's conflicts mark (sync/county/http.c) and a station's
-- conflicts (GET /v1/conflicts) by station first: conflicts_open starts
-- with status, so without these every hello scanned the county's whole
-- conflicts table (issue 14).
CREATE INDEX IF NOT EXISTS conflicts_station_detected
    ON conflicts (station, detected_at);
CREATE INDEX IF NOT EXISTS conflicts_station_resolved
    ON conflicts (station, resolved_at);

-- swsync station replica: tables that stay on the station PC and never
-- travel.  They are not part of the replicated schema (the version the
-- hello compares, PRAGMA user_version), so adding one does not need a
-- schema version: db_create and every db_open run this file, and each
-- statement here must be idempotent (IF NOT EXISTS).

-- The station's own audit trail: exports, reports, imports (swsync
-- export/report/import), console sign-ins.  who is the OS user ("cli:"
-- and the login name) or the console's worker; action a word (export,
-- report, import, login ...); detail one line (what and how many).
-- Append-only: the triggers refuse UPDATE and DELETE.
CREATE TABLE IF NOT EXISTS local_audit (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,                -- ms since the epoch
    who    TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT
);
CREATE TRIGGER IF NOT EXISTS local_audit_no_delete
BEFORE DELETE ON local_audit
BEGIN
    SELECT RAISE(ABORT, 'the local audit trail is append-only');
END;

-- The station console's workers (swsync worker add) and their sessions;
-- a session row keeps only the SHA-256 of its cookie (sync/workers.c).
CREATE TABLE IF NOT EXISTS workers (
    name       TEXT PRIMARY KEY,
    pw_hash    TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS worker_sessions (
    id_hash    TEXT PRIMARY KEY,
    worker     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS worker_sessions_worker
    ON worker_sessions (worker);

-- Records the county erased (purge): their ids and when, nothing else.
CREATE TABLE IF NOT EXISTS erased (
    id  TEXT PRIMARY KEY,
    tbl INTEGER NOT NULL,
    at  INTEGER NOT NULL                    -- ms since the epoch
) WITHOUT ROWID;

-- The local audit stays append-only, but for the purge's one change:
-- details that held an erased person's values are blanked.
DROP TRIGGER IF EXISTS local_audit_no_update;
CREATE TRIGGER IF NOT EXISTS local_audit_no_update_v2
BEFORE UPDATE ON local_audit
WHEN NOT (NEW.detail IS '(erased by purge)' AND NEW.id = OLD.id
          AND NEW.at = OLD.at AND NEW.who = OLD.who
          AND NEW.action = OLD.action)
BEGIN
    SELECT RAISE(ABORT, 'the local audit trail is append-only');
END;

-- Cases the county moved to another station (docs/design-notes.md, "Case
-- transfer"): the case's id, where it went, when, the county's note.  No
-- personal value: the case itself leaves this replica.  waiting = 1: this
-- replica still has unsent edits of it; its rows stay until they are
-- pushed (the next sync erases them).
CREATE TABLE IF NOT EXISTS moved_cases (
    case_id    TEXT PRIMARY KEY,
    to_station TEXT NOT NULL,
    moved_at   INTEGER NOT NULL,                -- ms since the epoch
    note       TEXT NOT NULL,
    waiting    INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- The county's notices that a person of this station is also served at
-- another station (an admin linked the two cases: docs/design-notes.md
-- "The same person at two stations").  Only the other station's code,
-- name and contact line; nothing of the other case.  Written only by the
-- pull, which replaces the whole set when the county's differs (config
-- key "links" holds the set's digest); never pushed.
CREATE TABLE IF NOT EXISTS also_served (
    case_id TEXT NOT NULL,
    station TEXT NOT NULL,
    name    TEXT,
    contact TEXT,
    PRIMARY KEY (case_id, station)
) WITHOUT ROWID;

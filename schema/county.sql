-- swsync county store, schema version 1: the county's own tables.

-- The version of every field, as on a station, plus what the county
-- needs to serve pulls: seq, the county-wide order of writes (the pull
-- cursor); station, the owning station (scope); base, the writer's base
-- version; src, the site that sent this value (not echoed back to it);
-- author, who wrote it (a station worker, a county admin; NULL: not known).
CREATE TABLE field_versions (
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    hlc       INTEGER NOT NULL,
    site      TEXT NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    seq       INTEGER NOT NULL,
    station   TEXT NOT NULL,
    src       TEXT NOT NULL,
    author    TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;
CREATE UNIQUE INDEX field_versions_pull ON field_versions (station, seq);

-- Every field's version, one row a field: the same view as a station's
-- (there it also unfolds the versions kept once a record).
CREATE VIEW versions (tbl, rid, col, hlc, site) AS
SELECT tbl, rid, col, hlc, site FROM field_versions;

-- Enrolled stations.
CREATE TABLE stations (
    code       TEXT PRIMARY KEY,
    name       TEXT,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row a replica of a station (the office PC, a field laptop): its
-- token's hash (never the token), the site id it told us at its first
-- hello (bound from then on), what it last told us, and how far its
-- pushes are acknowledged.
CREATE TABLE replicas (
    id            INTEGER PRIMARY KEY,
    station       TEXT NOT NULL REFERENCES stations (code),
    device        TEXT NOT NULL,
    token_hash    TEXT NOT NULL UNIQUE,
    site          TEXT UNIQUE,
    created_at    INTEGER NOT NULL,
    revoked_at    INTEGER,
    acked_seq     INTEGER NOT NULL DEFAULT 0,
    last_seen     INTEGER,
    last_sync     INTEGER,
    last_error    TEXT,
    agent_version TEXT,
    skew_ms       INTEGER,
    clamped       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (station, device)
);

-- ---- the admin console (swsync-county admin, serve: /admin/) -------------

-- County admins who may use the web console.  pw_hash is
-- "pbkdf2-sha256$ITERATIONS$SALT_HEX$HASH_HEX" (never the password).
CREATE TABLE admins (
    name       TEXT PRIMARY KEY,
    pw_hash    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT NOT NULL
) WITHOUT ROWID;

-- Logged-in sessions: the SHA-256 (hex) of the cookie, never the cookie.
-- A session ends 8 hours after login, or after a time without requests
-- (30 minutes by default), or at logout; an admin's removal ends them.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    admin      TEXT NOT NULL REFERENCES admins (name) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    last_used  INTEGER NOT NULL,
    client     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_admin ON sessions (admin);

-- Failed logins per user name ('user') and per client address ('addr'):
-- count of failures in a row, the last one, and until when further
-- attempts are refused.
CREATE TABLE login_failures (
    kind         TEXT NOT NULL CHECK (kind IN ('user', 'addr')),
    key          TEXT NOT NULL,
    count        INTEGER NOT NULL,
    last_at      INTEGER NOT NULL,
    locked_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, key)
) WITHOUT ROWID;

-- The audit trail: every admin action, web or CLI.  actor is the admin's
-- user name, or "cli:" and the operating system user; source the client
-- address, or "cli".  details never hold a password or a token.
-- Append-only: the triggers below refuse UPDATE and DELETE.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT,
    details TEXT,
    source  TEXT NOT NULL
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

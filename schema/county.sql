-- swsync county store, schema version 1: the county's own tables.

-- The version of every field, as on a station, plus what the county
-- needs to serve pulls: seq, the county-wide order of writes (the pull
-- cursor); station, the owning station (scope); base, the writer's base
-- version; src, the site that sent this value (not echoed back to it).
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
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;
CREATE UNIQUE INDEX field_versions_pull ON field_versions (station, seq);

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

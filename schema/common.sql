-- swsync schema, version 1: the part the station replica and the county
-- store share.  The replicated tables (cases, visits, services), their
-- CHECK constraints and the station's capture triggers are generated from
-- the one table description in sync/table.c (see sync/ddl.c).

-- Settings: station or county code, site id, server URL, token file...
CREATE TABLE config (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One row.  hlc is this site's last hybrid logical clock value;
-- capture = 0 while the engine applies received changes, so that the
-- capture triggers (station only) stay quiet in that transaction; seq is
-- the county's last write sequence number (the pull cursor's domain).
CREATE TABLE sync_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    capture INTEGER NOT NULL DEFAULT 1 CHECK (capture IN (0, 1)),
    hlc     INTEGER NOT NULL DEFAULT 0,
    seq     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (id) VALUES (1);

-- What the writer of a record's current tombstone had seen of it: the
-- versions of its fields ("HLC@SITE=col,col;...", sw_seen_* in
-- sync/change.h), kept while the tombstone (version hlc, site) stands, so
-- that an edit arriving after it is judged by what the deleter knew: one
-- it had not seen is an 'edit_of_deleted' conflict (docs/design-notes.md).
CREATE TABLE tombstones (
    tbl  INTEGER NOT NULL,
    rid  INTEGER NOT NULL,
    hlc  INTEGER NOT NULL,
    site TEXT NOT NULL,
    seen TEXT NOT NULL,
    PRIMARY KEY (tbl, rid)
) WITHOUT ROWID;

-- Concurrent writes of one field: the winner is the field's value, the
-- loser is kept here, never dropped.  kind 'edit_of_deleted': an edit met
-- a concurrent delete of its record (winner: the tombstone);
-- 'edit_after_transfer': an edit a replica of the case's former station
-- made before it learnt of the transfer (docs/design-notes.md, "Case
-- transfer"), kept whether it won or lost.
-- winner_author, loser_author: who wrote each value (a worker's name as
-- the writing console gave it, a county admin's), NULL when not known.
CREATE TABLE conflicts (
    id          INTEGER PRIMARY KEY,
    tbl         TEXT NOT NULL,
    row_id      TEXT NOT NULL,
    station     TEXT,
    col         TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT 'field'
                CHECK (kind IN ('field', 'edit_of_deleted',
                                'edit_after_transfer')),
    winner_value,
    winner_hlc  INTEGER NOT NULL,
    winner_site TEXT NOT NULL,
    loser_value,
    loser_hlc   INTEGER NOT NULL,
    loser_site  TEXT NOT NULL,
    winner_author TEXT,
    loser_author  TEXT,
    base_hlc    INTEGER,
    base_site   TEXT,
    detected_at INTEGER NOT NULL,           -- ms since the epoch
    status      TEXT NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'resolved')),
    resolved_at INTEGER,
    resolved_by TEXT,
    resolution  TEXT,                       -- winner, loser, value
    note        TEXT,
    UNIQUE (tbl, row_id, col, loser_hlc, loser_site)
);
CREATE INDEX conflicts_open ON conflicts (status, station);

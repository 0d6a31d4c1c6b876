-- swsync station replica, schema version 1: the station's own tables.

-- The version of every field the replica holds: the (hlc, site) of the
-- write its value came from.  tbl and col are indexes into the table
-- description; rid is the row's INTEGER PRIMARY KEY.  A record pulled
-- new has one version for all its fields (one statement wrote them): it
-- is kept in the record's own row (ver_hlc, ver_site; bit col of ver_cols
-- set for each field it covers, see sync/ddl.c).  field_versions holds a
-- field's own version, written after the record's; where a field has
-- both, field_versions counts.  The view `versions` is the two together, one row a
-- field.  author (ver_author in the row): who wrote that version, NULL
-- when not known (see outbox.author).
CREATE TABLE field_versions (
    tbl    INTEGER NOT NULL,
    rid    INTEGER NOT NULL,
    col    INTEGER NOT NULL,
    hlc    INTEGER NOT NULL,
    site   TEXT NOT NULL,
    author TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;

-- Fields edited and not yet sealed, one entry a field however often it
-- was edited.  base_* is the field's version when the first unsent edit
-- was made; edited_at the wall-clock ms of the latest edit; gen counts the
-- edits, so that sealing clears an entry only for the edit it sealed.
-- author is who made the latest edit: set by the TEMP triggers that
-- replica_set_author() puts on a writer's own connection, NULL for any
-- other writer (the capture trigger clears it on every edit).
CREATE TABLE outbox (
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    edited_at INTEGER NOT NULL,
    gen       INTEGER NOT NULL DEFAULT 1,
    author    TEXT,
    PRIMARY KEY (tbl, rid, col)
) WITHOUT ROWID;

-- Sealed changes waiting for the county's acknowledgement, in order.
-- value is the value sealed (later edits do not change it); seen, for a
-- tombstone, the versions of the record's fields this replica had when it
-- was sealed (sent with it: see the tombstones table).
CREATE TABLE pending (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    tbl       INTEGER NOT NULL,
    rid       INTEGER NOT NULL,
    col       INTEGER NOT NULL,
    value,
    hlc       INTEGER NOT NULL,
    site      TEXT NOT NULL,
    base_hlc  INTEGER,
    base_site TEXT,
    author    TEXT,
    seen      TEXT
);
CREATE INDEX pending_field ON pending (tbl, rid, col);

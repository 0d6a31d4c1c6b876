"""countydb -- the tests' python opens a county store through this.

A county store is a SQLite file (a path) or a PostgreSQL database (a
postgresql:// or postgres:// URI; libpq finds the password in PGPASSFILE).
A station's replica is always a SQLite file: open it with sqlite3.

    db = connect(target)          autocommit (commit() does nothing);
                                  db.execute(sql, params) returns a cursor
                                  (fetchone, fetchall); parameters are
                                  written ? for both
    columns(db, table)            the table's (or view's) column names, in
                                  their declared order
    tables(db)                    the names of its tables and views
    one(target, sql, params=())   the first column of the first row, or None

SQL given here must be in the dialect both engines speak (docs/storage.md).
"""

import sqlite3


def is_uri(target):
    return target.startswith(("postgresql://", "postgres://"))


class _Pg:
    """A psycopg2 connection with sqlite3's execute(sql, params)."""

    def __init__(self, uri):
        import psycopg2  # Debian: python3-psycopg2 (tools/install-deps)

        self.kind = "pg"
        self.conn = psycopg2.connect(uri)
        self.conn.autocommit = True

    def execute(self, sql, params=()):
        cur = self.conn.cursor()
        if params:
            # psycopg2's placeholder is %s; a literal % is written %%
            sql = sql.replace("%", "%%").replace("?", "%s")
            cur.execute(sql, tuple(params))
        else:
            cur.execute(sql)
        return cur

    def commit(self):
        pass  # autocommit

    def close(self):
        self.conn.close()


class _Lite:
    def __init__(self, path):
        self.kind = "sqlite"
        self.conn = sqlite3.connect(path, isolation_level=None)

    def execute(self, sql, params=()):
        return self.conn.execute(sql, params)

    def commit(self):
        pass  # autocommit

    def close(self):
        self.conn.close()


def connect(target):
    return _Pg(target) if is_uri(target) else _Lite(target)


def columns(db, table):
    if db.kind == "pg":
        return [r[0] for r in db.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = ? "
            "ORDER BY ordinal_position", (table,))]
    return [r[1] for r in db.execute(f"PRAGMA table_info({table})")]


def tables(db):
    if db.kind == "pg":
        return {r[0] for r in db.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public'")}
    return {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}


def one(target, sql, params=()):
    db = connect(target)
    try:
        row = db.execute(sql, params).fetchone()
        return None if row is None else row[0]
    finally:
        db.close()

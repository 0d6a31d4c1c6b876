/*
** table.h — the one description of the replicated tables.
**
** Everything that knows a column — the DDL and its CHECK constraints, the
** capture triggers, the codec, the merge and the CLI's field validation —
** reads it from sw_tables[].  No column list is written anywhere else.
**
** Every replicated row also has `rid` (local INTEGER PRIMARY KEY, never
** replicated), `id` (UUID text, made where the row is created) and
** `station` (owning station code).  Those three are identity, not fields.
** The fields are the columns listed here, `deleted` (the tombstone) last.
** A field's index in its table's column array is its number everywhere
** (outbox, field_versions): append new columns just before `deleted`,
** never reorder the others, list them in sw_added[] (table.c) with the
** schema version that adds them, and renumber `deleted` in that version's
** migration (sync/db.c, db_gen_added_columns).  On the wire fields go by
** name, so the numbers never travel.  A table added later says so in
** its own `since` (sw_tables[]): a county never sends an older
** station a table or column its schema lacks (tests/test-proto.c checks
** that schema 2 is what swsync 0.1.0 had).
*/
#ifndef SW_TABLE_H
#define SW_TABLE_H

#include "sw.h"

enum sw_ctype { SW_TEXT, SW_INT };

enum sw_check {
    CK_TEXT,     /* any UTF-8 text up to maxlen characters */
    CK_NONEMPTY, /* text, not empty, up to maxlen */
    CK_ENUM,     /* one of allowed[] */
    CK_DATE,     /* YYYY-MM-DD, a real calendar date */
    CK_DATETIME, /* YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS */
    CK_IDNUM,    /* 18-character resident ID, GB 11643 check digit */
    CK_PHONE,    /* 3..20 of digits, '+', '-', ' ', starting with + or digit */
    CK_BOOL,     /* integer 0 or 1 */
    CK_COUNT,    /* integer 0..maxlen */
    CK_MONEY,    /* decimal text, up to 2 decimals, at most 12 digits */
    CK_REF       /* the id of a case (UUID text) */
};

#define SW_COL_REQUIRED 0x01 /* must be given at add, cannot be cleared */
#define SW_COL_SYSTEM 0x02   /* not settable as field=value (deleted) */
#define SW_COL_LIST 0x04     /* shown in the text output of `list` */
#define SW_COL_FIXED 0x08    /* set at add, never changed afterwards */

struct sw_column {
    const char *name;
    enum sw_ctype type;
    enum sw_check check;
    unsigned flags;
    int maxlen;                 /* characters, or the maximum for CK_COUNT */
    const char *const *allowed; /* NULL-terminated, for CK_ENUM */
    const char *dflt;           /* value given at add when omitted, or NULL;
                                   "@today" is the station's date */
};

/* Who writes a table's records (docs/design-notes.md, "County-owned
** tables"). */
enum sw_owner {
    SW_OWN_STATION, /* a station's own records: it writes, pushes, pulls */
    SW_OWN_COUNTY   /* the county's: it writes; every station pulls all of
                       them read-only and never pushes them */
};

struct sw_table {
    const char *name; /* SQL table: cases */
    const char *noun; /* CLI noun: case */
    const struct sw_column *cols;
    int ncols;
    int ref_col;         /* index of the case reference column, or -1 */
    int since;           /* the schema version that added the table */
    enum sw_owner owner; /* who writes it */
};

/* Appended only, in order of `since` (a table's index is its number on
** the wire): the tables of schema version v are a prefix of sw_tables[]. */
enum {
    SW_T_CASES,
    SW_T_VISITS,
    SW_T_SERVICES,
    SW_T_REFERRALS,
    SW_T_RESOURCES,
    SW_NTABLES
};

/* The oldest schema version a peer may have and still be served. */
#define SW_SCHEMA_OLDEST 2

extern const struct sw_table sw_tables[SW_NTABLES];

/* Look-ups; return NULL / -1 when not found. */
const struct sw_table *sw_table_by_name(const char *name);
const struct sw_table *sw_table_by_noun(const char *noun);
int sw_table_index(const struct sw_table *t);
/* How many tables a peer with schema version `schema` has: those of
** sw_tables[0 .. n-1] (0 for a version older than every table). */
int sw_ntables_at(int schema);
/* Is t the county's (SW_OWN_COUNTY)? */
int sw_county_owned(const struct sw_table *t);
int sw_col_index(const struct sw_table *t, const char *name);
/* The tombstone column's index (always the last). */
int sw_col_deleted(const struct sw_table *t);

/*
** The schema version that added table t (2: it was in schema 2, the
** oldest a county still serves) or its column col.  A county sends a
** station on schema S only the tables and columns with since <= S
** (sync/proto.h).
*/
int sw_table_since(const struct sw_table *t);
int sw_col_since(const struct sw_table *t, int col);
/* Where `deleted` was in schema 2 (-1: t is newer), for the migration. */
int sw_col_deleted_v2(const struct sw_table *t);

/*
** Check one value for a column, as the CLI and the codec do.  value is
** the text form (integers as decimal text); NULL means "clear" and is
** refused for required columns.  On failure fills err with SW_EDATA and a
** message "TABLE.COLUMN: PROBLEM" (table given as t->name).
*/
int sw_validate(const struct sw_table *t, const struct sw_column *c,
                const char *value, struct sw_err *err);

/*
** Bring a date or date-time as other programs write it to the stored
** form, before sw_validate():
**   CK_DATETIME: RFC 3339 with an offset or Z (2026-11-21T10:00:00+08:00,
**     2026-11-21T02:00Z, fractions of a second dropped) becomes the local
**     time of this computer (TZ; the station's) as YYYY-MM-DDTHH:MM:SS;
**     a space for the 'T' (2026-11-21 10:00) becomes 'T';
**   CK_DATE and the date of CK_DATETIME: YYYY/M/D (as spreadsheets save
**     dates) becomes YYYY-MM-DD.
** Anything else (NULL too) is returned unchanged for sw_validate() to
** judge.  Returns v or buf.
*/
#define SW_NORM_MAX 32
const char *sw_normalize(const struct sw_column *c, const char *v,
                         char buf[SW_NORM_MAX]);

/* The GB 11643 check character ('0'..'9' or 'X') for the first 17
** digits of s, or 0 if those are not 17 digits. */
char sw_idnum_check_char(const char *s);

/*
** The SQL CHECK expression for column c, over the SQL name `c->name`,
** appended to sb.  It accepts exactly what sw_validate accepts (apart from
** UTF-8 validity, which SQL cannot test), NULL included.
*/
/* Does SQL refuse NULL for c?  A required column without a default:
** another program cannot leave it out (a defaulted one is filled). */
int sw_col_sql_required(const struct sw_column *c);

void sw_sql_check(struct sw_buf *sb, const struct sw_column *c);

#endif

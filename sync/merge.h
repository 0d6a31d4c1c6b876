/*
** merge.h — apply field changes to a replica or to the county store: the
** one merge rule of DESIGN.md, used by both ends.
**
** For an incoming change (table, row, column, value, ver, base) against
** the local version cur of that field:
**   1. ver == cur: already have it, skip (idempotent).
**   2. base == cur: the writer saw our value: take it, no conflict.
**   3. otherwise the writes were concurrent: the larger version wins; if
**      the values differ the loser is recorded in `conflicts`.
** On a station, a change pulled from the county (MERGE_UPSTREAM) meets a
** field with no unsent local write: the county has seen everything this
** replica sent, so its value is taken as it is.  Unsent local edits are
** sealed first (seal.h), so they are versions the rule compares.
**
** Edit and delete of one record: a tombstone carries the versions of the
** record's fields its writer had seen (sw_change.seen, kept in the
** `tombstones` table while it stands).  A field write the deleter had not
** seen (sw_seen_covers), whichever of the two arrives first, is flagged
** as an 'edit_of_deleted' conflict; the edit's value is kept in the
** field.  A tombstone that does not say what it saw (an older writer) is
** judged as before: an edit newer than it was not seen.
**
** Usage: merge_open(); merge_begin(); merge_apply()...; merge_commit()
** (or merge_abort()); merge_close().  Everything between begin and
** commit is one transaction with capture switched off.  In it SQLite's
** CHECK constraints and triggers are off too: merge_apply checks every
** change against the table description itself (sw_validate, the same
** rules; not again for MERGE_CHECKED, a batch the codec checked) and
** refuses to move a fixed field, as the triggers would.
*/
#ifndef SW_MERGE_H
#define SW_MERGE_H

#include "sdb.h"

#include "change.h"
#include "db.h"
#include "hlc.h"
#include "table.h"

#define MERGE_UPSTREAM 0x01 /* station: the change comes from the county */
#define MERGE_CHECKED                                                          \
    0x02 /* ids, station and values are checked already                        \
            (a batch the codec decoded: b->checked) */
#define MERGE_MOVED                                                            \
    0x04 /* county: an edit a former owner made before it learnt of the        \
            case's transfer (transfer_admit): applied by the rule, and kept    \
            as an 'edit_after_transfer' conflict whether it wins or loses */

struct merge_stats {
    long applied;    /* fields changed */
    long skipped;    /* already had them, or lost to the local value */
    long conflicts;  /* conflicts recorded */
    long rows_added; /* records created */
};

#define MERGE_PUT_VERS 16

/* A station's version of a field: the INSERT's head and its upsert
** (db_prepare_rows: tbl, rid, col, hlc, site, author a row). */
#define MERGE_SQL_VER_STATION_HEAD                                             \
    "INSERT INTO field_versions (tbl, rid, col, hlc, site, author) VALUES"
#define MERGE_SQL_VER_STATION_TAIL                                             \
    " ON CONFLICT (tbl, rid, col) DO UPDATE "                                  \
    "SET hlc = excluded.hlc, site = excluded.site, author = excluded.author"

struct merge_ctx {
    sdb *db;
    enum sw_role role;
    struct hlc_clock clock;
    const char *src;  /* county: the site that sent the changes */
    int64_t next_seq; /* county: the next write's seq */
    struct merge_stats stats;
    /* prepared statements, made by merge_open */
    sdb_stmt *find_row[SW_NTABLES];
    sdb_stmt *add_row[SW_NTABLES];  /* id and station */
    sdb_stmt *add_full[SW_NTABLES]; /* id, station and every field */
    sdb_stmt *get_ver[SW_NTABLES];
    sdb_stmt **get_val[SW_NTABLES];
    sdb_stmt **set_val[SW_NTABLES];
    sdb_stmt *put_ver, *unsent, *conflict;
    /* county: the versions of a new record's first k fields in one
       statement, put_vers[k] (2 <= k <= MERGE_PUT_VERS), made when first
       used */
    sdb_stmt *put_vers[MERGE_PUT_VERS + 1];
    char cur_author[SW_AUTHOR_MAX + 1]; /* the last version read's author */
    sdb_stmt *tomb_get, *tomb_put, *tomb_del, *row_vers;
};

/*
** Prepare m for db.  Returns 0, or an error (and m needs merge_close()
** all the same; merge_close on a zeroed m is fine).
*/
int merge_open(struct merge_ctx *m, sdb *db, enum sw_role role,
               struct sw_err *err);
void merge_close(struct merge_ctx *m);

/* BEGIN IMMEDIATE, capture off, load the clock (and the county's seq). */
int merge_begin(struct merge_ctx *m, struct sw_err *err);

/*
** Apply one change by the rule above.  A received version advances the
** clock (refused with SW_EDATA when m->clock.max_drift_ms is set and the
** version is beyond it).  A change for a record of another station than
** the record's: SW_EPERM.  On error the transaction stays open: call
** merge_abort().
*/
int merge_apply(struct merge_ctx *m, const struct sw_change *c, unsigned flags,
                struct sw_err *err);

/*
** Apply the first changes of c[0..n-1] that are of one record (same
** table, id and station, each field once) and return how many it took
** in *used (at least 1).  A record this replica does not have yet is
** written in one INSERT with its versions (on a station, kept in the
** record's row when its fields share one); otherwise each change goes
** through merge_apply().  The outcome is the same as merge_apply() on
** each change in order.
*/
int merge_apply_row(struct merge_ctx *m, const struct sw_change *c, size_t n,
                    unsigned flags, size_t *used, struct sw_err *err);

/* Save the clock, capture on, COMMIT.  On failure everything is rolled
** back. */
int merge_commit(struct merge_ctx *m, struct sw_err *err);
void merge_abort(struct merge_ctx *m);

/*
** Read the current value and version of a field; *found is 0 if the
** record does not exist.  The value is put into c (c->text malloc'd);
** tbl, id, col of c are the input.  For tests and the county's writes.
*/
int merge_read_field(struct merge_ctx *m, struct sw_change *c, int *found,
                     int *deleted, struct sw_err *err);

/* Prepare every field's own statements now (they are prepared when first
** used otherwise): tests/test-plans.c checks their plans. */
int merge_prepare_all(struct merge_ctx *m, struct sw_err *err);

/* The current value of a field of record rid, as a new sdb_value
** (free with sdb_value_free). */
int merge_get_value(struct merge_ctx *m, int tbl, int col, int64_t rid,
                    sdb_value **out, struct sw_err *err);

/* Set c's value (vtype, ival, text: copied) from a SQLite value.
** Returns 0 or SW_ESOFTWARE. */
int merge_set_value(struct sw_change *c, const sdb_value *v,
                    struct sw_err *err);

/*
** The seen text of record rid of table tbl as this site has it now: the
** version of each of its fields but the tombstone's (*out malloc'd).  A
** tombstone written here carries it (sealing; the county's own writes).
*/
int merge_row_seen(struct merge_ctx *m, int tbl, int64_t rid, char **out,
                   struct sw_err *err);

/* Keep seen for the tombstone of version v of record rid (NULL: forget
** what was kept).  Inside the merge's or the sealing's transaction. */
int merge_put_tomb(struct merge_ctx *m, int tbl, int64_t rid,
                   const struct sw_version *v, const char *seen,
                   struct sw_err *err);

/* The seen text kept for record rid's tombstone of version v: *out
** malloc'd, NULL when none is kept for that version. */
int merge_tomb_seen(struct merge_ctx *m, int tbl, int64_t rid,
                    const struct sw_version *v, char **out, struct sw_err *err);

/*
** Ownership (docs/design-notes.md, "Case transfer").  The `station` of a
** case and of its visits and services is one versioned field of the
** case: its versions are the county's `transfers` rows (none: the first
** owner, never moved).  merge_owner_rule is the merge rule for it, the
** same three steps as for any field: for a write (ver, base) against the
** current version cur, 0 skip (ver == cur, or an older concurrent
** write), 1 take (base == cur, or a newer concurrent write).
*/
int merge_owner_rule(const struct sw_version *cur, const struct sw_version *ver,
                     const struct sw_version *base);

/* County: the current ownership version of case case_id (hlc 0: never
** moved). */
int merge_owner_version(struct merge_ctx *m, const char *case_id,
                        struct sw_version *out, struct sw_err *err);

/*
** County: did case case_id leave station after version base — is there a
** transfer away from station newer than base?  A station writes only what
** it holds, and holds a case only while it owns it: a write of station's
** on base, for a case it no longer owns, was made before it learnt of the
** transfer exactly when the case left it after base.  A base of "no
** version" (a new record, a field never written), or one a replica of
** station wrote itself (a second offline edit on its first, which may be
** later than the transfer), asks whether the case ever left station.
** *yes = 1 or 0.
*/
int merge_left_after(struct merge_ctx *m, const char *case_id,
                     const char *station, const struct sw_version *base,
                     int *yes, struct sw_err *err);

/* The version in columns k (hlc) and k + 1 (site) of st's current row;
** "no version" when the hlc is NULL. */
void merge_column_version(sdb_stmt *st, int k, struct sw_version *v);

#endif

/*
** replica.h — the station side of sync: sealing the outbox into
** versioned changes, reading them for a push, acknowledging them, and
** applying a pulled batch.
*/
#ifndef SW_REPLICA_H
#define SW_REPLICA_H

#include "sdb.h"

#include "change.h"
#include "merge.h"

struct replica {
    sdb *db;
    char site[SW_SITE_MAX + 1];
    char station[SW_CODE_MAX + 1];
    int64_t offset_ms; /* skew correction added to the wall clock */
    /* a pulled version further ahead of the corrected clock than this
       (0: no bound) is stored as it is, but moves the replica's clock
       only to the bound; counted here (replica_apply_pull) */
    int64_t max_drift_ms;
    long clamped;
    int64_t clamped_ahead_ms; /* the furthest ahead, ms */
    struct merge_ctx m;
    sdb_stmt *outbox, *pend_add, *ver_put, *pend_read;
    /* REPLICA_SEAL_ROWS fields a statement (prepared at the first seal) */
    sdb_stmt *pend_add_n, *ver_put_n;
    sdb_stmt *row_station[SW_NTABLES], *case_station;
    long held; /* last seal: fields held back in the outbox */
    char held_msg[SW_ERRMSG_MAX]; /* the first one's problem */
    /* a long pull (see replica_apply_pull): 0 never */
    long bulk_after; /* changes pulled, more to come: indexes dropped */
    long pulled;     /* changes applied since replica_open */
    long erased;     /* records erased by the county's orders (purge) */
    int bulk;        /* the indexes are dropped */
};

/* Sealed fields written a statement (the last few one at a time). */
#define REPLICA_SEAL_ROWS 16

/* What `swsync sync` sets bulk_after to. */
#define REPLICA_BULK_AFTER 20000

/* Load site and station from the replica's config and prepare.  On
** failure call replica_close() all the same. */
int replica_open(struct replica *r, sdb *db, struct sw_err *err);
void replica_close(struct replica *r);

/*
** Seal the outbox: every dirty field becomes a pending change with a new
** version (fields of one record written by one statement share it), the
** field's version is updated, and the outbox entry is cleared only for
** the edit that was sealed.  One transaction.  *n: changes sealed.
**
** A field the county could never accept — a value another program wrote
** that fails its column's check (a required field cleared, text that is
** not UTF-8), a record of another station, a visit of a case this
** station does not have — is held back in the outbox rather than queued,
** so it cannot block every later change; r->held counts them and
** r->held_msg names the first ("visits.<id>.case_id: ...").  Fixing the
** record (a new edit) seals it.
*/
int replica_seal(struct replica *r, long *n, struct sw_err *err);

/*
** Read up to limit pending changes with seq > after into b (initialised
** by the caller): b->site, b->from, b->to are set.  b->n == 0: nothing
** pending.
*/
int replica_read_pending(struct replica *r, int64_t after, size_t limit,
                         struct sw_batch *b, struct sw_err *err);

/* The county has applied everything through seq: forget those. */
int replica_ack(struct replica *r, int64_t through, struct sw_err *err);

/* Make the next pending seq larger than seq (after a restore from an
** old backup the county may have acknowledged more than we remember). */
int replica_seq_floor(struct replica *r, int64_t seq, struct sw_err *err);

/* The highest pending seq this replica ever gave out (0: none). */
int replica_seq_max(struct replica *r, int64_t *out, struct sw_err *err);

/* Forget the pull cursor: the next pull starts from the beginning. */
int replica_reset_cursor(struct replica *r, struct sw_err *err);

/*
** Apply a pulled batch in one transaction: seal the outbox first, merge
** every change as MERGE_UPSTREAM, erase the records b->erase names
** (purge_erase_local: a case with its visits and services, their
** versions, outbox and pending entries, conflicts, local audit text),
** store b->cursor as the pull cursor.  All or nothing.  st (may be NULL)
** gets the counts.  After a batch that erased something, the -wal is
** checkpointed and truncated (purge_checkpoint).
**
** A long pull: once bulk_after changes (when not 0) are applied and the
** county says more remain, the records' secondary indexes (a visit's and
** a service's case, a case's name) are dropped until replica_pull_end:
** one sort at the end instead of a random b-tree insert a record in
** every batch's transaction (docs/design-notes.md).  Records read in
** between are found by scanning.
*/
int replica_apply_pull(struct replica *r, const struct sw_batch *b,
                       struct merge_stats *st, struct sw_err *err);
/* The same, the cursor kept under config key cursor_key ("cursor"; a
** column backfill: "backfill_after"). */
int replica_apply_pull_key(struct replica *r, const struct sw_batch *b,
                           struct merge_stats *st, const char *cursor_key,
                           struct sw_err *err);

/*
** The pull is over (also when it failed): make every secondary index
** that is missing, in one transaction.  Also how a sync killed during a
** long pull gets them back: `swsync sync` calls it first too.
*/
int replica_pull_end(struct replica *r, struct sw_err *err);

/* The pull cursor (0 before the first pull). */
int replica_cursor(struct replica *r, int64_t *out, struct sw_err *err);

/* A push answer said (from, to] of the pull stream holds only this
** replica's own changes: a cursor at from or past it moves to to, so the
** next pull does not fetch them back only to skip them. */
int replica_skip_own(struct replica *r, int64_t from, int64_t to,
                     struct sw_err *err);

/*
** Who writes through this connection from now on: worker (a name, 1 to
** SW_AUTHOR_MAX bytes of UTF-8 without control characters; else
** SW_EDATA and nothing changes), or NULL for nobody.  Every field a
** statement on db writes afterwards carries it as its change's author,
** kept in the outbox, the pending change, the field's version, and sent
** to the county with it.  Per connection: other connections (the CLI,
** another program) write with no author.  Uses a TEMP table and TEMP
** triggers on db (docs/design-notes.md, "Authorship").  Call it outside
** a transaction or inside the writer's own.
*/
int replica_set_author(sdb *db, const char *worker, struct sw_err *err);

/*
** Who wrote the current value of each field of record id of table tbl,
** as this replica knows it (sealed local writes, pulled changes; an
** unsent edit is not counted until it is sealed): authors[c] is a
** malloc'd name or NULL, for each of the table's ncols columns (the
** caller's array, freed by the caller with free() on each).  A record
** that is not here: SW_EDATA "case ID: not found".
*/
int replica_authors(sdb *db, int tbl, const char *id, char **authors,
                    struct sw_err *err);

/* Number of unsent changes: outbox entries plus pending. */
int replica_unsent(struct replica *r, int64_t *out, struct sw_err *err);

#endif

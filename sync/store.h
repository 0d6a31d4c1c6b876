/*
** store.h — the county side of sync: applying a replica's push, reading
** a station's pull, and the county's own writes (corrections and conflict
** resolutions), all through the one merge rule.
**
** Pushes are deduplicated per change: a replica's changes carry its
** outbox sequence numbers and the store remembers, per site, the highest
** one applied (replicas.acked_seq).  A change at or below it was applied
** before and is skipped, however the batches were cut.
*/
#ifndef SW_STORE_H
#define SW_STORE_H

#include "sdb.h"

#include "change.h"
#include "merge.h"

struct push_result;

struct store {
    sdb *db;
    char county[SW_SITE_MAX + 1]; /* the county's site id: its code */
    int64_t max_drift_ms;         /* versions further ahead are clamped */
    size_t pull_max_bytes;        /* a pull stops after about this much */
    /* a pull sends the tables sw_tables[0 .. pull_ntables - 1] only: a
       peer of an older schema (sw_ntables_at) is not sent tables it does
       not have; SW_NTABLES after store_open */
    int pull_ntables;
    struct merge_ctx m;
    sdb_stmt *pull, *pull_rest, *acked_get, *acked_set, *case_station;
    sdb_stmt *is_purged, *refused_add, *erase_pull;
    sdb_stmt *stream_end, *stream_other;
    /* a pull reads each record's row once (store.c, pull_row) */
    sdb_stmt *row[SW_NTABLES];
    int row_tbl, row_ok;
    int64_t row_rid;
    /* if set: called by store_apply_push in its transaction, once the
       push is applied, before the commit (the server's bookkeeping: one
       commit, one fsync, a push); what it writes stays if it fails */
    void (*push_note)(struct store *s, const struct push_result *res,
                      void *arg);
    void *push_note_arg;
};

struct push_result {
    int64_t acked;   /* everything through this seq is applied */
    long applied;    /* fields changed */
    long duplicates; /* changes seen before (seq <= acked) */
    long skipped;    /* lost to the county's value, or equal */
    long conflicts;  /* conflicts recorded */
    long clamped;    /* versions too far ahead, clamped to the county's */
    long refused;    /* changes of purged records: not stored, counted */
    /* the push's own range of the station's pull stream (stream_from,
       stream_to]: every field version there is the pusher's value.  A
       replica whose cursor is at stream_from or past it may move it to
       stream_to (no pull of its own changes back).  Both 0: not offered
       (a clamped version, or another writer in between). */
    int64_t stream_from, stream_to;
};

/* The statements of store_apply_push's stream range (tests/test-plans.c) */
extern const char STORE_SQL_STREAM_END[];
extern const char STORE_SQL_STREAM_OTHER[];

/* A pull answer holds about this many bytes of values at most (memory
** is bounded by it, not by the backlog); `more` says the rest follows. */
#define STORE_PULL_MAX_BYTES (2u << 20)

/* Default drift bound: versions more than 10 minutes ahead are clamped. */
#define STORE_DEFAULT_DRIFT_MS (10 * 60 * 1000)

int store_open(struct store *s, sdb *db, struct sw_err *err);
void store_close(struct store *s);

/*
** Apply a push from replica `site` of station `station` in one
** transaction.  Every change must be of that station's records (and a
** visit's or service's case, if the county has it, too): otherwise
** SW_EPERM and nothing is applied.  Versions more than max_drift_ms ahead
** of the county's clock are clamped to a fresh county version (counted,
** and echoed back to the sender on its pull).  The site must be a known
** replica (replicas.site).  Every change's version must be the sender's
** site, and b->from..b->to the seqs of the first and last change
** (SW_EDATA otherwise): a replica pushes its own writes, in order.
** A change of a county-owned table (sw_county_owned) is refused the
** same way: only the county writes those.
** A change of a purged record (or of a visit or service of a purged
** case) is refused: not stored, counted in res->refused, and noted in
** refused_changes without its value; the rest of the push is applied.
*/
int store_apply_push(struct store *s, const char *station, const char *site,
                     const struct sw_batch *b, struct push_result *res,
                     struct sw_err *err);

/*
** Read the current values of station's fields, and of every county-owned
** record's, written after cursor `after` (tables below s->pull_ntables), up to
*limit fields scanned and about s->pull_max_bytes of
** values, into b (b->cursor, b->more set).
** Fields whose value came from `site` itself are not sent back.  An
** answer that stops before the end (b->more) also holds the fields of
** its records written after b->cursor: a record is never split across
** answers (they come again, and are skipped, later).  Each field carries
** its author, but for a county write (the admin's name stays at the
** county).  Records purged after `after` (through the answer's cursor)
** come as erase orders (b->erase).
*/
/*
** How many of station's fields were written after cursor `after` (what
** a pull from there would still send: not those whose value came from
** site, unless site is NULL), counted up to STORE_COUNT_MAX: the
** pull answer's "remaining" when the agent asks (count=1) for a progress
** display.  Costs a scan of the (station, seq) index range.
*/
#define STORE_COUNT_MAX 10000000
extern const char STORE_SQL_REMAINING[]; /* its query (tests/test-plans.c) */
int store_pull_remaining(struct store *s, const char *station, const char *site,
                         int64_t after, int64_t *n, struct sw_err *err);

/* The same for a pull query (sync/proto.h): q->after, only the tables
** and columns of q->schema, a backfill's columns up to q->upto. */
struct proto_pull_query;
int store_read_pull_q(struct store *s, const char *station, const char *site,
                      const struct proto_pull_query *q, size_t limit,
                      struct sw_batch *b, struct sw_err *err);
int store_read_pull(struct store *s, const char *station, const char *site,
                    int64_t after, size_t limit, struct sw_batch *b,
                    struct sw_err *err);

/*
** The county's own write of one field: a fresh county version whose base
** is the field's current version, so it reaches the owning station on its
** next pull.  Call between store_begin and store_commit; *c gives tbl, id,
** col, the value and its author (c->author; NULL: not known; c->station
** and versions are filled in).  The record
** must exist: SW_ENOINPUT otherwise.
*/
int store_begin(struct store *s, struct sw_err *err);
int store_write(struct store *s, struct sw_change *c, struct sw_err *err);
int store_commit(struct store *s, struct sw_err *err);

/*
** The county's write of one field of a county-owned record (sw_tables'
** SW_OWN_COUNTY), made if it does not exist yet: *c gives tbl, id, col,
** the value and its author; the station (the county's code) and a fresh
** county version are filled in.  Between store_begin and store_commit.
** Every station pulls it (store_read_pull).  A table of stations'
** records: SW_EPERM.
*/
int store_create(struct store *s, struct sw_change *c, struct sw_err *err);
void store_abort(struct store *s);

/* Register a replica without a token (tests, the in-process exchange). */
int store_add_site(struct store *s, const char *station, const char *site,
                   struct sw_err *err);

#endif

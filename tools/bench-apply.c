/*
** bench-apply — how fast a station replica applies pulled changes, beside
** plain SQLite doing the same work, in one run on one disk.
**
**   bench-apply DIR NVISITS NEDITS [BATCH [REPS]]
**
** In DIR (which must exist and be empty of these files) it makes:
**
**   plain.db    a plain table with the visits' columns (rid, id UNIQUE,
**               station, the fields; no CHECKs, triggers or other
**               indexes); NVISITS INSERTs in one transaction, then NEDITS
**               single-field UPDATEs ... WHERE id = ? in one transaction.
**   session-*.db  the same plain table; the same rows as a changeset of
**               SQLite's session extension, applied with
**               sqlite3changeset_apply (one call, one transaction); then
**               the updates as a second changeset.
**   schema.db   a station replica; the same rows INSERTed straight into its
**               visits table (its CHECKs, indexes and triggers, capture
**               off) in one transaction: what the replica's schema costs
**               before the merge does anything.
**   replica.db  a station replica; the same rows as pulled field changes
**               (one change per non-NULL field, as the county sends them),
**               BATCH changes a batch (the agent's pull limit, 5000),
**               each batch encoded as a pull answer and decoded (timed
**               apart, so the codec's share is visible), then applied
**               through replica_apply_pull (one transaction, as `swsync
**               sync` does: with bulk_after set, the indexes dropped
**               during a long pull and made again by replica_pull_end,
**               whose time counts); then NEDITS single-field edits of
**               distinct visits, the same way.
**   replica-enc.db, replica-plain2.db  the replica's apply again (the
**               same batches, new visits and edits) into a replica
**               encrypted at rest (sync/crypt.c, a random key) and into a
**               plain one, in turns, REPS times each (medians): the cost
**               of encryption is apply_enc_base / apply_enc.
**   county.db   a county store; the same visits pushed by their writer
**               in the agent's batches of 500 changes through
**               store_apply_push: the county's side of ingest, no HTTP.
**
** Every file is WAL with synchronous=FULL.  Timings cover only the writes
** (and their commits), not making the data; each is taken as wall-clock
** time (X_rows_per_s) and as this process's CPU time (X_cpu_rows_per_s,
** steadier when other processes share the machine).  The baselines run
** REPS times (default 5) in fresh files and report the median; the
** replica's apply runs once.  Afterwards each file is checkpointed and
** VACUUMed and its size divided by NVISITS.  BENCH_PROFILE=1 in the
** environment: the time of each statement of the apply, on stderr.
** Prints one JSON object on stdout.
*/
#include "config.h"

/* the session extension's declarations in sqlite3.h (Debian's library is
   built with it) */
#define SQLITE_ENABLE_SESSION 1
#define SQLITE_ENABLE_PREUPDATE_HOOK 1

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "sdb.h"

#include "bench-gen.h"
#include "codec.h"
#include "crypt.h"
#include "db.h"
#include "hlc.h"
#include "replica.h"
#include "store.h"

#define STATION "320481101"
#define SITE "320481101-bench1"   /* the replica applying */
#define WRITER "320481101-laptop" /* the replica that wrote the rows */
#define CASE_POOL 5000
#define MAX_REPS 9

/* A visit kept compactly: its id and its field values (NULL: none). */
struct vrec {
    char id[SW_UUID_LEN + 1];
    char *val[GEN_MAXCOLS];
    int64_t hlc; /* its version (all fields: one statement wrote them) */
};

struct edit {
    size_t idx; /* visit */
    int col;
    char *val;
    int64_t hlc;
};

static const struct sw_table *T;

/* Wall-clock and CPU seconds: on a shared machine the CPU time of this
** process says what the work cost when other processes took turns. */
struct clk {
    double wall, cpu;
};

static double secs(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct clk clk_now(void)
{
    struct clk c = {secs(CLOCK_MONOTONIC), secs(CLOCK_PROCESS_CPUTIME_ID)};
    return c;
}

/* Add the time since t0 to *acc; returns the time since t0. */
static struct clk clk_add(struct clk *acc, struct clk t0)
{
    struct clk now = clk_now(), d = {now.wall - t0.wall, now.cpu - t0.cpu};
    if (acc) {
        acc->wall += d.wall;
        acc->cpu += d.cpu;
    }
    return d;
}

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench-apply: %s: %s\n", what, msg);
    exit(1);
}

static void sqlok(sdb *db, int rc, const char *what)
{
    if (rc != SDB_OK && rc != SDB_DONE && rc != SDB_ROW)
        die(what, sdb_errmsg(db));
}

static void exec(sdb *db, const char *sql)
{
    char *msg = NULL;
    if (sdb_exec5(db, sql, NULL, NULL, &msg) != SDB_OK)
        die(sql, msg ? msg : "?");
}

static sdb *open_plain(const char *path)
{
    sdb *db;
    struct sw_buf sb;

    if (sdb_sqlite_open(path, &db) != SDB_OK)
        die(path, sdb_errmsg(db));
    exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
    sb_init(&sb);
    sb_addf(&sb,
            "CREATE TABLE IF NOT EXISTS %s (rid INTEGER PRIMARY KEY, "
            "id TEXT NOT NULL UNIQUE, station TEXT",
            T->name);
    for (int c = 0; c < T->ncols; c++)
        sb_addf(&sb, ", %s %s%s", T->cols[c].name,
                T->cols[c].type == SW_INT ? "INTEGER" : "TEXT",
                c == sw_col_deleted(T) ? " NOT NULL DEFAULT 0" : "");
    sb_adds(&sb, ")");
    exec(db, sb.buf);
    sb_release(&sb);
    return db;
}

/* INSERT INTO visits (id, station, fields...) */
static sdb_stmt *prep_insert(sdb *db)
{
    struct sw_buf sb;
    sdb_stmt *st;

    sb_init(&sb);
    sb_addf(&sb, "INSERT INTO %s (id, station", T->name);
    for (int c = 0; c < T->ncols; c++)
        if (c != sw_col_deleted(T))
            sb_addf(&sb, ", %s", T->cols[c].name);
    sb_adds(&sb, ") VALUES (?, ?");
    for (int c = 0; c < T->ncols; c++)
        if (c != sw_col_deleted(T))
            sb_adds(&sb, ", ?");
    sb_adds(&sb, ")");
    sqlok(db, sdb_prepare_v2(db, sb.buf, -1, &st, NULL), sb.buf);
    sb_release(&sb);
    return st;
}

static void bind_val(sdb_stmt *st, int i, int col, const char *v)
{
    if (!v)
        sdb_bind_null(st, i);
    else if (T->cols[col].type == SW_INT)
        sdb_bind_int64(st, i, strtoll(v, NULL, 10));
    else
        sdb_bind_text(st, i, v, -1, SDB_STATIC);
}

static void insert_rows(sdb *db, const struct vrec *vs, size_t n)
{
    sdb_stmt *st = prep_insert(db);
    for (size_t i = 0; i < n; i++) {
        int k = 3;
        sdb_bind_text(st, 1, vs[i].id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, STATION, -1, SDB_STATIC);
        for (int c = 0; c < T->ncols; c++)
            if (c != sw_col_deleted(T))
                bind_val(st, k++, c, vs[i].val[c]);
        sqlok(db, sdb_step(st), "insert");
        sdb_reset(st);
    }
    sdb_finalize(st);
}

static void update_rows(sdb *db, const struct vrec *vs, const struct edit *es,
                        size_t n)
{
    sdb_stmt *st[GEN_MAXCOLS] = {0};
    for (size_t i = 0; i < n; i++) {
        int c = es[i].col;
        if (!st[c]) {
            char sql[200];
            snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2",
                     T->name, T->cols[c].name);
            sqlok(db, sdb_prepare_v2(db, sql, -1, &st[c], NULL), sql);
        }
        bind_val(st[c], 1, c, es[i].val);
        sdb_bind_text(st[c], 2, vs[es[i].idx].id, -1, SDB_STATIC);
        sqlok(db, sdb_step(st[c]), "update");
        sdb_reset(st[c]);
    }
    for (int c = 0; c < GEN_MAXCOLS; c++)
        sdb_finalize(st[c]);
}

/* ---- session extension -------------------------------------------------- */

static int on_conflict(void *ctx, int why, sqlite3_changeset_iter *it)
{
    (void)ctx;
    (void)it;
    fprintf(stderr, "bench-apply: changeset conflict %d\n", why);
    return SQLITE_CHANGESET_ABORT;
}

/* Apply a changeset to dst in one call; returns the time it took. */
static struct clk apply_changeset(sdb *dst, int n, void *p)
{
    struct clk t0 = clk_now();
    sqlok(
        dst,
        sqlite3changeset_apply(sdb_sqlite(dst), n, p, NULL, on_conflict, NULL),
        "sqlite3changeset_apply");
    return clk_add(NULL, t0);
}

/* ---- the replica -------------------------------------------------------- */

static sdb *new_replica(const char *path, struct replica *r)
{
    sdb *db;
    struct sw_err err;

    memset(&err, 0, sizeof(err));
    if (db_create(path, SW_ROLE_STATION, &db, &err) ||
        db_config_set(db, "station", STATION, &err) ||
        db_config_set(db, "site", SITE, &err))
        die(path, err.msg);
    if (r && replica_open(r, db, &err))
        die("replica_open", err.msg);
    if (r)
        r->bulk_after = REPLICA_BULK_AFTER; /* as `swsync sync` */
    return db;
}

/* Append a change of field col of record id of table tbl. */
static void add_change_of(struct sw_batch *b, int tbl, const char *id, int col,
                          const char *v, int64_t hlc, int64_t base_hlc)
{
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = tbl;
    snprintf(c.id, sizeof(c.id), "%s", id);
    snprintf(c.station, sizeof(c.station), "%s", STATION);
    c.col = col;
    if (!v) {
        c.vtype = SW_V_NULL;
    } else if (sw_tables[tbl].cols[col].type == SW_INT) {
        c.vtype = SW_V_INT;
        c.ival = strtoll(v, NULL, 10);
    } else {
        c.vtype = SW_V_TEXT;
        c.text = sw_strdup(v);
    }
    c.ver.hlc = hlc;
    snprintf(c.ver.site, sizeof(c.ver.site), "%s", WRITER);
    if (base_hlc) {
        c.base.hlc = base_hlc;
        snprintf(c.base.site, sizeof(c.base.site), "%s", WRITER);
    }
    if (batch_add(b, &c))
        die("batch_add", "out of memory");
    change_release(&c);
}

/* A change of a visit. */
static void add_change(struct sw_batch *b, const char *id, int col,
                       const char *v, int64_t hlc, int64_t base_hlc)
{
    add_change_of(b, SW_T_VISITS, id, col, v, hlc, base_hlc);
}

struct timing {
    struct clk apply, decode;
    size_t batches, changes, wire;
};

/* Encode b as a pull answer, time decoding it, then time applying what
** was decoded (as the agent does). */
static void flush(struct replica *r, struct sw_batch *b, int64_t *cursor,
                  int more, struct timing *tm)
{
    struct sw_err err;
    struct sw_batch d;
    unsigned char *wire = NULL;
    size_t wlen = 0;
    struct clk t0;

    memset(&err, 0, sizeof(err));
    b->cursor = ++*cursor;
    b->more = more;
    if (codec_encode_pull(b, &wire, &wlen, &err))
        die("codec_encode_pull", err.msg);
    t0 = clk_now();
    if (codec_decode_pull(wire, wlen, NULL, &d, &err))
        die("codec_decode_pull", err.msg);
    clk_add(&tm->decode, t0);
    free(wire);
    tm->wire += wlen;

    /* what the agent applies: the decoded answer */
    t0 = clk_now();
    if (replica_apply_pull(r, &d, NULL, &err))
        die("replica_apply_pull", err.msg);
    clk_add(&tm->apply, t0);
    tm->batches++;
    tm->changes += d.n;
    batch_release(&d);
    batch_release(b);
    batch_init(b);
}

/* The end of a pull, as `swsync sync` ends it (indexes back). */
static void pull_end(struct replica *r, struct timing *tm)
{
    struct sw_err err;
    struct clk t0 = clk_now();
    if (replica_pull_end(r, &err))
        die("replica_pull_end", err.msg);
    clk_add(&tm->apply, t0);
}

static void apply_visits(struct replica *r, const struct vrec *vs, size_t n,
                         size_t batch, int64_t *cursor, struct timing *tm)
{
    struct sw_batch b;
    batch_init(&b);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < T->ncols; c++) {
            if (c == sw_col_deleted(T) || !vs[i].val[c])
                continue;
            add_change(&b, vs[i].id, c, vs[i].val[c], vs[i].hlc, 0);
            if (b.n == batch)
                flush(r, &b, cursor, 1, tm);
        }
    if (b.n)
        flush(r, &b, cursor, 0, tm);
    pull_end(r, tm);
    batch_release(&b);
}

static void apply_edits(struct replica *r, const struct vrec *vs,
                        const struct edit *es, size_t n, size_t batch,
                        int64_t *cursor, struct timing *tm)
{
    struct sw_batch b;
    batch_init(&b);
    for (size_t i = 0; i < n; i++) {
        add_change(&b, vs[es[i].idx].id, es[i].col, es[i].val, es[i].hlc,
                   vs[es[i].idx].hlc);
        if (b.n == batch)
            flush(r, &b, cursor, 1, tm);
    }
    if (b.n)
        flush(r, &b, cursor, 0, tm);
    pull_end(r, tm);
    batch_release(&b);
}

/* ---- the county store -------------------------------------------------- */

/* Push b (its changes numbered from *seq on) to s as WRITER; adds the
** time to *t and empties b. */
static void push_batch(struct store *s, struct sw_batch *b, int64_t *seq,
                       struct clk *t)
{
    struct push_result res;
    struct sw_err err;
    struct clk t0;

    memset(&err, 0, sizeof(err));
    for (size_t i = 0; i < b->n; i++)
        b->v[i].seq = ++*seq;
    snprintf(b->site, sizeof(b->site), "%s", WRITER);
    b->from = b->v[0].seq;
    b->to = b->v[b->n - 1].seq;
    t0 = clk_now();
    if (store_apply_push(s, STATION, WRITER, b, &res, &err))
        die("store_apply_push", err.msg);
    clk_add(t, t0);
    batch_release(b);
    batch_init(b);
}

/*
** The same visits pushed by their writer into a county store, in the
** agent's push batches (push_changes, 500) through store_apply_push: the
** county's own cost of ingest, without HTTP.  Their cases are pushed
** first (the county takes a visit only of a case it has), not timed.
** Returns the time of the visits.
*/
static struct clk apply_store(const char *path, const struct vrec *cs,
                              size_t ncs, const struct vrec *vs, size_t n,
                              size_t batch)
{
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    struct sw_err err;
    struct store s;
    struct sw_batch b;
    sdb *db;
    int64_t seq = 0;
    struct clk t = {0, 0}, untimed = {0, 0};

    memset(&err, 0, sizeof(err));
    if (db_create(path, SW_ROLE_COUNTY, &db, &err) ||
        db_config_set(db, "county", "320481", &err) ||
        store_open(&s, db, &err) || store_add_site(&s, STATION, WRITER, &err))
        die(path, err.msg);
    batch_init(&b);
    for (size_t i = 0; i < ncs; i++)
        for (int c = 0; c < ct->ncols; c++) {
            if (c == sw_col_deleted(ct) || !cs[i].val[c])
                continue;
            add_change_of(&b, SW_T_CASES, cs[i].id, c, cs[i].val[c], cs[i].hlc,
                          0);
            if (b.n == batch)
                push_batch(&s, &b, &seq, &untimed);
        }
    if (b.n)
        push_batch(&s, &b, &seq, &untimed);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < T->ncols; c++) {
            if (c == sw_col_deleted(T) || !vs[i].val[c])
                continue;
            add_change(&b, vs[i].id, c, vs[i].val[c], vs[i].hlc, 0);
            if (b.n == batch)
                push_batch(&s, &b, &seq, &t);
        }
    if (b.n)
        push_batch(&s, &b, &seq, &t);
    batch_release(&b);
    store_close(&s);
    db_close(db);
    return t;
}

/* ---- where the time goes (BENCH_PROFILE=1) ---------------------------- */

#define PROF_MAX 64

static struct prof {
    char *sql;
    long long ns;
    long calls;
} prof[PROF_MAX];
static int nprof;

/* SQLite's profile clock has millisecond steps: over many calls the sums
** are right, single calls are not. */
static int on_profile(unsigned what, void *ctx, void *p, void *x)
{
    /* SQLite's own statement, not the seam's */
    const char *sql = sqlite3_sql((sqlite3_stmt *)p);
    int i;
    (void)what;
    (void)ctx;
    if (!sql)
        sql = "?";
    for (i = 0; i < nprof && strcmp(prof[i].sql, sql) != 0; i++)
        ;
    if (i == nprof && nprof < PROF_MAX)
        prof[nprof++].sql = sw_strdup(sql);
    if (i < PROF_MAX) {
        prof[i].ns += *(long long *)x;
        prof[i].calls++;
    }
    return 0;
}

static int by_ns(const void *a, const void *b)
{
    const struct prof *x = a, *y = b;
    return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

/* Per statement (triggers included in the statement that fired them):
** total ms, calls, microseconds a call, on stderr. */
static void prof_report(const char *title)
{
    qsort(prof, (size_t)nprof, sizeof(prof[0]), by_ns);
    fprintf(stderr, "bench-apply: %s, by statement:\n", title);
    for (int i = 0; i < nprof; i++)
        fprintf(stderr, "  %8.1f ms %8ld calls %6.2f us  %.110s\n",
                (double)prof[i].ns / 1e6, prof[i].calls,
                (double)prof[i].ns / 1e3 / (double)prof[i].calls,
                prof[i].sql ? prof[i].sql : "?");
    for (int i = 0; i < nprof; i++)
        free(prof[i].sql);
    memset(prof, 0, sizeof(prof));
    nprof = 0;
}

/* ---- storage ------------------------------------------------------------ */

static long long compact_size(sdb *db, const char *path)
{
    struct stat st;
    exec(db, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; "
             "PRAGMA wal_checkpoint(TRUNCATE);");
    if (stat(path, &st) != 0)
        die(path, "stat");
    return (long long)st.st_size;
}

/* {"table": bytes, ...} of db's b-trees (dbstat) into sb. */
static void breakdown(sdb *db, struct sw_buf *sb)
{
    sdb_stmt *st;
    int first = 1;
    sqlok(db,
          sdb_prepare_v2(db,
                         "SELECT name, sum(pgsize) FROM dbstat "
                         "GROUP BY name HAVING sum(pgsize) > 4096 "
                         "ORDER BY 2 DESC",
                         -1, &st, NULL),
          "dbstat");
    sb_adds(sb, "{");
    while (sdb_step(st) == SDB_ROW) {
        sb_addf(sb, "%s\"%s\": %lld", first ? "" : ", ",
                (const char *)sdb_column_text(st, 0),
                (long long)sdb_column_int64(st, 1));
        first = 0;
    }
    sb_adds(sb, "}");
    sdb_finalize(st);
}

/* ---- the baselines ------------------------------------------------------ */

/* plain SQLite: INSERT in one transaction, UPDATE in one.  Returns the
** open database. */
static sdb *run_plain(const char *path, const struct vrec *vs, size_t n,
                      const struct edit *es, size_t ne, struct clk *t_ins,
                      struct clk *t_upd)
{
    sdb *db = open_plain(path);
    struct clk t0 = clk_now();
    exec(db, "BEGIN");
    insert_rows(db, vs, n);
    exec(db, "COMMIT");
    *t_ins = clk_add(NULL, t0);
    t0 = clk_now();
    exec(db, "BEGIN");
    update_rows(db, vs, es, ne);
    exec(db, "COMMIT");
    *t_upd = clk_add(NULL, t0);
    return db;
}

/* The session extension: record changesets in memory, apply them to a
** file like the others.  Returns the open database. */
static sdb *run_session(const char *path, const struct vrec *vs, size_t n,
                        const struct edit *es, size_t ne, struct clk *t_ins,
                        struct clk *t_upd, int *cs_bytes)
{
    sdb *src = open_plain(":memory:"), *dst;
    sqlite3_session *ss;
    int cs_ins_n = 0, cs_upd_n = 0;
    void *cs_ins = NULL, *cs_upd = NULL;

    sqlok(src, sqlite3session_create(sdb_sqlite(src), "main", &ss),
          "session_create");
    sqlok(src, sqlite3session_attach(ss, T->name), "session_attach");
    exec(src, "BEGIN");
    insert_rows(src, vs, n);
    exec(src, "COMMIT");
    sqlok(src, sqlite3session_changeset(ss, &cs_ins_n, &cs_ins),
          "session_changeset");
    sqlite3session_delete(ss);
    sqlok(src, sqlite3session_create(sdb_sqlite(src), "main", &ss),
          "session_create");
    sqlok(src, sqlite3session_attach(ss, T->name), "session_attach");
    exec(src, "BEGIN");
    update_rows(src, vs, es, ne);
    exec(src, "COMMIT");
    sqlok(src, sqlite3session_changeset(ss, &cs_upd_n, &cs_upd),
          "session_changeset");
    sqlite3session_delete(ss);
    sdb_close(src);

    dst = open_plain(path);
    *t_ins = apply_changeset(dst, cs_ins_n, cs_ins);
    if (ne)
        *t_upd = apply_changeset(dst, cs_upd_n, cs_upd);
    *cs_bytes = cs_ins_n;
    sqlite3_free(cs_ins);
    sqlite3_free(cs_upd);
    return dst;
}

/* The replica's own schema, plain INSERTs in one transaction, capture
** off.  Returns the time. */
static struct clk run_schema(const char *path, const struct vrec *vs, size_t n)
{
    sdb *db = new_replica(path, NULL);
    struct clk t0 = clk_now(), t;
    exec(db, "BEGIN IMMEDIATE; UPDATE sync_state SET capture = 0;");
    insert_rows(db, vs, n);
    exec(db, "UPDATE sync_state SET capture = 1; COMMIT");
    t = clk_add(NULL, t0);
    db_close(db);
    return t;
}

static int by_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of the wall and of the CPU times, each on its own. */
static struct clk median(const struct clk *v, int n)
{
    double w[MAX_REPS], c[MAX_REPS];
    struct clk m;
    for (int i = 0; i < n; i++) {
        w[i] = v[i].wall;
        c[i] = v[i].cpu;
    }
    qsort(w, (size_t)n, sizeof(*w), by_double);
    qsort(c, (size_t)n, sizeof(*c), by_double);
    m.wall = n % 2 ? w[n / 2] : (w[n / 2 - 1] + w[n / 2]) / 2;
    m.cpu = n % 2 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    return m;
}

/* "name_s": wall, "name_rows_per_s": rows/wall, "name_cpu_rows_per_s":
** rows/cpu. */
static void put_rate(const char *name, struct clk t, size_t rows)
{
    printf(" \"%s_s\": %.4f, \"%s_rows_per_s\": %.0f, "
           "\"%s_cpu_rows_per_s\": %.0f,\n",
           name, t.wall, name, (double)rows / t.wall, name,
           (double)rows / t.cpu);
}

static char *path_in(const char *dir, const char *name)
{
    struct sw_buf sb;
    sb_init(&sb);
    sb_addf(&sb, "%s/%s", dir, name);
    return sb_detach(&sb, NULL);
}

int main(int argc, char **argv)
{
    const char *dir;
    size_t n, ne, batch = 5000;
    struct vrec *vs;
    struct edit *es;
    struct vrec *cases;
    struct gen g;
    int64_t base_ms, cursor = 0;
    struct clk t_ins[MAX_REPS], t_upd[MAX_REPS], t_sess_ins[MAX_REPS];
    struct clk t_sess_upd[MAX_REPS], t_schema[MAX_REPS], t_store;
    struct clk m_ins, m_upd, m_sess_ins, m_sess_upd, m_schema;
    struct timing ta, te, tae, tee;
    struct clk tpa, tpe;
    int cs_ins_n = 0, reps = 5;
    sdb *plain = NULL, *sess = NULL, *rdb;
    struct replica r;
    char *p_plain, *p_sess, *p_schema, *p_replica, *p_county, *p_enc, *p_pl2;
    long long sz_plain, sz_replica, sz_sess;
    struct sw_buf bd;
    struct sw_err err;

    if (argc < 4 || argc > 6) {
        fprintf(stderr,
                "usage: bench-apply DIR NVISITS NEDITS [BATCH [REPS]]\n");
        return 64;
    }
    dir = argv[1];
    n = strtoul(argv[2], NULL, 10);
    ne = strtoul(argv[3], NULL, 10);
    if (argc >= 5)
        batch = strtoul(argv[4], NULL, 10);
    if (argc >= 6)
        reps = atoi(argv[5]);
    if (n < 1 || ne > n || batch < 1 || reps < 1 || reps > MAX_REPS) {
        fprintf(stderr,
                "bench-apply: need NVISITS >= 1, NEDITS <= NVISITS, "
                "BATCH >= 1, REPS 1..%d\n",
                MAX_REPS);
        return 64;
    }
    if (!sqlite3_compileoption_used("ENABLE_SESSION")) {
        fprintf(stderr, "bench-apply: this libsqlite3 has no session "
                        "extension\n");
        return 69;
    }
    T = &sw_tables[SW_T_VISITS];
    memset(&err, 0, sizeof(err));
    p_plain = path_in(dir, "plain.db");
    p_sess = path_in(dir, "session-dst.db");
    p_schema = path_in(dir, "schema.db");
    p_replica = path_in(dir, "replica.db");
    p_county = path_in(dir, "county.db");
    p_enc = path_in(dir, "replica-enc.db");
    p_pl2 = path_in(dir, "replica-plain2.db");

    /* the data: N visits of CASE_POOL cases, NE edits of distinct visits */
    base_ms = sw_now_ms() - 86400000LL;
    gen_init(&g, 42, base_ms - 30LL * 86400000LL);
    cases = calloc(CASE_POOL, sizeof(*cases));
    if (!cases)
        die("calloc", "out of memory");
    for (int i = 0; i < CASE_POOL; i++) {
        struct gen_rec rec;
        gen_case(&g, &rec);
        memcpy(cases[i].id, rec.id, sizeof(cases[i].id));
        for (int c = 0; c < sw_tables[SW_T_CASES].ncols; c++)
            cases[i].val[c] = rec.v[c] ? sw_strdup(rec.v[c]) : NULL;
        cases[i].hlc = hlc_pack(base_ms - 1000000 + i, 0);
    }
    vs = calloc(n, sizeof(*vs));
    es = calloc(ne ? ne : 1, sizeof(*es));
    if (!vs || !es)
        die("calloc", "out of memory");
    for (size_t i = 0; i < n; i++) {
        struct gen_rec rec;
        gen_visit(&g, cases[gen_next(&g) % CASE_POOL].id, &rec);
        memcpy(vs[i].id, rec.id, sizeof(vs[i].id));
        for (int c = 0; c < T->ncols; c++)
            vs[i].val[c] = rec.v[c] ? sw_strdup(rec.v[c]) : NULL;
        vs[i].hlc = hlc_pack(base_ms + (int64_t)i, 0);
    }
    for (size_t i = 0; i < ne; i++) {
        char v[1024];
        /* distinct visits: i * 7919 mod n is a permutation when n is not a
           multiple of 7919 */
        es[i].idx = (n % 7919 == 0) ? i : (i * 7919) % n;
        gen_edit(&g, SW_T_VISITS, &es[i].col, v, sizeof(v));
        es[i].val = sw_strdup(v);
        es[i].hlc = hlc_pack(base_ms + (int64_t)n + 1000 + (int64_t)i, 0);
    }

    /* 1-3. the baselines, reps times each in fresh files (median) */
    memset(t_upd, 0, sizeof(t_upd));
    memset(t_sess_upd, 0, sizeof(t_sess_upd));
    for (int k = 0; k < reps; k++) {
        db_remove(p_plain);
        db_remove(p_sess);
        db_remove(p_schema);
        if (plain)
            db_close(plain);
        if (sess)
            db_close(sess);
        plain = run_plain(p_plain, vs, n, es, ne, &t_ins[k], &t_upd[k]);
        sess = run_session(p_sess, vs, n, es, ne, &t_sess_ins[k],
                           &t_sess_upd[k], &cs_ins_n);
        t_schema[k] = run_schema(p_schema, vs, n);
    }

    /* 4. the replica: pulled changes through replica_apply_pull */
    memset(&ta, 0, sizeof(ta));
    memset(&te, 0, sizeof(te));
    rdb = new_replica(p_replica, &r);
    if (getenv("BENCH_PROFILE"))
        sqlite3_trace_v2(sdb_sqlite(rdb), SQLITE_TRACE_PROFILE, on_profile,
                         NULL);
    apply_visits(&r, vs, n, batch, &cursor, &ta);
    if (getenv("BENCH_PROFILE"))
        prof_report("new visits");
    apply_edits(&r, vs, es, ne, batch, &cursor, &te);
    if (getenv("BENCH_PROFILE")) {
        prof_report("edits");
        sqlite3_trace_v2(sdb_sqlite(rdb), 0, NULL, NULL);
    }
    replica_close(&r);

    /* 5. the county store: the same visits as pushes of 500 changes */
    t_store = apply_store(p_county, cases, CASE_POOL, vs, n, 500);

    /* 5b. the same apply into a plain and an encrypted replica, taken in
       turns reps times (the median of each): the cost of encryption */
    {
        unsigned char key[CRYPT_KEY_LEN];
        struct clk pa[MAX_REPS], pe[MAX_REPS], ea[MAX_REPS], ee[MAX_REPS];
        if (sw_random(key, sizeof(key)))
            die("sw_random", "no random bytes");
        for (int k = 0; k < reps; k++)
            for (int enc = 0; enc < 2; enc++) {
                struct replica er;
                struct timing x, y;
                sdb *edb;
                int64_t ecur = 0;
                const char *p = enc ? p_enc : p_pl2;
                memset(&x, 0, sizeof(x));
                memset(&y, 0, sizeof(y));
                db_remove(p);
                if (enc && crypt_use_key(key, &err))
                    die("crypt_use_key", err.msg);
                edb = new_replica(p, &er);
                apply_visits(&er, vs, n, batch, &ecur, &x);
                apply_edits(&er, vs, es, ne, batch, &ecur, &y);
                replica_close(&er);
                db_close(edb);
                crypt_forget_key();
                (enc ? ea : pa)[k] = x.apply;
                (enc ? ee : pe)[k] = y.apply;
            }
        tae.apply = median(ea, reps);
        tee.apply = median(ee, reps);
        tpa = median(pa, reps);
        tpe = median(pe, reps);
    }

    /* 6. storage: the same rows, compacted */
    sz_plain = compact_size(plain, p_plain);
    sz_sess = compact_size(sess, p_sess);
    sz_replica = compact_size(rdb, p_replica);
    sb_init(&bd);
    breakdown(rdb, &bd);
    m_ins = median(t_ins, reps);
    m_upd = median(t_upd, reps);
    m_sess_ins = median(t_sess_ins, reps);
    m_sess_upd = median(t_sess_upd, reps);
    m_schema = median(t_schema, reps);

    printf("{\"visits\": %zu, \"edits\": %zu, \"batch\": %zu,\n", n, ne, batch);
    printf(" \"changes\": %zu, \"batches\": %zu, \"edit_batches\": %zu,\n",
           ta.changes, ta.batches, te.batches);
    printf(" \"reps\": %d,\n", reps);
    put_rate("insert", m_ins, n);
    put_rate("session", m_sess_ins, n);
    put_rate("schema_insert", m_schema, n);
    put_rate("apply", ta.apply, n);
    put_rate("apply_enc", tae.apply, n);
    put_rate("apply_enc_base", tpa, n);
    printf(" \"apply_changes_per_s\": %.0f,\n",
           (double)ta.changes / ta.apply.wall);
    put_rate("decode", ta.decode, n);
    printf(" \"pull_wire_bytes\": %zu,\n", ta.wire);
    if (ne) {
        put_rate("update", m_upd, ne);
        put_rate("session_update", m_sess_upd, ne);
        put_rate("edit_apply", te.apply, ne);
        put_rate("edit_apply_enc", tee.apply, ne);
        put_rate("edit_apply_enc_base", tpe, ne);
    }
    put_rate("store", t_store, n);
    printf(" \"store_changes_per_s\": %.0f,\n",
           (double)ta.changes / t_store.wall);
    printf(" \"changeset_bytes\": %d,\n", cs_ins_n);
    printf(" \"plain_bytes\": %lld, \"session_db_bytes\": %lld, "
           "\"replica_bytes\": %lld,\n",
           sz_plain, sz_sess, sz_replica);
    printf(" \"plain_bytes_per_row\": %.1f, \"replica_bytes_per_row\": %.1f,\n",
           (double)sz_plain / (double)n, (double)sz_replica / (double)n);
    printf(" \"replica_btrees\": %s}\n", bd.buf);
    sb_release(&bd);

    db_close(plain);
    db_close(sess);
    db_close(rdb);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < T->ncols; c++)
            free(vs[i].val[c]);
    for (size_t i = 0; i < ne; i++)
        free(es[i].val);
    for (int i = 0; i < CASE_POOL; i++)
        for (int c = 0; c < sw_tables[SW_T_CASES].ncols; c++)
            free(cases[i].val[c]);
    free(cases);
    free(vs);
    free(es);
    free(p_plain);
    free(p_sess);
    free(p_schema);
    free(p_replica);
    free(p_county);
    free(p_enc);
    free(p_pl2);
    return 0;
}

/*
** bench-fill — write records into a station replica the way a station
** front-end does: plain SQL INSERTs and UPDATEs on the replica's tables,
** captured by its triggers.  For the benchmarks that sync real processes.
**
**   bench-fill DB [--seed N] [--cases N] [--visits N] [--case-edits N]
**              [--visit-edits N] [--until-changes N] [--author NAME]
**
** In one transaction: N new cases, N new visits (of this replica's cases,
** picked at random), N single-field edits of distinct existing cases and
** of distinct existing visits (each one really changes the value).
** --until-changes N: instead, add visits (and a case every tenth) until
** N field changes are captured.  --author: written as NAME (what the
** station console does for its signed-in worker: replica_set_author).
**
** Prints a JSON object: what was written, "captured" (field changes: one
** per non-NULL field of a new record, one per edit), and the wire floor
** of what was written: "bare_bytes" (the bare values: a record's non-NULL
** field values joined by TAB, one record a line; an edit's new value, one
** a line) and "floor_bytes" (those bytes deflated by zlib at level 6, as
** one stream); "floor_id_bytes" likewise with each record's id in front.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdb.h"
#include <zlib.h>

#include "bench-gen.h"
#include "db.h"
#include "replica.h"

struct fill {
    sdb *db;
    struct gen g;
    char (*cases)[SW_UUID_LEN + 1]; /* ids of the replica's cases */
    size_t ncases, capcases;
    long captured;
    struct sw_buf bare, bare_id;
    sdb_stmt *ins[SW_NTABLES];
};

static void die(const char *what, const char *msg)
{
    fprintf(stderr, "bench-fill: %s: %s\n", what, msg);
    exit(1);
}

static void sqlok(sdb *db, int rc, const char *what)
{
    if (rc != SDB_OK && rc != SDB_DONE && rc != SDB_ROW)
        die(what, sdb_errmsg(db));
}

static void add_case_id(struct fill *f, const char *id)
{
    if (f->ncases == f->capcases) {
        f->capcases = f->capcases ? f->capcases * 2 : 1024;
        f->cases = realloc(f->cases, f->capcases * sizeof(*f->cases));
        if (!f->cases)
            die("realloc", "out of memory");
    }
    snprintf(f->cases[f->ncases++], SW_UUID_LEN + 1, "%s", id);
}

static void load_cases(struct fill *f)
{
    sdb_stmt *st;
    sqlok(f->db,
          sdb_prepare_v2(f->db,
                         "SELECT id FROM cases WHERE deleted = 0 "
                         "ORDER BY rid",
                         -1, &st, NULL),
          "select cases");
    while (sdb_step(st) == SDB_ROW)
        add_case_id(f, (const char *)sdb_column_text(st, 0));
    sdb_finalize(st);
}

static sdb_stmt *prep_insert(sdb *db, int tbl)
{
    const struct sw_table *t = &sw_tables[tbl];
    struct sw_buf sb;
    sdb_stmt *st;

    sb_init(&sb);
    sb_addf(&sb, "INSERT INTO %s (id", t->name);
    for (int c = 0; c < t->ncols; c++)
        if (c != sw_col_deleted(t))
            sb_addf(&sb, ", %s", t->cols[c].name);
    sb_adds(&sb, ") VALUES (?");
    for (int c = 0; c < t->ncols; c++)
        if (c != sw_col_deleted(t))
            sb_adds(&sb, ", ?");
    sb_adds(&sb, ")");
    sqlok(db, sdb_prepare_v2(db, sb.buf, -1, &st, NULL), sb.buf);
    sb_release(&sb);
    return st;
}

static void bind_val(sdb_stmt *st, int i, const struct sw_column *c,
                     const char *v)
{
    if (!v)
        sdb_bind_null(st, i);
    else if (c->type == SW_INT)
        sdb_bind_int64(st, i, strtoll(v, NULL, 10));
    else
        sdb_bind_text(st, i, v, -1, SDB_TRANSIENT);
}

static void insert(struct fill *f, const struct gen_rec *r)
{
    const struct sw_table *t = &sw_tables[r->tbl];
    sdb_stmt *st = f->ins[r->tbl];
    int k = 2;

    if (!st)
        st = f->ins[r->tbl] = prep_insert(f->db, r->tbl);
    sdb_bind_text(st, 1, r->id, -1, SDB_TRANSIENT);
    for (int c = 0; c < t->ncols; c++) {
        if (c == sw_col_deleted(t))
            continue;
        bind_val(st, k++, &t->cols[c], r->v[c]);
        if (r->v[c])
            f->captured++;
    }
    sqlok(f->db, sdb_step(st), "insert");
    sdb_reset(st);
    gen_bare(r, 0, &f->bare);
    gen_bare(r, 1, &f->bare_id);
}

static void new_case(struct fill *f)
{
    struct gen_rec r;
    gen_case(&f->g, &r);
    insert(f, &r);
    add_case_id(f, r.id);
}

static void new_visit(struct fill *f)
{
    struct gen_rec r;
    if (f->ncases == 0)
        new_case(f);
    gen_visit(&f->g, f->cases[gen_next(&f->g) % f->ncases], &r);
    insert(f, &r);
}

/* n single-field edits of distinct records of tbl, each a real change. */
static long edit(struct fill *f, int tbl, long n)
{
    const struct sw_table *t = &sw_tables[tbl];
    sdb_stmt *ids, *st[GEN_MAXCOLS] = {0};
    char(*pick)[SW_UUID_LEN + 1] = NULL;
    size_t np = 0, cap = 0;
    long done = 0;
    char sql[200];

    snprintf(sql, sizeof(sql),
             "SELECT id FROM %s WHERE deleted = 0 ORDER BY rid", t->name);
    sqlok(f->db, sdb_prepare_v2(f->db, sql, -1, &ids, NULL), sql);
    while (sdb_step(ids) == SDB_ROW) {
        if (np == cap) {
            cap = cap ? cap * 2 : 256;
            pick = realloc(pick, cap * sizeof(*pick));
            if (!pick)
                die("realloc", "out of memory");
        }
        snprintf(pick[np++], SW_UUID_LEN + 1, "%s",
                 (const char *)sdb_column_text(ids, 0));
    }
    sdb_finalize(ids);
    /* the first n of a seeded shuffle: distinct records, the same ones for
       the same seed and file */
    for (size_t i = 0; i < np && (long)i < n; i++) {
        size_t j = i + gen_next(&f->g) % (np - i);
        char tmp[SW_UUID_LEN + 1];
        memcpy(tmp, pick[i], sizeof(tmp));
        memcpy(pick[i], pick[j], sizeof(tmp));
        memcpy(pick[j], tmp, sizeof(tmp));
    }
    if ((long)np < n)
        die(t->name, "fewer records than edits asked for");
    for (size_t i = 0; (long)i < n; i++) {
        for (int tries = 0; tries < 20; tries++) {
            char v[1024];
            int c;
            gen_edit(&f->g, tbl, &c, v, sizeof(v));
            if (!st[c]) {
                snprintf(sql, sizeof(sql),
                         "UPDATE %s SET %s = ?1 WHERE id = ?2 AND %s IS NOT ?1",
                         t->name, t->cols[c].name, t->cols[c].name);
                sqlok(f->db, sdb_prepare_v2(f->db, sql, -1, &st[c], NULL), sql);
            }
            bind_val(st[c], 1, &t->cols[c], v);
            sdb_bind_text(st[c], 2, pick[i], -1, SDB_STATIC);
            sqlok(f->db, sdb_step(st[c]), "update");
            sdb_reset(st[c]);
            if (sdb_changes(f->db) > 0) {
                sb_adds(&f->bare, v);
                sb_add(&f->bare, "\n", 1);
                sb_adds(&f->bare_id, pick[i]);
                sb_add(&f->bare_id, "\t", 1);
                sb_adds(&f->bare_id, v);
                sb_add(&f->bare_id, "\n", 1);
                f->captured++;
                done++;
                break;
            }
        }
    }
    for (int c = 0; c < GEN_MAXCOLS; c++)
        sdb_finalize(st[c]);
    free(pick);
    return done;
}

static unsigned long deflated(const struct sw_buf *sb)
{
    uLongf n = compressBound((uLong)sb->len);
    unsigned char *out = malloc(n ? n : 1);
    if (!out)
        die("malloc", "out of memory");
    if (compress2(out, &n, (const Bytef *)(sb->buf ? sb->buf : ""),
                  (uLong)sb->len, 6) != Z_OK)
        die("compress2", "failed");
    free(out);
    return n;
}

static long arg_num(int argc, char **argv, int *i)
{
    char *end;
    long v;
    if (*i + 1 >= argc)
        die(argv[*i], "needs a number");
    v = strtol(argv[++*i], &end, 10);
    if (*end || v < 0)
        die(argv[*i - 1], "needs a number");
    return v;
}

int main(int argc, char **argv)
{
    struct fill f;
    struct sw_err err;
    long seed = 1, ncases = 0, nvisits = 0, cedits = 0, vedits = 0;
    long until = 0, done_c = 0, done_v = 0, done_ce = 0, done_ve = 0;
    const char *author = NULL;

    if (argc < 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: bench-fill DB [--seed N] [--cases N] "
                        "[--visits N] [--case-edits N] [--visit-edits N] "
                        "[--until-changes N] [--author NAME]\n");
        return 64;
    }
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--seed"))
            seed = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--cases"))
            ncases = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--visits"))
            nvisits = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--case-edits"))
            cedits = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--visit-edits"))
            vedits = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--until-changes"))
            until = arg_num(argc, argv, &i);
        else if (!strcmp(argv[i], "--author") && i + 1 < argc)
            author = argv[++i];
        else
            die(argv[i], "unknown option");
    }

    memset(&f, 0, sizeof(f));
    memset(&err, 0, sizeof(err));
    sb_init(&f.bare);
    sb_init(&f.bare_id);
    if (db_open(argv[1], SW_ROLE_STATION, &f.db, &err))
        die(argv[1], err.msg);
    if (author && replica_set_author(f.db, author, &err))
        die("--author", err.msg);
    gen_init(&f.g, (uint64_t)seed, sw_now_ms() - 3600000LL);
    load_cases(&f);
    if (db_exec(f.db, "BEGIN IMMEDIATE", &err))
        die("begin", err.msg);
    for (; done_c < ncases; done_c++)
        new_case(&f);
    for (; done_v < nvisits; done_v++)
        new_visit(&f);
    while (until && f.captured < until) {
        if (done_v % 10 == 0) {
            new_case(&f);
            done_c++;
        }
        new_visit(&f);
        done_v++;
    }
    if (cedits)
        done_ce = edit(&f, SW_T_CASES, cedits);
    if (vedits)
        done_ve = edit(&f, SW_T_VISITS, vedits);
    for (int t = 0; t < SW_NTABLES; t++)
        sdb_finalize(f.ins[t]);
    if (db_exec(f.db, "COMMIT", &err))
        die("commit", err.msg);
    printf("{\"cases\": %ld, \"visits\": %ld, \"case_edits\": %ld, "
           "\"visit_edits\": %ld, \"captured\": %ld, \"bare_bytes\": %zu, "
           "\"floor_bytes\": %lu, \"floor_id_bytes\": %lu}\n",
           done_c, done_v, done_ce, done_ve, f.captured, f.bare.len,
           deflated(&f.bare), deflated(&f.bare_id));
    sb_release(&f.bare);
    sb_release(&f.bare_id);
    free(f.cases);
    db_close(f.db);
    return 0;
}

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "purge.h"
#include "store.h"
#include "transfer.h"

static const char SQL_ACKED_GET[] =
    "SELECT acked_seq FROM replicas WHERE site = ?1 AND station = ?2";
static const char SQL_ACKED_SET[] =
    "UPDATE replicas SET acked_seq = ?1 WHERE site = ?2";
static const char SQL_CASE_STATION[] =
    "SELECT station FROM cases WHERE id = ?1";
static const char SQL_IS_PURGED[] = "SELECT 1 FROM purged WHERE id = ?1";
static const char SQL_REFUSED_ADD[] =
    "INSERT INTO refused_changes (at, station, site, tbl, record, changes) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
/* the erase orders of a pull: records purged after the cursor, up to
   ?3 (the answer's cursor), and cases moved away (docs/design-notes.md,
   "Case transfer": where to, when, the note) */
static const char SQL_ERASE_PULL[] =
    "SELECT tbl, id, seq, NULL, NULL, NULL FROM purged "
    "WHERE station = ?1 AND seq > ?2 AND seq <= ?3 "
    "UNION ALL SELECT 0, case_id, seq, to_station, at, note FROM moved "
    "WHERE from_station = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY 3, 1, 2";
/* The end of station ?1's pull stream (its field versions, the
** county-owned ones (station ?2, the county's code), its erase orders and
** the cases moved away from it), and whether anything after ?2 came from
** another source than the pusher ?3: a push's own range
** (store_apply_push).  Both must see the whole stream a pull reads, or a
** county write between a station's pull and its push would be skipped. */
/* (the largest of four: an aggregate over a union, as both engines have
   it; SQLite's max(a, b) and PostgreSQL's greatest() are each one's) */
const char STORE_SQL_STREAM_END[] =
    "SELECT coalesce(max(m), 0) FROM ("
    "SELECT max(seq) AS m FROM field_versions WHERE station = ?1 "
    "UNION ALL SELECT max(seq) FROM field_versions WHERE station = ?2 "
    "UNION ALL SELECT max(seq) FROM purged WHERE station = ?1 "
    "UNION ALL SELECT max(seq) FROM moved WHERE from_station = ?1) AS e";
/* After a push: how many field versions station ?1's stream has past ?2
** (read from the (station, seq) index alone), and whether the county's
** stream (?3), the station's erase orders or its moved cases have
** anything past ?2. */
const char STORE_SQL_STREAM_OTHER[] =
    "SELECT (SELECT count(*) FROM field_versions WHERE station = ?1 "
    "AND seq > ?2), "
    "CASE WHEN EXISTS (SELECT 1 FROM field_versions WHERE station = ?3 "
    "AND seq > ?2 "
    "UNION ALL SELECT 1 FROM purged WHERE station = ?1 AND seq > ?2 "
    "UNION ALL SELECT 1 FROM moved WHERE from_station = ?1 AND seq > ?2) "
    "THEN 1 ELSE 0 END";
static const char SQL_ADD_STATION[] =
    "INSERT INTO stations (code, created_at) VALUES (?1, ?2) "
    "ON CONFLICT DO NOTHING";
static const char SQL_ADD_SITE[] =
    "INSERT INTO replicas (station, device, token_hash, site, created_at) "
    "VALUES (?1, ?2, 'none:' || ?2, ?2, ?3)";

/* The pull query: the station's field versions in county order, read
** through the (station, seq) index in one pass (rest: the fields of one
** record past a cursor).  The record's id and values are read once a
** record (pull_row), not by a subquery a field. */
/* A station's own records and the county-owned ones (station ?4, the
** county's code), in one seq order; only the tables the puller's schema
** has (tbl < ?5).  Each side is an index range of (station, seq) in seq
** order, and the compound's ORDER BY merges the two as they are stepped
** (SQLite: MERGE (UNION ALL); PostgreSQL: Merge Append), stopping at the
** limit.  Not a subquery a side: SQLite then sorted each side's rows into
** a temporary B-tree again before merging (issue 14: half the query's
** time). */
static const char SQL_PULL[] =
    "SELECT seq, tbl, col, hlc, site, base_hlc, base_site, src, author, rid "
    "FROM field_versions WHERE station = ?1 AND seq > ?2 AND tbl < ?5 "
    "UNION ALL "
    "SELECT seq, tbl, col, hlc, site, base_hlc, base_site, src, author, rid "
    "FROM field_versions WHERE station = ?4 AND seq > ?2 AND tbl < ?5 "
    "ORDER BY seq LIMIT ?3";
static const char SQL_PULL_REST[] =
    "SELECT seq, tbl, col, hlc, site, base_hlc, base_site, src, author, rid "
    "FROM field_versions WHERE tbl = ?1 AND rid = ?2 AND seq > ?3 "
    "ORDER BY col";
const char STORE_SQL_REMAINING[] =
    "SELECT count(*) FROM (SELECT 1 FROM field_versions "
    "WHERE station IN (?1, ?5) AND seq > ?2 AND src IS DISTINCT FROM ?4 "
    "AND tbl < ?6 LIMIT ?3) AS r";

/* A record's id and its columns in table order, by rid. */
static char *row_sql(const struct sw_table *tb)
{
    struct sw_buf sb;
    sb_init(&sb);
    sb_adds(&sb, "SELECT id");
    for (int c = 0; c < tb->ncols; c++)
        sb_addf(&sb, ", %s", tb->cols[c].name);
    sb_addf(&sb, " FROM %s WHERE rid = ?1", tb->name);
    return sb_detach(&sb, NULL);
}

/* Forget the record pull_row holds (its statement reset). */
static void pull_row_drop(struct store *s)
{
    if (s->row_tbl >= 0)
        sdb_reset(s->row[s->row_tbl]);
    s->row_tbl = -1;
    s->row_ok = 0;
}

/* Record (tbl, rid)'s row: s->row[tbl] stepped onto it, the same record
** as the field before costs nothing.  1: there, 0: gone, -1: error. */
static int pull_row(struct store *s, int tbl, int64_t rid, struct sw_err *err)
{
    int step;
    if (tbl < 0 || tbl >= SW_NTABLES) {
        sw_fail(err, SW_ESOFTWARE, _("pull: table %d"), tbl);
        return -1;
    }
    if (s->row_tbl == tbl && s->row_rid == rid)
        return s->row_ok;
    pull_row_drop(s);
    sdb_bind_int64(s->row[tbl], 1, rid);
    step = sdb_step(s->row[tbl]);
    if (step != SDB_ROW && step != SDB_DONE) {
        db_fail(err, s->db, "read pull");
        sdb_reset(s->row[tbl]);
        return -1;
    }
    s->row_tbl = tbl;
    s->row_rid = rid;
    s->row_ok = step == SDB_ROW;
    return s->row_ok;
}

int store_open(struct store *s, sdb *db, struct sw_err *err)
{
    char *county = NULL, *sql = NULL;
    int rc;

    memset(s, 0, sizeof(*s));
    s->db = db;
    s->max_drift_ms = STORE_DEFAULT_DRIFT_MS;
    s->pull_max_bytes = STORE_PULL_MAX_BYTES;
    s->pull_ntables = SW_NTABLES;
    rc = db_config_get(db, "county", &county, err);
    if (!rc && (!county || !sw_code_valid(county)))
        rc = sw_fail(err, SW_ECONFIG, _("county store has no county code"));
    if (!rc) {
        snprintf(s->county, sizeof(s->county), "%s", county);
        rc = merge_open(&s->m, db, SW_ROLE_COUNTY, err);
    }
    s->row_tbl = -1;
    for (int t = 0; t < SW_NTABLES && !rc; t++) {
        sql = row_sql(&sw_tables[t]);
        rc = sql ? db_prepare_keep(s->db, sql, &s->row[t], err)
                 : sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        free(sql);
        sql = NULL;
    }
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_PULL, &s->pull, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_PULL_REST, &s->pull_rest, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_ACKED_GET, &s->acked_get, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_ACKED_SET, &s->acked_set, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_CASE_STATION, &s->case_station, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_IS_PURGED, &s->is_purged, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_REFUSED_ADD, &s->refused_add, err);
    if (!rc)
        rc = db_prepare_keep(s->db, SQL_ERASE_PULL, &s->erase_pull, err);
    if (!rc)
        rc = db_prepare_keep(s->db, STORE_SQL_STREAM_END, &s->stream_end, err);
    if (!rc)
        rc = db_prepare_keep(s->db, STORE_SQL_STREAM_OTHER, &s->stream_other,
                             err);
    free(sql);
    free(county);
    return rc;
}

void store_close(struct store *s)
{
    merge_close(&s->m);
    for (int t = 0; t < SW_NTABLES; t++) {
        sdb_finalize(s->row[t]);
        s->row[t] = NULL;
    }
    sdb_finalize(s->pull);
    sdb_finalize(s->pull_rest);
    s->pull_rest = NULL;
    sdb_finalize(s->acked_get);
    sdb_finalize(s->acked_set);
    sdb_finalize(s->case_station);
    sdb_finalize(s->is_purged);
    sdb_finalize(s->refused_add);
    sdb_finalize(s->erase_pull);
    sdb_finalize(s->stream_end);
    sdb_finalize(s->stream_other);
    s->stream_end = s->stream_other = NULL;
    s->pull = s->acked_get = s->acked_set = s->case_station = NULL;
    s->is_purged = s->refused_add = s->erase_pull = NULL;
}

/* The one answer for a case of another station and for no case at all:
** a refusal names neither the owner nor whether the id exists. */
static int not_its_case(const struct sw_table *tb, const struct sw_change *c,
                        struct sw_err *err)
{
    return sw_fail(err, SW_EPERM, _("%s %s: station %s has no case %s"),
                   tb->noun, c->id, c->station, c->text);
}

/* A visit or service must hang on a case of its own station. */
static int check_case_scope(struct store *s, const struct sw_change *c,
                            struct sw_err *err)
{
    const struct sw_table *tb = &sw_tables[c->tbl];
    int rc = 0;

    if (tb->ref_col != c->col || c->vtype != SW_V_TEXT)
        return 0;
    sdb_bind_text(s->case_station, 1, c->text, -1, SDB_STATIC);
    if (sdb_step(s->case_station) == SDB_ROW) {
        const char *owner = (const char *)sdb_column_text(s->case_station, 0);
        if (!owner || strcmp(owner, c->station) != 0)
            rc = not_its_case(tb, c, err);
    } else {
        /* a case is sealed, so pushed, before its visits: an unknown one
           is not this station's */
        rc = not_its_case(tb, c, err);
    }
    sdb_reset(s->case_station);
    return rc;
}

/* The last seq of station's pull stream into *out. */
static int stream_end(struct store *s, const char *station, int64_t *out,
                      struct sw_err *err)
{
    int rc = 0;
    sdb_bind_text(s->stream_end, 1, station, -1, SDB_STATIC);
    sdb_bind_text(s->stream_end, 2, s->county, -1, SDB_STATIC);
    if (sdb_step(s->stream_end) == SDB_ROW)
        *out = sdb_column_int64(s->stream_end, 0);
    else
        rc = db_fail(err, s->db, "read the pull stream");
    sdb_reset(s->stream_end);
    return rc;
}

/*
** After a push is applied: the seqs it gave the station's stream, from
** res->stream_from (the end before) to res->stream_to, if every field
** version there is the pusher's own value (nothing clamped, no other
** writer between): a replica whose cursor had reached stream_from may
** move it to stream_to without pulling its own changes back.  Otherwise
** both stay 0 (not offered).
**
** The push wrote `wrote` field versions (the seqs it took), each with
** the pusher's site as its source unless clamped (batch_check: every
** version of a push is the sender's).  So when nothing was clamped, the
** station's range past `before` holds exactly that many versions, and
** nothing else is in the county's stream, the erase orders or the moved
** cases past it, the range is the pusher's own: anything else written
** there (by a writer between, or a version taken twice) makes the count
** differ.  Counted from the index alone: reading each version's source
** was a seventh of the county's work in a push (issue 14).
*/
static int stream_range(struct store *s, const char *station, int64_t before,
                        int64_t wrote, struct push_result *res,
                        struct sw_err *err)
{
    int64_t after = 0;
    int rc = 0, step, own;

    if (res->clamped)
        return 0;
    sdb_bind_text(s->stream_other, 1, station, -1, SDB_STATIC);
    sdb_bind_int64(s->stream_other, 2, before);
    sdb_bind_text(s->stream_other, 3, s->county, -1, SDB_STATIC);
    step = sdb_step(s->stream_other);
    own = step == SDB_ROW && sdb_column_int64(s->stream_other, 0) == wrote &&
          sdb_column_int64(s->stream_other, 1) == 0;
    if (step != SDB_ROW && step != SDB_DONE)
        rc = db_fail(err, s->db, "read the pull stream");
    sdb_reset(s->stream_other);
    if (!rc && own)
        rc = stream_end(s, station, &after, err);
    if (!rc && own) {
        res->stream_from = before;
        res->stream_to = after;
    }
    return rc;
}

/* Is id purged: 1, 0, or -1 with err filled. */
static int is_purged(struct store *s, const char *id, struct sw_err *err)
{
    int step;
    sdb_bind_text(s->is_purged, 1, id, -1, SDB_STATIC);
    step = sdb_step(s->is_purged);
    sdb_reset(s->is_purged);
    if (step == SDB_ROW)
        return 1;
    if (step == SDB_DONE)
        return 0;
    db_fail(err, s->db, "read purged");
    return -1;
}

/*
** Mark refused[i] for each change of a purged record, or of a record
** whose case (in this batch) is purged; note each such record once in
** refused_changes.  Returns 0 or an error.
*/
static int refuse_purged(struct store *s, const char *station, const char *site,
                         struct sw_change *todo, size_t n, char *refused,
                         long *count, struct sw_err *err)
{
    int rc = 0;

    for (size_t i = 0; i < n; i++) {
        const struct sw_table *tb = &sw_tables[todo[i].tbl];
        /* a record's id is looked up once, at its first change (a
           purged one's changes are all marked then) */
        int same = i > 0 && todo[i].tbl == todo[i - 1].tbl &&
                   !strcmp(todo[i].id, todo[i - 1].id);
        int p = same ? 0 : is_purged(s, todo[i].id, err);
        if (p == 0 && tb->ref_col == todo[i].col && todo[i].vtype == SW_V_TEXT)
            p = is_purged(s, todo[i].text, err);
        if (p < 0)
            return err ? err->code : SW_ESOFTWARE;
        if (!p)
            continue;
        /* every change of this record in the batch */
        for (size_t j = 0; j < n; j++)
            if (todo[j].tbl == todo[i].tbl && !strcmp(todo[j].id, todo[i].id))
                refused[j] = 1;
    }
    /* one row a record: how many changes, no value */
    for (size_t i = 0; !rc && i < n; i++) {
        long k = 0;
        int first = 1;
        if (!refused[i])
            continue;
        for (size_t j = 0; j < n; j++) {
            if (refused[j] && todo[j].tbl == todo[i].tbl &&
                !strcmp(todo[j].id, todo[i].id)) {
                if (j < i)
                    first = 0;
                k++;
            }
        }
        if (!first)
            continue;
        *count += k;
        sdb_bind_int64(s->refused_add, 1, sw_now_ms());
        sdb_bind_text(s->refused_add, 2, station, -1, SDB_STATIC);
        sdb_bind_text(s->refused_add, 3, site, -1, SDB_STATIC);
        sdb_bind_int(s->refused_add, 4, todo[i].tbl);
        sdb_bind_text(s->refused_add, 5, todo[i].id, -1, SDB_STATIC);
        sdb_bind_int64(s->refused_add, 6, k);
        if (sdb_step(s->refused_add) != SDB_DONE)
            rc = db_fail(err, s->db, "note refused changes");
        sdb_reset(s->refused_add);
    }
    return rc;
}

int store_apply_push(struct store *s, const char *station, const char *site,
                     const struct sw_batch *b, struct push_result *res,
                     struct sw_err *err)
{
    struct merge_ctx *m = &s->m;
    struct sw_change *todo = NULL;
    char *moved = NULL;
    size_t ntodo = 0;
    int64_t acked = 0, now = sw_now_ms(), before = 0, seq0;
    int rc, step;

    memset(res, 0, sizeof(*res));
    if (strcmp(b->site, site) != 0)
        return sw_fail(err, SW_EPERM,
                       _("push names site %s, but this token "
                         "is site %s's"),
                       b->site, site);
    /* range, order, sites (every version the sender's own): decoded
       batches were checked, in-process ones (exchange.c, tests) are
       checked here; either way nothing below reads a change that is not
       there */
    rc = batch_check(b, 1, err);
    if (rc)
        return rc;

    for (size_t i = 0; i < b->n; i++) {
        if (sw_county_owned(&sw_tables[b->v[i].tbl]))
            continue; /* the county's: refused below, one by one */
        if (strcmp(b->v[i].station, station) != 0)
            return sw_fail(err, SW_EPERM,
                           _("%s %s belongs to station %s: station %s may not "
                             "write it"),
                           sw_tables[b->v[i].tbl].noun, b->v[i].id,
                           b->v[i].station, station);
    }

    m->clock.max_drift_ms = 0; /* clamped below, never refused */
    m->clock.offset_ms = 0;
    rc = merge_begin(m, err);
    if (rc)
        return rc;
    seq0 = m->next_seq; /* the seqs this push takes follow */
    sdb_bind_text(s->acked_get, 1, site, -1, SDB_STATIC);
    sdb_bind_text(s->acked_get, 2, station, -1, SDB_STATIC);
    step = sdb_step(s->acked_get);
    if (step == SDB_ROW)
        acked = sdb_column_int64(s->acked_get, 0);
    else if (step == SDB_DONE)
        rc = sw_fail(err, SW_EPERM, _("site %s is not a replica of station %s"),
                     site, station);
    else
        rc = db_fail(err, s->db, "read replica");
    sdb_reset(s->acked_get);
    res->acked = acked;
    if (!rc)
        rc = stream_end(s, station, &before, err);

    /* what is new: shallow copies (text stays the batch's), then applied
       a record at a time */
    if (!rc && b->n && !(todo = malloc(b->n * sizeof(*todo))))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    for (size_t i = 0; !rc && i < b->n; i++) {
        if (b->v[i].seq <= acked)
            res->duplicates++;
        else
            todo[ntodo++] = b->v[i];
    }
    /* a purged person is never made again: their changes are dropped */
    if (!rc && ntodo) {
        char *refused = calloc(ntodo, 1);
        size_t k = 0;
        if (!refused)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        /* a county-owned table is written at the county only: a
           station's change of it (another program wrote the replica) is
           refused and noted, as one of a purged record */
        for (size_t i = 0; !rc && i < ntodo; i++)
            refused[i] = (char)sw_county_owned(&sw_tables[todo[i].tbl]);
        if (!rc)
            rc = refuse_purged(s, station, site, todo, ntodo, refused,
                               &res->refused, err);
        for (size_t i = 0; !rc && i < ntodo; i++)
            if (!refused[i])
                todo[k++] = todo[i];
        if (!rc)
            ntodo = k;
        free(refused);
    }
    /* a former owner's edits of a case moved away before it knew: taken
       for the case's station now (transfer.c) */
    if (!rc && ntodo && !(moved = malloc(ntodo)))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc && ntodo)
        rc = transfer_admit(s, station, todo, ntodo, moved, err);
    /* src: each value's version site, the sender's (checked above) or
       the county's for a clamped one */
    m->src = NULL;
    for (size_t i = 0, used = 0, ready = 0; !rc && i < ntodo; i += used) {
        size_t k = 0;
        while (i + k < ntodo && todo[i + k].tbl == todo[i].tbl &&
               !strcmp(todo[i + k].id, todo[i].id))
            k++;
        /* the record's case may be one of this batch's: checked now; the
           clock sees the versions first, so that a clamped one is newer
           than every version before it in the push */
        for (size_t j = ready; !rc && j < i + k; j++) {
            rc = check_case_scope(s, &todo[j], err);
            if (!rc && hlc_ms(todo[j].ver.hlc) <= now + s->max_drift_ms)
                rc = hlc_recv(&m->clock, todo[j].ver.hlc, now, err);
        }
        for (size_t j = ready; !rc && j < i + k; j++) {
            if (hlc_ms(todo[j].ver.hlc) > now + s->max_drift_ms) {
                /* a clock far ahead must not win every conflict forever */
                todo[j].ver.hlc = hlc_now(&m->clock, now);
                snprintf(todo[j].ver.site, sizeof(todo[j].ver.site), "%s",
                         s->county);
                res->clamped++;
            }
        }
        ready = ready > i + k ? ready : i + k;
        if (!rc)
            rc = merge_apply_row(m, &todo[i], k,
                                 (b->checked ? MERGE_CHECKED : 0) |
                                     (moved[i] ? MERGE_MOVED : 0),
                                 &used, err);
    }
    free(todo);
    free(moved);
    if (!rc && b->to > acked) {
        sdb_bind_int64(s->acked_set, 1, b->to);
        sdb_bind_text(s->acked_set, 2, site, -1, SDB_STATIC);
        if (sdb_step(s->acked_set) != SDB_DONE)
            rc = db_fail(err, s->db, "save acknowledgement");
        sdb_reset(s->acked_set);
        res->acked = b->to;
    }
    if (!rc)
        rc = stream_range(s, station, before, m->next_seq - seq0, res, err);
    if (rc) {
        merge_abort(m);
        memset(res, 0, sizeof(*res));
        return rc;
    }
    {
        long refused = res->refused;
        res->applied = m->stats.applied;
        res->skipped = m->stats.skipped;
        res->refused = refused;
    }
    res->conflicts = m->stats.conflicts;
    if (s->push_note)
        s->push_note(s, res, s->push_note_arg);
    return merge_commit(m, err);
}

/* The field of st's current row (SQL_PULL's columns) into b; its
** record's row from pull_row.  *vbytes: the bytes of its value. */
static int pull_add(struct store *s, sdb_stmt *st, const char *station,
                    const struct proto_pull_query *q, struct sw_batch *b,
                    size_t *vbytes, struct sw_err *err)
{
    struct sw_change c;
    sdb_stmt *row;
    int rc = 0, there;

    memset(&c, 0, sizeof(c));
    c.tbl = sdb_column_int(st, 1);
    c.col = sdb_column_int(st, 2);
    there = pull_row(s, c.tbl, sdb_column_int64(st, 9), err);
    if (there < 0)
        return err ? err->code : SW_ESOFTWARE;
    if (c.col < 0 || c.col >= sw_tables[c.tbl].ncols)
        return sw_fail(err, SW_ESOFTWARE, _("pull: column %d of %s"), c.col,
                       sw_tables[c.tbl].name);
    row = s->row[c.tbl];
    if (there) {
        const unsigned char *id = sdb_column_text(row, 0);
        sw_copy(c.id, sizeof(c.id), (const char *)id);
        rc = merge_set_value(&c, sdb_column_value(row, 1 + c.col), err);
        if (vbytes)
            *vbytes = (size_t)sdb_column_bytes(row, 1 + c.col);
    } else {
        c.vtype = SW_V_NULL; /* no such record (as a NULL subquery did) */
        if (vbytes)
            *vbytes = 0;
    }
    /* a county-owned record is the county's, whoever pulls it */
    sw_copy(c.station, sizeof(c.station),
            sw_county_owned(&sw_tables[c.tbl]) ? s->county : station);
    merge_column_version(st, 3, &c.ver);
    merge_column_version(st, 5, &c.base);
    if (!rc && c.col == sw_col_deleted(&sw_tables[c.tbl]) &&
        c.vtype == SW_V_INT && c.ival == 1)
        rc = merge_tomb_seen(&s->m, c.tbl, sdb_column_int64(st, 9), &c.ver,
                             &c.seen, err);
    if (!rc && c.seen)
        proto_seen_filter(q, c.tbl, c.seen); /* an older station's columns */
    /* a county write's author (an admin) stays at the county:
       the station sees the county's site (docs/protocol.md) */
    if (!rc && sdb_column_text(st, 8) && strcmp(c.ver.site, s->county) != 0 &&
        sw_author_valid((const char *)sdb_column_text(st, 8)) &&
        !(c.author = sw_strdup((const char *)sdb_column_text(st, 8))))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc && batch_add(b, &c))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    change_release(&c);
    return rc;
}

/*
** An answer that stops before the end: the records it holds get their
** fields written after its cursor too (sent again, and skipped, when the
** cursor gets there), so that a record is never split across answers and
** a station never shows one half made (issue 18).
*/
static int pull_complete(struct store *s, const char *station, const char *site,
                         const struct proto_pull_query *q, struct sw_batch *b,
                         struct sw_err *err)
{
    sdb_stmt *st = s->pull_rest;
    size_t n = b->n;
    int rc = 0;

    for (size_t i = 0; i < n && !rc; i++) {
        int64_t rid;
        int step;
        if (i > 0 && b->v[i].tbl == b->v[i - 1].tbl &&
            strcmp(b->v[i].id, b->v[i - 1].id) == 0)
            continue;      /* the same record as the change before */
        rid = b->v[i].seq; /* pull: the record's rid, set below */
        sdb_bind_int(st, 1, b->v[i].tbl);
        sdb_bind_int64(st, 2, rid);
        sdb_bind_int64(st, 3, b->cursor);
        while (!rc && (step = sdb_step(st)) == SDB_ROW) {
            if (site && strcmp((const char *)sdb_column_text(st, 7), site) == 0)
                continue;
            if (!proto_col_sent(q, sdb_column_int(st, 1),
                                sdb_column_int(st, 2)))
                continue;
            rc = pull_add(s, st, station, q, b, NULL, err);
        }
        if (!rc && step != SDB_DONE)
            rc = db_fail(err, s->db, "read pull");
        sdb_reset(st);
    }
    pull_row_drop(s);
    return rc;
}

int store_read_pull(struct store *s, const char *station, const char *site,
                    int64_t after, size_t limit, struct sw_batch *b,
                    struct sw_err *err)
{
    struct proto_pull_query q;
    memset(&q, 0, sizeof(q));
    q.after = after;
    q.schema = PROTO_SCHEMA;
    return store_read_pull_q(s, station, site, &q, limit, b, err);
}

static int read_pull(struct store *s, const char *station, const char *site,
                     const struct proto_pull_query *q, size_t limit,
                     struct sw_batch *b, struct sw_err *err)
{
    sdb_stmt *st = s->pull;
    int64_t after = q->after;
    int done = 0; /* a backfill got past its upto */
    int ntables;
    size_t scanned = 0, bytes = 0;
    int rc = 0, step, cut = 0;

    b->cursor = after;
    b->more = 0;
    pull_row_drop(s);
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, after);
    sdb_bind_int64(st, 3, (int64_t)limit);
    sdb_bind_text(st, 4, s->county, -1, SDB_STATIC);
    /* only the tables the station's schema has (the columns are chosen
       by proto_col_sent) */
    ntables = sw_ntables_at((int)q->schema);
    sdb_bind_int(st, 5, ntables < s->pull_ntables ? ntables : s->pull_ntables);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        if (b->n > 0 && bytes >= s->pull_max_bytes) {
            cut = 1; /* long texts: the rest next time */
            break;
        }
        if (q->backfill > 0 && sdb_column_int64(st, 0) > q->upto) {
            done = 1; /* the backfill is done */
            break;
        }
        size_t vbytes = 0;
        scanned++;
        b->cursor = sdb_column_int64(st, 0);
        bytes += 96 + (size_t)sdb_column_bytes(st, 8);
        if (site && strcmp((const char *)sdb_column_text(st, 7), site) == 0)
            continue; /* the sender has this very value */
        if (!proto_col_sent(q, sdb_column_int(st, 1), sdb_column_int(st, 2)))
            continue; /* not in the station's schema (or backfilled) */
        rc = pull_add(s, st, station, q, b, &vbytes, err);
        bytes += vbytes;
        if (!rc)
            b->v[b->n - 1].seq = sdb_column_int64(st, 9); /* rid */
    }
    if (!rc && !cut && !done && step != SDB_DONE)
        rc = db_fail(err, s->db, "read pull");
    sdb_reset(st);
    pull_row_drop(s);
    b->more = !rc && !done && (cut || scanned == limit);
    /* erase orders: purged after `after`, up to where this answer ends
       (all of them when it is the last one); a backfill has none */
    if (!rc && q->backfill <= 0) {
        st = s->erase_pull;
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, after);
        sdb_bind_int64(st, 3, b->more ? b->cursor : INT64_MAX);
        while (!rc && (step = sdb_step(st)) == SDB_ROW) {
            int64_t seq = sdb_column_int64(st, 2);
            const char *id = (const char *)sdb_column_text(st, 1);
            int tbl = sdb_column_int(st, 0);
            if (seq > b->cursor)
                b->cursor = seq;
            /* an order for a table the station's schema lacks (a
               referral, for a 0.1.0 agent): its case's order takes what
               the station holds */
            if (tbl < 0 || tbl >= SW_NTABLES ||
                sw_table_since(&sw_tables[tbl]) > q->schema)
                continue;
            if (sdb_column_type(st, 3) == SDB_TEXT
                    ? batch_add_move(b, id,
                                     (const char *)sdb_column_text(st, 3),
                                     sdb_column_int64(st, 4),
                                     (const char *)sdb_column_text(st, 5))
                    : batch_add_erase(b, tbl, id))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
        if (!rc && step != SDB_DONE)
            rc = db_fail(err, s->db, "read erase orders");
        sdb_reset(st);
    }
    if (!rc && b->more)
        rc = pull_complete(s, station, site, q, b, err);
    /* a pull change carries no seq (it held the rid meanwhile) */
    for (size_t i = 0; i < b->n; i++)
        b->v[i].seq = 0;
    return rc;
}

/* One answer is one read of the store: its field versions, erase orders
** and the rest of its records see the same commit, or a write landing
** between them (another server thread, the CLI) could put the answer's
** cursor past a change it does not hold. */
int store_read_pull_q(struct store *s, const char *station, const char *site,
                      const struct proto_pull_query *q, size_t limit,
                      struct sw_batch *b, struct sw_err *err)
{
    int own = sdb_get_autocommit(s->db), rc;

    if (own && (rc = db_begin_read(s->db, err)) != 0)
        return rc;
    rc = read_pull(s, station, site, q, limit, b, err);
    if (own) {
        if (rc)
            db_rollback(s->db);
        else
            rc = db_commit(s->db, err);
    }
    return rc;
}

int store_begin(struct store *s, struct sw_err *err)
{
    s->m.clock.max_drift_ms = 0;
    s->m.clock.offset_ms = 0;
    return merge_begin(&s->m, err);
}

/* c->seen: every version of c's record the county has. */
static int county_seen(struct store *s, struct sw_change *c, struct sw_err *err)
{
    sdb_stmt *st = s->m.find_row[c->tbl];
    int64_t rid = -1;

    sdb_bind_text(st, 1, c->id, -1, SDB_STATIC);
    if (sdb_step(st) == SDB_ROW)
        rid = sdb_column_int64(st, 0);
    sdb_reset(st);
    if (rid < 0)
        return 0;
    return merge_row_seen(&s->m, c->tbl, rid, &c->seen, err);
}

int store_write(struct store *s, struct sw_change *c, struct sw_err *err)
{
    struct sw_change cur;
    int found = 0, rc;

    memset(&cur, 0, sizeof(cur));
    cur.tbl = c->tbl;
    cur.col = c->col;
    snprintf(cur.id, sizeof(cur.id), "%s", c->id);
    rc = merge_read_field(&s->m, &cur, &found, NULL, err);
    if (!rc && !found)
        rc = sw_fail(err, SW_ENOINPUT, _("%s %s: not found"),
                     sw_tables[c->tbl].noun, c->id);
    if (!rc) {
        snprintf(c->station, sizeof(c->station), "%s", cur.station);
        c->base = cur.ver;
        c->ver.hlc = hlc_now(&s->m.clock, sw_now_ms());
        snprintf(c->ver.site, sizeof(c->ver.site), "%s", s->county);
        s->m.src = s->county;
        if (c->col == sw_col_deleted(&sw_tables[c->tbl]) &&
            c->vtype == SW_V_INT && c->ival == 1 && !c->seen)
            rc = county_seen(s, c, err); /* the county saw all it has */
        if (!rc)
            rc = merge_apply(&s->m, c, 0, err);
        s->m.src = NULL;
    }
    change_release(&cur);
    return rc;
}

int store_create(struct store *s, struct sw_change *c, struct sw_err *err)
{
    int rc;

    if (c->tbl < 0 || c->tbl >= SW_NTABLES ||
        !sw_county_owned(&sw_tables[c->tbl]))
        return sw_fail(
            err, SW_EPERM, _("%s: a station's records are made at the station"),
            c->tbl >= 0 && c->tbl < SW_NTABLES ? sw_tables[c->tbl].noun : "?");
    snprintf(c->station, sizeof(c->station), "%.32s", s->county);
    memset(&c->base, 0, sizeof(c->base));
    c->ver.hlc = hlc_now(&s->m.clock, sw_now_ms());
    snprintf(c->ver.site, sizeof(c->ver.site), "%s", s->county);
    s->m.src = s->county;
    rc = merge_apply(&s->m, c, 0, err);
    s->m.src = NULL;
    return rc;
}

int store_commit(struct store *s, struct sw_err *err)
{
    return merge_commit(&s->m, err);
}

void store_abort(struct store *s)
{
    merge_abort(&s->m);
}

int store_add_site(struct store *s, const char *station, const char *site,
                   struct sw_err *err)
{
    sdb_stmt *st = NULL;
    int rc = db_begin(s->db, err);
    if (!rc)
        rc = db_prepare(s->db, SQL_ADD_STATION, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        sdb_bind_int64(st, 2, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, s->db, "add station");
        sdb_finalize(st);
        st = NULL;
    }
    if (!rc)
        rc = db_prepare(s->db, SQL_ADD_SITE, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
        sdb_bind_text(st, 2, site, -1, SDB_STATIC);
        sdb_bind_int64(st, 3, sw_now_ms());
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, s->db, "add replica");
        sdb_finalize(st);
    }
    if (rc) {
        db_rollback(s->db);
        return rc;
    }
    return db_commit(s->db, err);
}

int store_pull_remaining(struct store *s, const char *station, const char *site,
                         int64_t after, int64_t *n, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(s->db, STORE_SQL_REMAINING, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, after);
    sdb_bind_int64(st, 3, STORE_COUNT_MAX);
    if (site)
        sdb_bind_text(st, 4, site, -1, SDB_STATIC);
    sdb_bind_text(st, 5, s->county, -1, SDB_STATIC);
    sdb_bind_int(st, 6, s->pull_ntables);
    if (sdb_step(st) == SDB_ROW) {
        *n = sdb_column_int64(st, 0);
        rc = 0;
    } else {
        rc = db_fail(err, s->db, "pull");
    }
    sdb_finalize(st);
    return rc;
}

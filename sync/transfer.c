#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "localaudit.h"
#include "merge.h"
#include "purge.h"
#include "transfer.h"

/* ---- county --------------------------------------------------------- */

static const char SQL_CASE[] =
    "SELECT rid, station, name, id_number, phone FROM cases WHERE id = ?1";
static const char SQL_STATION_KNOWN[] =
    "SELECT 1 FROM stations WHERE code = ?1";
static const char SQL_TRANSFER_ADD[] =
    "INSERT INTO transfers (case_id, from_station, to_station, hlc, site, "
    "base_hlc, base_site, at, admin, note, request) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
/* The tables that move with a case: the case's own and every station
** table with a case reference (sync/table.c), so that a table added to
** the description moves without a change here. */
static int moves_with_case(int t)
{
    return t == SW_T_CASES ||
           (sw_tables[t].owner == SW_OWN_STATION && sw_tables[t].ref_col >= 0);
}

/* "UPDATE T SET station = ?2 WHERE <id or case reference> = ?1" */
static void sql_restamp_rows(struct sw_buf *sb, int t)
{
    const struct sw_table *tb = &sw_tables[t];
    sb_addf(sb, "UPDATE %s SET station = ?2 WHERE %s = ?1", tb->name,
            t == SW_T_CASES ? "id" : tb->cols[tb->ref_col].name);
}

/* every field version of them, in record order (?1 the case id, ?2 its
   rid) */
static void sql_fields(struct sw_buf *sb)
{
    const char *sep = "";
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        if (!moves_with_case(t))
            continue;
        if (t == SW_T_CASES)
            sb_addf(sb,
                    "%sSELECT tbl, rid, col FROM field_versions "
                    "WHERE tbl = %d AND rid = ?2",
                    sep, t);
        else
            sb_addf(sb,
                    "%sSELECT tbl, rid, col FROM field_versions "
                    "WHERE tbl = %d AND rid IN (SELECT rid FROM %s "
                    "WHERE %s = ?1)",
                    sep, t, tb->name, tb->cols[tb->ref_col].name);
        sep = " UNION ALL ";
    }
    sb_adds(sb, " ORDER BY 1, 2, 3");
}

/* the conflicts on them follow (?1 the case id, ?2 the new station) */
static void sql_restamp_conflicts(struct sw_buf *sb)
{
    sb_adds(sb, "UPDATE conflicts SET station = ?2 WHERE row_id = ?1");
    for (int t = 0; t < SW_NTABLES; t++)
        if (t != SW_T_CASES && moves_with_case(t))
            sb_addf(sb, " OR row_id IN (SELECT id FROM %s WHERE %s = ?1)",
                    sw_tables[t].name,
                    sw_tables[t].cols[sw_tables[t].ref_col].name);
}

/* Prepare the statement built in sql, and release it. */
static int prepare_built(sdb *db, struct sw_buf *sql, sdb_stmt **st,
                         struct sw_err *err)
{
    int rc = sql->oom || !sql->buf
                 ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql->buf, st, err);
    sb_release(sql);
    return rc;
}

/* into the new station's pull stream: a new seq each, and the county as
   their source, so that no replica is spared one (a replica of a station
   the case comes back to erased them all) */
static const char SQL_RESTAMP_FIELD[] =
    "UPDATE field_versions SET station = ?4, seq = ?5, src = ?6 "
    "WHERE tbl = ?1 AND rid = ?2 AND col = ?3";
static const char SQL_MOVED_ADD[] =
    "INSERT INTO moved (case_id, from_station, to_station, seq, at, note) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT (case_id, from_station) DO UPDATE SET "
    "to_station = excluded.to_station, seq = excluded.seq, at = excluded.at, "
    "note = excluded.note";
/* the station it comes back to holds it again: no order to let go */
static const char SQL_MOVED_BACK[] =
    "DELETE FROM moved WHERE case_id = ?1 AND from_station = ?2";
static const char SQL_REQUEST_DONE[] =
    "UPDATE transfer_requests SET status = 'confirmed', decided_at = ?2, "
    "decided_by = ?3 WHERE id = ?1 AND status = 'pending' AND case_id = ?4 "
    "AND to_station = ?5";

/* Run st (bound), expecting DONE; finalize it. */
static int run_done(sdb *db, sdb_stmt *st, const char *what, struct sw_err *err)
{
    int rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, what);
    sdb_finalize(st);
    return rc;
}

/* A note: 1..SW_NOTE_MAX bytes of UTF-8 without control characters. */
int transfer_note_ok(const char *note)
{
    size_t n = note ? strlen(note) : 0;
    if (n == 0 || n > SW_NOTE_MAX || !sw_utf8_valid(note))
        return 0;
    for (const unsigned char *p = (const unsigned char *)note; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

struct field_key {
    int tbl, col;
    int64_t rid;
};

/* Re-stamp every field version of case_id (rid) into to's stream. */
static int restamp_fields(struct store *s, const char *case_id, int64_t rid,
                          const char *to, long *nfields, struct sw_err *err)
{
    struct merge_ctx *m = &s->m;
    struct field_key *v = NULL;
    size_t n = 0, cap = 0;
    sdb_stmt *st = NULL;
    struct sw_buf sql;
    int rc, step;

    sb_init(&sql);
    sql_fields(&sql);
    rc = prepare_built(s->db, &sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    sdb_bind_int64(st, 2, rid);
    while ((step = sdb_step(st)) == SDB_ROW) {
        if (n == cap) {
            struct field_key *nv;
            cap = cap ? cap * 2 : 64;
            nv = realloc(v, cap * sizeof(*v));
            if (!nv) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                break;
            }
            v = nv;
        }
        v[n].tbl = sdb_column_int(st, 0);
        v[n].rid = sdb_column_int64(st, 1);
        v[n].col = sdb_column_int(st, 2);
        n++;
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, s->db, "read field versions");
    sdb_finalize(st);
    st = NULL;
    if (!rc)
        rc = db_prepare(s->db, SQL_RESTAMP_FIELD, &st, err);
    for (size_t i = 0; !rc && i < n; i++) {
        sdb_bind_int(st, 1, v[i].tbl);
        sdb_bind_int64(st, 2, v[i].rid);
        sdb_bind_int(st, 3, v[i].col);
        sdb_bind_text(st, 4, to, -1, SDB_STATIC);
        sdb_bind_int64(st, 5, m->next_seq++);
        sdb_bind_text(st, 6, s->county, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, s->db, "re-stamp field version");
        sdb_reset(st);
    }
    sdb_finalize(st);
    free(v);
    *nfields = (long)n;
    return rc;
}

int transfer_case(struct store *s, const char *case_id, const char *to,
                  const char *note, const char *admin, int64_t request,
                  struct transfer_result *res, struct sw_err *err)
{
    struct merge_ctx *m = &s->m;
    struct sw_version cur, ver;
    sdb_stmt *st = NULL;
    char *vals[3] = {NULL, NULL, NULL};
    int64_t rid = 0, now = sw_now_ms();
    int rc, step;

    memset(res, 0, sizeof(*res));
    if (!sw_uuid_valid(case_id))
        return sw_fail(err, SW_ENOINPUT, _("case %s: not found"), case_id);
    if (!to || !sw_code_valid(to))
        return sw_fail(err, SW_EUSAGE, _("transfer: bad station code %s"),
                       to ? to : "");
    if (!transfer_note_ok(note))
        return sw_fail(err, SW_EUSAGE,
                       _("transfer: a note of 1 to %d bytes of text on one "
                         "line"),
                       SW_NOTE_MAX);
    rc = db_prepare(s->db, SQL_CASE, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    step = sdb_step(st);
    if (step == SDB_ROW) {
        rid = sdb_column_int64(st, 0);
        snprintf(res->from, sizeof(res->from), "%s",
                 (const char *)sdb_column_text(st, 1));
        for (int i = 0; i < 3 && !rc; i++)
            if (sdb_column_text(st, 2 + i) &&
                !(vals[i] =
                      sw_strdup((const char *)sdb_column_text(st, 2 + i))))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    } else if (step == SDB_DONE) {
        rc = sw_fail(err, SW_ENOINPUT, _("case %s: not found"), case_id);
    } else {
        rc = db_fail(err, s->db, "read case");
    }
    sdb_finalize(st);
    st = NULL;
    /* the old station sees the note: it must not hold the person */
    for (int i = 0; !rc && i < 3; i++)
        if (vals[i] && strlen(vals[i]) > 1 && strstr(note, vals[i]))
            rc = sw_fail(err, SW_EUSAGE,
                         _("transfer: the note must not hold the person's "
                           "name, ID number or phone"));
    for (int i = 0; i < 3; i++)
        free(vals[i]);
    if (rc)
        return rc;
    if (strcmp(res->from, to) == 0)
        return sw_fail(err, SW_EUSAGE, _("case %s is at station %s already"),
                       case_id, to);
    rc = db_prepare(s->db, SQL_STATION_KNOWN, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, to, -1, SDB_STATIC);
    step = sdb_step(st);
    sdb_finalize(st);
    if (step != SDB_ROW)
        return step == SDB_DONE
                   ? sw_fail(err, SW_EUSAGE, _("transfer: no station %s"), to)
                   : db_fail(err, s->db, "read stations");

    /* the ownership write: a fresh county version on the current one */
    rc = merge_owner_version(m, case_id, &cur, err);
    if (rc)
        return rc;
    memset(&ver, 0, sizeof(ver));
    ver.hlc = hlc_now(&m->clock, now);
    snprintf(ver.site, sizeof(ver.site), "%s", s->county);
    if (!merge_owner_rule(&cur, &ver, &cur))
        return sw_fail(err, SW_ESOFTWARE, _("transfer: ownership not taken"));
    rc = db_prepare(s->db, SQL_TRANSFER_ADD, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, res->from, -1, SDB_STATIC);
    sdb_bind_text(st, 3, to, -1, SDB_STATIC);
    sdb_bind_int64(st, 4, ver.hlc);
    sdb_bind_text(st, 5, ver.site, -1, SDB_STATIC);
    if (cur.hlc) {
        sdb_bind_int64(st, 6, cur.hlc);
        sdb_bind_text(st, 7, cur.site, -1, SDB_STATIC);
    }
    sdb_bind_int64(st, 8, now);
    sdb_bind_text(st, 9, admin, -1, SDB_STATIC);
    sdb_bind_text(st, 10, note, -1, SDB_STATIC);
    if (request > 0)
        sdb_bind_int64(st, 11, request);
    rc = run_done(s->db, st, "record the transfer", err);

    for (int t = 0; !rc && t < SW_NTABLES; t++) {
        struct sw_buf sql;
        if (!moves_with_case(t))
            continue;
        sb_init(&sql);
        sql_restamp_rows(&sql, t);
        rc = prepare_built(s->db, &sql, &st, err);
        if (rc)
            break;
        sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, to, -1, SDB_STATIC);
        rc = run_done(s->db, st, "move records", err);
        if (!rc)
            res->records += sdb_changes(s->db);
    }
    if (!rc)
        rc = restamp_fields(s, case_id, rid, to, &res->fields, err);
    if (!rc) {
        struct sw_buf sql;
        sb_init(&sql);
        sql_restamp_conflicts(&sql);
        rc = prepare_built(s->db, &sql, &st, err);
    }
    if (!rc) {
        sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, to, -1, SDB_STATIC);
        rc = run_done(s->db, st, "move conflicts", err);
    }
    /* the old station's order to let go, after every re-stamped field */
    if (!rc)
        rc = db_prepare(s->db, SQL_MOVED_ADD, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, res->from, -1, SDB_STATIC);
        sdb_bind_text(st, 3, to, -1, SDB_STATIC);
        sdb_bind_int64(st, 4, m->next_seq++);
        sdb_bind_int64(st, 5, now);
        sdb_bind_text(st, 6, note, -1, SDB_STATIC);
        rc = run_done(s->db, st, "record the move", err);
    }
    if (!rc)
        rc = db_prepare(s->db, SQL_MOVED_BACK, &st, err);
    if (!rc) {
        sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
        sdb_bind_text(st, 2, to, -1, SDB_STATIC);
        rc = run_done(s->db, st, "record the move", err);
    }
    if (!rc && request > 0) {
        rc = db_prepare(s->db, SQL_REQUEST_DONE, &st, err);
        if (!rc) {
            sdb_bind_int64(st, 1, request);
            sdb_bind_int64(st, 2, now);
            sdb_bind_text(st, 3, admin, -1, SDB_STATIC);
            sdb_bind_text(st, 4, case_id, -1, SDB_STATIC);
            sdb_bind_text(st, 5, to, -1, SDB_STATIC);
            rc = run_done(s->db, st, "confirm the request", err);
        }
        if (!rc && sdb_changes(s->db) != 1)
            rc = sw_fail(err, SW_EUSAGE,
                         _("transfer request %lld: not a pending request "
                           "for this case and station"),
                         (long long)request);
    }
    return rc;
}

/* The station and case of record id of table tbl at the county, as in
** its row, or, for a record the county does not have, of the case its
** change `ref` names (NULL: none).  owner[0] == 0: not known. */
static int record_owner(struct store *s, int tbl, const char *id,
                        const char *ref, char owner[SW_CODE_MAX + 1],
                        char case_id[SW_UUID_LEN + 1], struct sw_err *err)
{
    char sql[96];
    sdb_stmt *st = NULL;
    int rc, step;

    owner[0] = case_id[0] = '\0';
    if (tbl == SW_T_CASES)
        snprintf(sql, sizeof(sql),
                 "SELECT station, id FROM cases WHERE id = ?1");
    else
        snprintf(sql, sizeof(sql),
                 "SELECT station, case_id FROM %s WHERE id = ?1",
                 sw_tables[tbl].name);
    for (int k = 0; k < 2; k++) {
        rc = db_prepare(s->db, sql, &st, err);
        if (rc)
            return rc;
        sdb_bind_text(st, 1, id, -1, SDB_STATIC);
        step = sdb_step(st);
        if (step == SDB_ROW && sdb_column_text(st, 0) &&
            sdb_column_text(st, 1)) {
            snprintf(owner, SW_CODE_MAX + 1, "%s",
                     (const char *)sdb_column_text(st, 0));
            snprintf(case_id, SW_UUID_LEN + 1, "%s",
                     (const char *)sdb_column_text(st, 1));
        } else if (step != SDB_ROW && step != SDB_DONE) {
            rc = db_fail(err, s->db, "read record");
        }
        sdb_finalize(st);
        if (rc || owner[0] || k == 1 || tbl == SW_T_CASES || !ref ||
            !sw_uuid_valid(ref))
            return rc;
        /* a record the county has not seen: its case's owner */
        snprintf(sql, sizeof(sql),
                 "SELECT station, id FROM cases WHERE id = ?1");
        id = ref;
    }
    return 0;
}

int transfer_admit(struct store *s, const char *station, struct sw_change *v,
                   size_t n, char *moved, struct sw_err *err)
{
    static const char sql_any[] =
        "SELECT 1 FROM transfers WHERE from_station = ?1 LIMIT 1";
    sdb_stmt *st = NULL;
    int rc, step;

    memset(moved, 0, n);
    if (n == 0)
        return 0;
    /* a station no case was ever moved away from: nothing to look up */
    rc = db_prepare(s->db, sql_any, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    step = sdb_step(st);
    sdb_finalize(st);
    if (step == SDB_DONE)
        return 0;
    if (step != SDB_ROW)
        return db_fail(err, s->db, "read transfers");

    for (size_t i = 0, k; !rc && i < n; i += k) {
        const struct sw_table *tb = &sw_tables[v[i].tbl];
        char owner[SW_CODE_MAX + 1], case_id[SW_UUID_LEN + 1];
        const char *ref = NULL;
        int ok = 1;

        for (k = 0; i + k < n && v[i + k].tbl == v[i].tbl &&
                    !strcmp(v[i + k].id, v[i].id);
             k++)
            if (tb->ref_col == v[i + k].col && v[i + k].vtype == SW_V_TEXT)
                ref = v[i + k].text;
        /* the same record admitted earlier in this push (a later edit of
           it, the county has not applied the first yet): the same way */
        owner[0] = '\0';
        for (size_t j = 0; j < i && !owner[0]; j++)
            if (moved[j] && v[j].tbl == v[i].tbl && !strcmp(v[j].id, v[i].id))
                snprintf(owner, sizeof(owner), "%s", v[j].station);
        if (owner[0]) {
            for (size_t j = i; j < i + k; j++) {
                snprintf(v[j].station, sizeof(v[j].station), "%s", owner);
                moved[j] = 1;
            }
            continue;
        }
        rc = record_owner(s, v[i].tbl, v[i].id, ref, owner, case_id, err);

        if (rc || !owner[0] || strcmp(owner, station) == 0)
            continue; /* not known, or its own: the merge judges it */
        for (size_t j = i; !rc && ok && j < i + k; j++)
            rc =
                merge_left_after(&s->m, case_id, station, &v[j].base, &ok, err);
        if (rc || !ok)
            continue; /* another station's: refused by the merge */
        for (size_t j = i; j < i + k; j++) {
            snprintf(v[j].station, sizeof(v[j].station), "%s", owner);
            moved[j] = 1;
        }
    }
    return rc;
}

/* ---- station -------------------------------------------------------- */

/* Unsent edits (outbox or pending) of case_id (?1) or of its children? */
static void sql_unsent_case(struct sw_buf *sb)
{
    static const char *const queues[] = {"pending", "outbox"};
    const char *sep = "SELECT ";
    for (int q = 0; q < 2; q++)
        for (int t = 0; t < SW_NTABLES; t++) {
            const struct sw_table *tb = &sw_tables[t];
            if (!moves_with_case(t))
                continue;
            sb_addf(sb,
                    "%sEXISTS (SELECT 1 FROM %s x JOIN %s p "
                    "ON p.tbl = %d AND p.rid = x.rid WHERE x.%s = ?1)",
                    sep, tb->name, queues[q], t,
                    t == SW_T_CASES ? "id" : tb->cols[tb->ref_col].name);
            sep = " OR ";
        }
}
static const char SQL_MOVED_LINE[] =
    "INSERT INTO moved_cases (case_id, to_station, moved_at, note, waiting) "
    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (case_id) DO UPDATE SET "
    "to_station = excluded.to_station, moved_at = excluded.moved_at, "
    "note = excluded.note, waiting = excluded.waiting";
static const char SQL_CAME_BACK[] =
    "DELETE FROM moved_cases WHERE case_id = ?1";
static const char SQL_WAITING[] =
    "SELECT case_id FROM moved_cases WHERE waiting = 1";
static const char SQL_WAIT_DONE[] =
    "UPDATE moved_cases SET waiting = 0 WHERE case_id = ?1";

/* Erase case id here unless it has unsent edits (*waiting = 1 then). */
static int let_go(sdb *db, const char *id, int *waiting, long *erased,
                  struct sw_err *err)
{
    sdb_stmt *st = NULL;
    long n = 0;
    struct sw_buf sql;
    int rc;

    sb_init(&sql);
    sql_unsent_case(&sql);
    rc = prepare_built(db, &sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    if (sdb_step(st) == SDB_ROW)
        *waiting = sdb_column_int(st, 0);
    else
        rc = db_fail(err, db, "read unsent edits");
    sdb_finalize(st);
    if (!rc && !*waiting) {
        rc = purge_erase_local(db, SW_T_CASES, id, &n, err);
        *erased += n;
    }
    return rc;
}

int transfer_apply_pull(sdb *db, const struct sw_batch *b, int at_end,
                        long *erased, struct sw_err *err)
{
    sdb_stmt *st = NULL;
    char(*ids)[SW_UUID_LEN + 1] = NULL;
    size_t nids = 0, cap = 0;
    int rc = 0, step = SDB_DONE;

    *erased = 0;
    /* a case that comes back (its rows in this answer) is no longer gone */
    for (size_t i = 0; !rc && i < b->n; i++) {
        if (b->v[i].tbl != SW_T_CASES ||
            (i > 0 && b->v[i - 1].tbl == SW_T_CASES &&
             !strcmp(b->v[i - 1].id, b->v[i].id)))
            continue;
        if (!st)
            rc = db_prepare(db, SQL_CAME_BACK, &st, err);
        if (rc)
            break;
        sdb_bind_text(st, 1, b->v[i].id, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "note a case back");
        sdb_reset(st);
    }
    sdb_finalize(st);
    st = NULL;

    for (size_t i = 0; !rc && i < b->nerase; i++) {
        const struct sw_erase *e = &b->erase[i];
        int waiting = 0;
        if (!e->to[0])
            continue; /* a purge's: replica.c */
        rc = let_go(db, e->id, &waiting, erased, err);
        if (!rc)
            rc = db_prepare(db, SQL_MOVED_LINE, &st, err);
        if (!rc) {
            sdb_bind_text(st, 1, e->id, -1, SDB_STATIC);
            sdb_bind_text(st, 2, e->to, -1, SDB_STATIC);
            sdb_bind_int64(st, 3, e->at);
            sdb_bind_text(st, 4, e->note, -1, SDB_STATIC);
            sdb_bind_int(st, 5, waiting);
            if (sdb_step(st) != SDB_DONE)
                rc = db_fail(err, db, "note a moved case");
            sdb_finalize(st);
            st = NULL;
        }
    }

    /* cases kept for their unsent edits: gone once those are pushed, at
       the end of a pull.  An answer that stops short may not have reached
       the case's return, and the edits this replica pushed after it are
       its own values, which no pull sends it back. */
    if (!rc && !at_end)
        return 0;
    if (!rc)
        rc = db_prepare(db, SQL_WAITING, &st, err);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        if (nids == cap) {
            void *nv;
            cap = cap ? cap * 2 : 8;
            nv = realloc(ids, cap * sizeof(*ids));
            if (!nv) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                break;
            }
            ids = nv;
        }
        snprintf(ids[nids++], SW_UUID_LEN + 1, "%s",
                 (const char *)sdb_column_text(st, 0));
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "read moved cases");
    sdb_finalize(st);
    st = NULL;
    for (size_t i = 0; !rc && i < nids; i++) {
        int waiting = 0;
        rc = let_go(db, ids[i], &waiting, erased, err);
        if (!rc && !waiting)
            rc = db_prepare(db, SQL_WAIT_DONE, &st, err);
        if (!rc && !waiting) {
            sdb_bind_text(st, 1, ids[i], -1, SDB_STATIC);
            if (sdb_step(st) != SDB_DONE)
                rc = db_fail(err, db, "note a moved case");
            sdb_finalize(st);
            st = NULL;
        }
    }
    free(ids);
    return rc;
}

int transfer_ask(sdb *db, const char *station, const char *case_id,
                 const char *to, const char *note, const char *who,
                 struct sw_err *err)
{
    static const char sql[] =
        "SELECT 1 FROM cases WHERE id = ?1 AND station = ?2";
    sdb_stmt *st = NULL;
    struct sw_buf sb;
    int rc, step;

    if (!sw_uuid_valid(case_id))
        return sw_fail(err, SW_EUSAGE, _("case %s: not found"), case_id);
    if (!to || !sw_code_valid(to) || strcmp(to, station) == 0)
        return sw_fail(err, SW_EUSAGE,
                       _("transfer request: --to another station's code"));
    if (!transfer_note_ok(note))
        return sw_fail(err, SW_EUSAGE,
                       _("transfer: a note of 1 to %d bytes of text on one "
                         "line"),
                       SW_NOTE_MAX);
    rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    step = sdb_step(st);
    sdb_finalize(st);
    if (step == SDB_DONE)
        return sw_fail(err, SW_EUSAGE, _("case %s: not found"), case_id);
    if (step != SDB_ROW)
        return db_fail(err, db, "read case");
    sb_init(&sb);
    sb_addf(&sb, "%s %s %s", case_id, to, note);
    rc = sb.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                : audit_local(db, who, TRANSFER_ASK_ACTION, sb.buf, err);
    sb_release(&sb);
    return rc;
}

int transfer_moved_list(sdb *db, int json, FILE *out, struct sw_err *err)
{
    static const char sql[] =
        "SELECT case_id, to_station, moved_at, note, waiting "
        "FROM moved_cases ORDER BY moved_at DESC, case_id";
    sdb_stmt *st = NULL;
    cJSON *arr = json ? cJSON_CreateArray() : NULL;
    int rc = db_prepare(db, sql, &st, err), step = SDB_DONE;

    if (!rc && json && !arr)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        const char *id = (const char *)sdb_column_text(st, 0);
        const char *to = (const char *)sdb_column_text(st, 1);
        const char *note = (const char *)sdb_column_text(st, 3);
        int64_t ms = sdb_column_int64(st, 2);
        time_t t = (time_t)(ms / 1000);
        struct tm tm;
        char day[16] = "";
        if (localtime_r(&t, &tm))
            strftime(day, sizeof(day), "%Y-%m-%d", &tm);
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o) ||
                !cJSON_AddStringToObject(o, "case", id) ||
                !cJSON_AddStringToObject(o, "to_station", to) ||
                !cJSON_AddStringToObject(o, "date", day) ||
                !cJSON_AddNumberToObject(o, "moved_at", (double)ms) ||
                !cJSON_AddStringToObject(o, "note", note) ||
                !cJSON_AddBoolToObject(o, "waiting", sdb_column_int(st, 4)))
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        } else {
            fprintf(out, "%s\t%s\t%s\t%s\n", id, to, day, note);
        }
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "read moved cases");
    sdb_finalize(st);
    if (!rc && json) {
        char *text = cJSON_Print(arr);
        if (!text)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        else
            fprintf(out, "%s\n", text);
        free(text);
    }
    cJSON_Delete(arr);
    return rc;
}

/*
** import.c — records in from CSV (see import.h).
**
** Two passes over the parsed text, both inside one BEGIN IMMEDIATE
** transaction: the first checks every row and collects every problem
** (reading only: existing cases for visits and services, existing ids);
** the second parses the text again and writes the good rows.  Parsing
** twice costs less than keeping every row.
*/
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "db.h"
#include "import.h"
#include "labels.h"
#include "records.h"

#define IMPORT_CACHE 64
#define HDR_IGNORE -10
#define HDR_ID -1
#define HDR_STATION -2
#define HDR_NONE -3  /* labels_field_col(): not a field */
#define HDR_IDNUM -4 /* the case's ID number (visits, services) */

static const char SQL_IDN_MAKE[] =
    "CREATE TEMP TABLE IF NOT EXISTS import_idn ("
    "id_number TEXT PRIMARY KEY, id TEXT NOT NULL, n INTEGER NOT NULL)";
static const char SQL_IDN_FILL[] =
    "INSERT INTO temp.import_idn (id_number, id, n) SELECT id_number, min(id), "
    "count(*) FROM main.cases WHERE deleted = 0 AND id_number IS NOT NULL "
    "GROUP BY id_number";
static const char SQL_IDN_FIND[] =
    "SELECT id, n FROM temp.import_idn WHERE id_number = ?1";
static const char SQL_IDN_ADD[] =
    "INSERT INTO temp.import_idn (id_number, id, n) VALUES (?1, ?2, 1) "
    "ON CONFLICT (id_number) DO UPDATE SET n = n + 1";
static const char SQL_IDN_DROP[] = "DROP TABLE IF EXISTS temp.import_idn";
static const char SQL_CASE_BY_ID[] =
    "SELECT station FROM cases WHERE id = ?1 AND deleted = 0";
static const char SQL_CASE_BY_NAME[] =
    "SELECT rid FROM cases WHERE name = ?1 AND birth_date = ?2 AND "
    "deleted = 0 ORDER BY rid LIMIT 1";
static const char SQL_VISIT_SAME[] =
    "SELECT rid FROM visits WHERE case_id = ?1 AND visited_at = ?2 AND "
    "mode = ?3 AND deleted = 0 ORDER BY rid LIMIT 1";
static const char SQL_SERVICE_SAME[] =
    "SELECT rid FROM services WHERE case_id = ?1 AND service_on = ?2 AND "
    "service_type = ?3 AND deleted = 0 ORDER BY rid LIMIT 1";

struct imp {
    sdb *db;
    const struct sw_table *t;
    const struct import_opts *o;
    struct import_result *res;
    int *hdr; /* per file column: a field index or HDR_* */
    int nhdr;
    int has_idnum;
    sdb_stmt *idn_find, *idn_add, *case_by_id, *same;
    /* the row being looked at */
    const char *vals[32];
    char given[32]; /* a cell was there (good or bad) */
    char norm[32][SW_NORM_MAX];
    const char *id;    /* the row's id cell, or NULL */
    const char *idnum; /* the case's ID number (visits, services) */
    char case_station[SW_CODE_MAX + 1];
    char case_id[SW_UUID_LEN + 1];
    long line;
    struct sw_buf why;
    /* prepared statements by SQL text: an INSERT compiles the capture
       triggers, so preparing one a row would cost more than running it */
    struct {
        char *sql;
        sdb_stmt *st;
    } cache[IMPORT_CACHE];
    int ncache; /* this row's problems, "; "-separated */
};

void import_result_init(struct import_result *r)
{
    memset(r, 0, sizeof(*r));
    sb_init(&r->problems);
}

void import_result_release(struct import_result *r)
{
    if (r)
        sb_release(&r->problems);
}

static void problem(struct imp *im, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void problem(struct imp *im, const char *fmt, ...)
{
    char msg[SW_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (im->why.len)
        sb_adds(&im->why, "; ");
    sb_adds(&im->why, msg);
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* ---- the header ---------------------------------------------------------- */

static int is_problem_header(const char *h)
{
    return strcmp(h, "问题") == 0 || strcasecmp(h, "problem") == 0;
}

static int map_header(struct imp *im, char **cells, int n, struct sw_err *err)
{
    const struct sw_table *t = im->t, *ct = &sw_tables[SW_T_CASES];
    struct sw_buf bad;
    int rc = 0;

    im->hdr = calloc((size_t)n + 1, sizeof(int));
    if (!im->hdr)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    im->nhdr = n;
    sb_init(&bad);
    for (int i = 0; i < n; i++) {
        char *h = trim(cells[i]);
        int col;
        if (!*h || is_problem_header(h)) {
            im->hdr[i] = HDR_IGNORE;
            continue;
        }
        col = labels_field_col(t, records_field_alias(t, h));
        if (col == HDR_NONE && t->ref_col >= 0) {
            int cc = labels_field_col(ct, h);
            if (cc == sw_col_index(ct, "id_number") ||
                strcmp(h, "case_id_number") == 0)
                col = HDR_IDNUM;
            else if (cc == sw_col_index(ct, "name") ||
                     strcmp(h, "case_name") == 0)
                col = HDR_IGNORE;
        }
        if (col == HDR_NONE ||
            (col >= 0 && (t->cols[col].flags & SW_COL_SYSTEM))) {
            sb_addf(&bad, "%s'%s'", bad.len ? ", " : "", h);
            continue;
        }
        if (col == -2)
            col = HDR_STATION;
        for (int j = 0; j < i; j++)
            if (im->hdr[j] == col && col != HDR_IGNORE && col != HDR_STATION) {
                rc = sw_fail(err, SW_EDATA,
                             _("line 1: column '%s' given twice"), h);
                goto out;
            }
        if (col == HDR_IDNUM)
            im->has_idnum = 1;
        im->hdr[i] = col;
    }
    if (bad.len)
        rc = sw_fail(err, SW_EDATA, _("line 1: not a field of %s: %s"), t->name,
                     bad.oom ? "?" : bad.buf);
out:
    sb_release(&bad);
    return rc;
}

/* ---- one row's values ---------------------------------------------------- */

/* ="…" (as export writes ID numbers for Excel) -> … in place */
static char *unformula(char *v)
{
    size_t n = strlen(v);
    if (n >= 3 && v[0] == '=' && v[1] == '"' && v[n - 1] == '"') {
        v[n - 1] = '\0';
        return v + 2;
    }
    return v;
}

/* ¥1,234.50 -> 1234.50 in place */
static char *unmoney(char *v)
{
    char *w, *r;
    if (strncmp(v, "¥", strlen("¥")) == 0)
        v += strlen("¥");
    else if (strncmp(v, "￥", strlen("￥")) == 0)
        v += strlen("￥");
    for (w = r = v; *r; r++)
        if (*r != ',')
            *w++ = *r;
    *w = '\0';
    return v;
}

static const char *bool_code(const char *v)
{
    static const char *const yes[] = {"1", "是", "yes", "y", "true", NULL};
    static const char *const no[] = {"0", "否", "no", "n", "false", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcasecmp(v, yes[i]) == 0)
            return "1";
    for (int i = 0; no[i]; i++)
        if (strcasecmp(v, no[i]) == 0)
            return "0";
    return v;
}

/* Look up the case by id or ID number into im->case_id / case_station. */
static int find_case(struct imp *im, struct sw_err *err)
{
    const char *cid = im->vals[im->t->ref_col];
    int rc;

    im->case_id[0] = '\0';
    if (!cid && im->idnum) {
        sdb_reset(im->idn_find);
        sdb_bind_text(im->idn_find, 1, im->idnum, -1, SDB_TRANSIENT);
        rc = sdb_step(im->idn_find);
        if (rc == SDB_ROW) {
            if (sdb_column_int(im->idn_find, 1) > 1) {
                problem(im, _("%s: more than one case has this ID number"),
                        im->idnum);
                return 0;
            }
            snprintf(im->case_id, sizeof(im->case_id), "%s",
                     sdb_column_text(im->idn_find, 0));
        } else if (rc == SDB_DONE) {
            problem(im, _("no case with ID number %s"), im->idnum);
            return 0;
        } else {
            return db_fail(err, im->db, "import");
        }
        cid = im->case_id;
    }
    if (!cid) {
        problem(im,
                _("%s.case: is required (a case id, or the case's ID "
                  "number)"),
                im->t->name);
        return 0;
    }
    sdb_reset(im->case_by_id);
    sdb_bind_text(im->case_by_id, 1, cid, -1, SDB_TRANSIENT);
    rc = sdb_step(im->case_by_id);
    if (rc == SDB_ROW) {
        const unsigned char *s = sdb_column_text(im->case_by_id, 0);
        snprintf(im->case_station, sizeof(im->case_station), "%s",
                 s ? (const char *)s : "");
        if (cid != im->case_id)
            snprintf(im->case_id, sizeof(im->case_id), "%s", cid);
        im->vals[im->t->ref_col] = im->case_id;
        return 0;
    }
    if (rc != SDB_DONE)
        return db_fail(err, im->db, "import");
    problem(im, _("no case with id %s"), cid);
    return 0;
}

/*
** Read one record's cells into im->vals (normalised, codes), checking
** each; problems go to im->why.  Returns 0, or an error that stops the
** import (database, memory).
*/
static int row_values(struct imp *im, char **cells, int n, struct sw_err *err)
{
    const struct sw_table *t = im->t;
    struct sw_err e;

    for (int c = 0; c < t->ncols; c++)
        im->vals[c] = NULL, im->given[c] = 0;
    im->id = im->idnum = NULL;
    im->why.len = 0;
    if (n > im->nhdr) {
        /* cells past the header: fine if empty (Excel pads rows) */
        for (int i = im->nhdr; i < n; i++)
            if (*trim(cells[i])) {
                char num[16];
                snprintf(num, sizeof(num), "%d", im->nhdr);
                problem(im, _("more cells than the header's %s"), num);
                break;
            }
    }
    for (int i = 0; i < n && i < im->nhdr; i++) {
        int col = im->hdr[i];
        char *v = cells[i];
        const struct sw_column *c;
        const char *val;

        if (col == HDR_IGNORE || col == HDR_STATION)
            continue;
        if (col < 0 || t->cols[col].check != CK_TEXT)
            v = trim(v);
        v = unformula(v);
        /* '=..., '+..., as export writes a text that would be a formula */
        if (v[0] == '\'' && v[1] && strchr("=+-@", v[1]))
            v++;
        if (!*v)
            continue;
        if (col == HDR_ID) {
            if (!sw_uuid_valid(v))
                problem(im, _("id: not a record id: '%.64s'"), v);
            im->id = v;
            continue;
        }
        if (col == HDR_IDNUM) {
            const struct sw_table *ct = &sw_tables[SW_T_CASES];
            for (char *p = v; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            if (sw_validate(ct, &ct->cols[sw_col_index(ct, "id_number")], v,
                            &e))
                problem(im, "%s", e.msg);
            else
                im->idnum = v;
            continue;
        }
        c = &t->cols[col];
        im->given[col] = 1;
        val = v;
        switch (c->check) {
        case CK_ENUM: {
            const char *code = labels_choice_code(c, v);
            if (code)
                val = code;
            break;
        }
        case CK_BOOL:
            val = bool_code(v);
            break;
        case CK_IDNUM:
            for (char *p = v; *p; p++)
                *p = (char)toupper((unsigned char)*p);
            break;
        case CK_MONEY:
            val = unmoney(v);
            break;
        case CK_DATE:
        case CK_DATETIME:
            val = sw_normalize(c, v, im->norm[col]);
            break;
        default:
            break;
        }
        if (sw_validate(t, c, val, &e)) {
            problem(im, "%s", e.msg);
            continue;
        }
        im->vals[col] = val;
    }
    if (t->ref_col >= 0)
        return find_case(im, err);
    return 0;
}

/* ---- matching and writing ------------------------------------------------ */

/* sql prepared once per import: *st is reset, its bindings cleared; it
** stays the cache's (do not finalize it). */
static int cached(struct imp *im, const char *sql, sdb_stmt **st,
                  struct sw_err *err)
{
    int rc, k;
    for (int i = 0; i < im->ncache; i++)
        if (strcmp(im->cache[i].sql, sql) == 0) {
            *st = im->cache[i].st;
            sdb_reset(*st);
            sdb_clear_bindings(*st);
            return 0;
        }
    rc = db_prepare(im->db, sql, st, err);
    if (rc)
        return rc;
    if (im->ncache < IMPORT_CACHE) {
        k = im->ncache++;
    } else {
        k = (int)(sw_now_ms() % IMPORT_CACHE); /* full: replace one */
        sdb_finalize(im->cache[k].st);
        free(im->cache[k].sql);
    }
    im->cache[k].sql = sw_strdup(sql);
    im->cache[k].st = *st;
    if (!im->cache[k].sql) {
        sdb_finalize(*st);
        *st = NULL;
        im->ncache--;
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    return 0;
}

static void cache_release(struct imp *im)
{
    for (int i = 0; i < im->ncache; i++) {
        sdb_finalize(im->cache[i].st);
        free(im->cache[i].sql);
    }
    im->ncache = 0;
}

/* The rid of the live record with id, 0 if none, -1 if deleted. */
static int rid_of_id(struct imp *im, const char *id, int64_t *rid,
                     struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc;
    sb_init(&sql);
    sb_addf(&sql, "SELECT rid, deleted FROM %s WHERE id = ?1", im->t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : cached(im, sql.buf, &st, err);
    sb_release(&sql);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    *rid = 0;
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        *rid = sdb_column_int(st, 1) ? -1 : sdb_column_int64(st, 0);
    rc = rc == SDB_ROW || rc == SDB_DONE ? 0 : db_fail(err, im->db, "import");
    return rc;
}

/* The rid of the live record this row is the same as, or 0. */
static int match(struct imp *im, int64_t *rid, struct sw_err *err)
{
    const struct sw_table *t = im->t;
    sdb_stmt *st = NULL;
    const char *a = NULL, *b = NULL, *c = NULL, *sql = NULL;
    int rc;

    *rid = 0;
    if (im->id) {
        rc = rid_of_id(im, im->id, rid, err);
        if (!rc && *rid < 0)
            *rid = 0; /* refused in the checking pass */
        return rc;
    }
    switch (sw_table_index(t)) {
    case SW_T_CASES: {
        const char *idn = im->vals[sw_col_index(t, "id_number")];
        if (idn) {
            sdb_reset(im->idn_find);
            sdb_bind_text(im->idn_find, 1, idn, -1, SDB_TRANSIENT);
            rc = sdb_step(im->idn_find);
            if (rc == SDB_ROW) {
                char id[SW_UUID_LEN + 1];
                snprintf(id, sizeof(id), "%s",
                         sdb_column_text(im->idn_find, 0));
                return rid_of_id(im, id, rid, err);
            }
            return rc == SDB_DONE ? 0 : db_fail(err, im->db, "import");
        }
        a = im->vals[sw_col_index(t, "name")];
        b = im->vals[sw_col_index(t, "birth_date")];
        sql = SQL_CASE_BY_NAME;
        break;
    }
    case SW_T_VISITS:
        a = im->vals[t->ref_col];
        b = im->vals[sw_col_index(t, "visited_at")];
        c = im->vals[sw_col_index(t, "mode")];
        sql = SQL_VISIT_SAME;
        break;
    default:
        a = im->vals[t->ref_col];
        b = im->vals[sw_col_index(t, "service_on")];
        c = im->vals[sw_col_index(t, "service_type")];
        sql = SQL_SERVICE_SAME;
    }
    if (!a || !b || (sql != SQL_CASE_BY_NAME && !c))
        return 0;
    rc = cached(im, sql, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, a, -1, SDB_STATIC);
    sdb_bind_text(st, 2, b, -1, SDB_STATIC);
    if (c)
        sdb_bind_text(st, 3, c, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW)
        *rid = sdb_column_int64(st, 0);
    rc = rc == SDB_ROW || rc == SDB_DONE ? 0 : db_fail(err, im->db, "import");
    return rc;
}

/* UPDATE the given fields of rid where any differs. */
static int update_row(struct imp *im, int64_t rid, struct sw_err *err)
{
    const struct sw_table *t = im->t;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc, k = 1, n = 0;

    sb_init(&sql);
    sb_addf(&sql, "UPDATE %s SET ", t->name);
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c] && !(t->cols[c].flags & SW_COL_FIXED))
            sb_addf(&sql, "%s%s = ?", n++ ? ", " : "", t->cols[c].name);
    if (n == 0) {
        im->res->unchanged++;
        sb_release(&sql);
        return 0;
    }
    sb_adds(&sql, " WHERE rid = ? AND (0");
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c] && !(t->cols[c].flags & SW_COL_FIXED))
            sb_addf(&sql, " OR %s IS NOT ?", t->cols[c].name);
    sb_adds(&sql, ")");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : cached(im, sql.buf, &st, err);
    if (rc)
        goto out;
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c] && !(t->cols[c].flags & SW_COL_FIXED))
            records_bind_value(st, k++, &t->cols[c], im->vals[c]);
    sdb_bind_int64(st, k++, rid);
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c] && !(t->cols[c].flags & SW_COL_FIXED))
            records_bind_value(st, k++, &t->cols[c], im->vals[c]);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, im->db, "import");
        goto out;
    }
    if (sdb_changes(im->db))
        im->res->updated++;
    else
        im->res->unchanged++;
out:
    sb_release(&sql);
    return rc;
}

static int insert_row(struct imp *im, struct sw_err *err)
{
    const struct sw_table *t = im->t;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    char id[SW_UUID_LEN + 1];
    const char *station = t->ref_col >= 0 ? im->case_station : im->o->station;
    int rc, k = 3;

    rc = records_fill_defaults(t, im->vals, im->o->today, err);
    if (rc)
        return rc;
    if (im->id)
        snprintf(id, sizeof(id), "%s", im->id);
    else if (sw_uuid7(id))
        return sw_fail(err, SW_EIO, _("cannot read random bytes"));
    sb_init(&sql);
    sb_addf(&sql, "INSERT INTO %s (id, station", t->name);
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c])
            sb_addf(&sql, ", %s", t->cols[c].name);
    sb_adds(&sql, ") VALUES (?, ?");
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c])
            sb_adds(&sql, ", ?");
    sb_adds(&sql, ")");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : cached(im, sql.buf, &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    for (int c = 0; c < t->ncols; c++)
        if (im->vals[c])
            records_bind_value(st, k++, &t->cols[c], im->vals[c]);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(err, im->db, "import");
        goto out;
    }
    im->res->inserted++;
    if (sw_table_index(t) == SW_T_CASES) {
        const char *idn = im->vals[sw_col_index(t, "id_number")];
        if (idn) {
            sdb_reset(im->idn_add);
            sdb_bind_text(im->idn_add, 1, idn, -1, SDB_TRANSIENT);
            sdb_bind_text(im->idn_add, 2, id, -1, SDB_TRANSIENT);
            if (sdb_step(im->idn_add) != SDB_DONE)
                rc = db_fail(err, im->db, "import");
        }
    }
out:
    sb_release(&sql);
    return rc;
}

/* Whether a required field is missing although add's defaults apply. */
static void check_required(struct imp *im)
{
    const struct sw_table *t = im->t;
    char fq[160];
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        if (!im->vals[c] && !im->given[c] && !col->dflt &&
            (col->flags & SW_COL_REQUIRED) && c != t->ref_col && !im->id)
            problem(im, _("%s: is required"),
                    labels_qualified(fq, sizeof(fq), t, col));
    }
}

static void write_reject(FILE *rj, struct csv_reader *r, const char *why)
{
    for (int i = 0; i < r->nf; i++)
        csv_put(rj, r->fields[i], i == 0);
    csv_put(rj, why, 0);
    csv_end(rj);
}

/* ---- the import ---------------------------------------------------------- */

int import_csv(sdb *db, const struct sw_table *t, const char *data, size_t len,
               const struct import_opts *o, FILE *rejects,
               struct import_result *res, struct sw_err *err)
{
    struct imp im;
    struct csv_reader r;
    char *text = NULL;
    size_t tlen = 0;
    char *badrow = NULL;
    long nrec = 0, cap = 0;
    char fq[160];
    int rc, pass;

    memset(&im, 0, sizeof(im));
    im.db = db;
    im.t = t;
    im.o = o;
    im.res = res;
    sb_init(&im.why);
    memset(&r, 0, sizeof(r));
    sb_init(&r.buf);

    rc = csv_to_utf8(data, len, o->encoding, &text, &tlen, &res->encoding, err);
    if (rc)
        goto out;
    rc = db_begin(db, err);
    if (rc)
        goto out;
    rc = db_exec(db, SQL_IDN_DROP, err);
    if (!rc)
        rc = db_exec(db, SQL_IDN_MAKE, err);
    if (!rc)
        rc = db_exec(db, SQL_IDN_FILL, err);
    if (!rc)
        rc = db_prepare(db, SQL_IDN_FIND, &im.idn_find, err);
    if (!rc)
        rc = db_prepare(db, SQL_IDN_ADD, &im.idn_add, err);
    if (!rc)
        rc = db_prepare(db, SQL_CASE_BY_ID, &im.case_by_id, err);
    if (rc)
        goto rollback;

    for (pass = 0; pass < 2; pass++) {
        long idx = 0;
        int got;

        csv_reader_release(&r);
        csv_reader_init(&r, text, tlen);
        got = csv_next(&r, err);
        if (got < 0) {
            rc = err ? err->code : SW_EDATA;
            goto rollback;
        }
        if (got == 0) {
            rc = sw_fail(err, SW_EDATA, _("the file is empty: no header row"));
            goto rollback;
        }
        if (pass == 0) {
            rc = map_header(&im, r.fields, r.nf, err);
            if (rc)
                goto rollback;
            if (rejects && o->skip_bad) {
                fputs(CSV_BOM, rejects);
                for (int i = 0; i < r.nf; i++)
                    csv_put(rejects, r.fields[i], i == 0);
                csv_put(rejects,
                        labels_lang() == SW_LANG_ZH ? "问题" : "problem", 0);
                csv_end(rejects);
            }
        }
        while ((got = csv_next(&r, err)) == 1) {
            int empty = 1;
            for (int i = 0; i < r.nf && empty; i++)
                if (*trim(r.fields[i]))
                    empty = 0;
            if (empty)
                continue; /* a row of empty cells: Excel writes them */
            im.line = r.rec_line;
            rc = row_values(&im, r.fields, r.nf, err);
            if (rc)
                goto rollback;
            if (pass == 0) {
                int64_t rid = 0;
                check_required(&im);
                if (im.id && !im.why.len) {
                    rc = rid_of_id(&im, im.id, &rid, err);
                    if (rc)
                        goto rollback;
                    if (rid < 0)
                        problem(&im, _("id %s: the record was deleted"), im.id);
                    else if (rid == 0) {
                        /* a new record with this id: add's rules */
                        for (int c = 0; c < t->ncols; c++)
                            if (!im.vals[c] && !im.given[c] &&
                                !t->cols[c].dflt &&
                                (t->cols[c].flags & SW_COL_REQUIRED) &&
                                c != t->ref_col)
                                problem(&im, _("%s: is required"),
                                        labels_qualified(fq, sizeof(fq), t,
                                                         &t->cols[c]));
                    }
                }
                if (idx == cap) {
                    long nc = cap ? cap * 2 : 1024;
                    char *b = realloc(badrow, (size_t)nc);
                    if (!b) {
                        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                        goto rollback;
                    }
                    badrow = b;
                    cap = nc;
                }
                badrow[idx] = im.why.len > 0;
                res->rows++;
                if (im.why.len) {
                    res->bad++;
                    sb_addf(&res->problems, _("line %ld: %s\n"), im.line,
                            im.why.oom ? "?" : im.why.buf);
                    if (rejects && o->skip_bad)
                        write_reject(rejects, &r, im.why.buf);
                }
            } else if (!badrow[idx]) {
                int64_t rid;
                if (im.why.len) {
                    rc = sw_fail(err, SW_ESOFTWARE,
                                 _("line %ld: changed between the passes: %s"),
                                 im.line, im.why.buf);
                    goto rollback;
                }
                rc = match(&im, &rid, err);
                if (!rc)
                    rc = rid ? update_row(&im, rid, err) : insert_row(&im, err);
                if (rc) {
                    char msg[SW_ERRMSG_MAX];
                    snprintf(msg, sizeof(msg), "%s", err ? err->msg : "");
                    rc = sw_fail(err, rc, _("line %ld: %s"), im.line, msg);
                    goto rollback;
                }
            }
            idx++;
        }
        if (got < 0) {
            rc = err ? err->code : SW_EDATA;
            goto rollback;
        }
        nrec = idx;
        if (pass == 0) {
            if (res->bad && !o->skip_bad) {
                rc = sw_fail(
                    err, SW_EDATA,
                    _("%ld of %ld rows have problems; nothing imported"),
                    res->bad, res->rows);
                goto rollback;
            }
        }
    }
    (void)nrec;
    sdb_finalize(im.idn_find);
    sdb_finalize(im.idn_add);
    sdb_finalize(im.case_by_id);
    im.idn_find = im.idn_add = im.case_by_id = NULL;
    cache_release(&im);
    if (o->dry_run) {
        db_rollback(db);
        rc = 0;
    } else {
        rc = db_exec(db, SQL_IDN_DROP, err);
        if (rc)
            goto rollback;
        rc = db_commit(db, err);
    }
    goto out;

rollback:
    cache_release(&im);
    sdb_finalize(im.idn_find);
    sdb_finalize(im.idn_add);
    sdb_finalize(im.case_by_id);
    im.idn_find = im.idn_add = im.case_by_id = NULL;
    db_rollback(db);
    res->inserted = res->updated = res->unchanged = 0;
out:
    if (!sdb_get_autocommit(db))
        db_rollback(db);
    sdb_exec5(db, SQL_IDN_DROP, NULL, NULL, NULL);
    csv_reader_release(&r);
    cache_release(&im);
    sb_release(&im.why);
    free(im.hdr);
    free(badrow);
    free(text);
    return rc;
}

/*
** export.c — records out as CSV or JSON (see export.h).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "db.h"
#include "export.h"

const char *export_date_field(const struct sw_table *t)
{
    switch (sw_table_index(t)) {
    case SW_T_CASES:
        return "opened_on";
    case SW_T_VISITS:
        return "visited_at";
    case SW_T_REFERRALS:
        return "referred_on";
    case SW_T_SERVICES:
        return "service_on";
    default:
        return "rid"; /* no date: --from/--to compare a number, as text */
    }
}

int export_check_opts(const struct export_opts *o, struct sw_err *err)
{
    static const struct sw_column day = {"date", SW_TEXT, CK_DATE, 0,
                                         0,      NULL,    NULL};
    static const struct sw_table none = {"export", "export", &day,          1,
                                         -1,       1,        SW_OWN_STATION};
    struct sw_err e;

    if (o->from && sw_validate(&none, &day, o->from, &e))
        return sw_fail(err, SW_EUSAGE,
                       _("--from: not a date (YYYY-MM-DD): '%s'"), o->from);
    if (o->to && sw_validate(&none, &day, o->to, &e))
        return sw_fail(err, SW_EUSAGE, _("--to: not a date (YYYY-MM-DD): '%s'"),
                       o->to);
    if (o->from && o->to && strcmp(o->from, o->to) > 0)
        return sw_fail(err, SW_EUSAGE, _("--from %s is after --to %s"), o->from,
                       o->to);
    if (o->station && !sw_code_valid(o->station))
        return sw_fail(err, SW_EUSAGE, _("--station: not a station code: '%s'"),
                       o->station);
    return 0;
}

/* The SELECT for t: x.id, x.station, the fields, [c.id_number, c.name]. */
static void export_sql(struct sw_buf *sql, const struct sw_table *t)
{
    const char *df = export_date_field(t);
    sb_adds(sql, "SELECT x.id, x.station");
    for (int c = 0; c < sw_col_deleted(t); c++)
        sb_addf(sql, ", x.%s", t->cols[c].name);
    if (t->ref_col >= 0)
        sb_addf(sql,
                ", c.id_number, c.name FROM %s AS x LEFT JOIN cases AS c "
                "ON c.id = x.%s",
                t->name, t->cols[t->ref_col].name);
    else
        sb_addf(sql, " FROM %s AS x", t->name);
    sb_addf(sql,
            " WHERE x.deleted = 0 AND (CAST(?1 AS TEXT) IS NULL OR "
            "substr(x.%s,1,10) >= ?1)"
            " AND (CAST(?2 AS TEXT) IS NULL OR substr(x.%s,1,10) <= ?2)"
            " AND (CAST(?3 AS TEXT) IS NULL OR x.station = ?3) ORDER BY x.rid",
            df, df);
}

static const struct sw_table *cases_table(void)
{
    return &sw_tables[SW_T_CASES];
}

static void csv_header(FILE *out, const struct sw_table *t,
                       const struct export_opts *o)
{
    const struct sw_table *ct = cases_table();
    csv_put(out, o->codes ? "id" : labels_field(t, -1, o->lang), 1);
    csv_put(out, o->codes ? "station" : labels_field(t, -2, o->lang), 0);
    for (int c = 0; c < sw_col_deleted(t); c++)
        csv_put(out, o->codes ? t->cols[c].name : labels_field(t, c, o->lang),
                0);
    if (t->ref_col >= 0) {
        csv_put(out,
                o->codes
                    ? "id_number"
                    : labels_field(ct, sw_col_index(ct, "id_number"), o->lang),
                0);
        csv_put(out,
                o->codes ? "name"
                         : labels_field(ct, sw_col_index(ct, "name"), o->lang),
                0);
    }
    csv_end(out);
}

/* A value as a person reads it in the spreadsheet. */
static void csv_value(FILE *out, const struct sw_column *c, const char *v,
                      const struct export_opts *o)
{
    char buf[64];
    if (!v || o->codes) {
        csv_put(out, v, 0);
        return;
    }
    switch (c->check) {
    case CK_ENUM:
        csv_put(out, labels_choice(c, v, o->lang), 0);
        return;
    case CK_BOOL:
        csv_put(out,
                strcmp(v, "1") == 0 ? (o->lang == SW_LANG_ZH ? "是" : "yes")
                                    : (o->lang == SW_LANG_ZH ? "否" : "no"),
                0);
        return;
    case CK_IDNUM:
        /* Excel turns 18 digits into 1.1E+17 and loses the last three */
        snprintf(buf, sizeof(buf), "=\"%s\"", v);
        csv_put(out, buf, 0);
        return;
    default:
        /* a cell starting with = + - @ is a formula to Excel and WPS:
           a note "=HYPERLINK(...)" would run on the reader's PC.  A
           leading ' makes it text; import takes it off again. */
        if (strchr("=+-@", v[0]) && v[0]) {
            struct sw_buf b;
            sb_init(&b);
            sb_addf(&b, "'%s", v);
            csv_put(out, b.oom ? v : b.buf, 0);
            sb_release(&b);
            return;
        }
        csv_put(out, v, 0);
    }
}

static const struct sw_column idnum_col = {"id_number", SW_TEXT, CK_IDNUM, 0,
                                           0,           NULL,    NULL};

static void csv_row(FILE *out, sdb_stmt *st, const struct sw_table *t,
                    const struct export_opts *o)
{
    int n = sw_col_deleted(t);
    csv_put(out, (const char *)sdb_column_text(st, 0), 1);
    csv_put(out, (const char *)sdb_column_text(st, 1), 0);
    for (int c = 0; c < n; c++)
        csv_value(out, &t->cols[c], (const char *)sdb_column_text(st, c + 2),
                  o);
    if (t->ref_col >= 0) {
        csv_value(out, &idnum_col, (const char *)sdb_column_text(st, n + 2), o);
        csv_put(out, (const char *)sdb_column_text(st, n + 3), 0);
    }
    csv_end(out);
}

static void json_add(cJSON *o, const char *name, sdb_stmt *st, int k)
{
    switch (sdb_column_type(st, k)) {
    case SDB_NULL:
        cJSON_AddNullToObject(o, name);
        break;
    case SDB_INTEGER:
        cJSON_AddNumberToObject(o, name, (double)sdb_column_int64(st, k));
        break;
    default:
        cJSON_AddStringToObject(o, name, (const char *)sdb_column_text(st, k));
    }
}

/* One record as a line of JSON; NULL when out of memory. */
static char *json_row(sdb_stmt *st, const struct sw_table *t)
{
    cJSON *o = cJSON_CreateObject();
    int n = sw_col_deleted(t);
    char *s;
    if (!o)
        return NULL;
    json_add(o, "id", st, 0);
    json_add(o, "station", st, 1);
    for (int c = 0; c < n; c++)
        json_add(o, t->cols[c].name, st, c + 2);
    if (t->ref_col >= 0) {
        json_add(o, "case_id_number", st, n + 2);
        json_add(o, "case_name", st, n + 3);
    }
    s = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return s;
}

int export_write(sdb *db, const struct sw_table *t, const struct export_opts *o,
                 FILE *out, long *nrows, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    long n = 0;
    int rc, began = 0;

    if (nrows)
        *nrows = 0;
    rc = export_check_opts(o, err);
    if (rc)
        return rc;
    sb_init(&sql);
    export_sql(&sql, t);
    if (sql.oom) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    /* one read transaction: the rows are one state of the file */
    if (sdb_get_autocommit(db)) {
        rc = db_exec(db, "BEGIN", err);
        if (rc)
            goto out;
        began = 1;
    }
    rc = db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto out;
    if (o->from)
        sdb_bind_text(st, 1, o->from, -1, SDB_STATIC);
    if (o->to)
        sdb_bind_text(st, 2, o->to, -1, SDB_STATIC);
    if (o->station)
        sdb_bind_text(st, 3, o->station, -1, SDB_STATIC);

    if (o->format == EXPORT_CSV) {
        fputs(CSV_BOM, out);
        csv_header(out, t, o);
    } else {
        fputs("[", out);
    }
    while ((rc = sdb_step(st)) == SDB_ROW) {
        if (o->format == EXPORT_CSV) {
            csv_row(out, st, t, o);
        } else {
            char *s = json_row(st, t);
            if (!s) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                goto out;
            }
            fprintf(out, "%s\n%s", n ? "," : "", s);
            cJSON_free(s);
        }
        n++;
    }
    if (rc != SDB_DONE) {
        rc = db_fail(err, db, "export");
        goto out;
    }
    if (o->format == EXPORT_JSON)
        fputs(n ? "\n]\n" : "]\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        rc = sw_fail(err, SW_EIO, _("cannot write the export: %s"),
                     strerror(errno));
        goto out;
    }
    rc = 0;
    if (nrows)
        *nrows = n;
out:
    sdb_finalize(st);
    if (began)
        db_rollback(db); /* read only: nothing to keep */
    sb_release(&sql);
    return rc;
}

int export_to_file(const char *path,
                   int (*fn)(FILE *out, void *arg, struct sw_err *err),
                   void *arg, struct sw_err *err)
{
    struct sw_buf tmp;
    FILE *f = NULL;
    int fd = -1, rc;

    sb_init(&tmp);
    sb_addf(&tmp, "%s.XXXXXX", path);
    if (tmp.oom)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    fd = mkostemp(tmp.buf, O_CLOEXEC); /* mode 0600 */
    if (fd < 0) {
        rc = sw_fail(err, SW_ECANTCREAT, _("%s: cannot create: %s"), path,
                     strerror(errno));
        sb_release(&tmp);
        return rc;
    }
    f = fdopen(fd, "w");
    if (!f) {
        rc = sw_fail(err, SW_ECANTCREAT, "%s: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    rc = fn(f, arg, err);
    if (rc)
        goto fail;
    if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) != 0) {
        rc = sw_fail(err, SW_EIO, _("%s: cannot write: %s"), path,
                     strerror(errno));
        goto fail;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = sw_fail(err, SW_EIO, _("%s: cannot write: %s"), path,
                     strerror(errno));
        goto fail;
    }
    f = NULL;
    if (rename(tmp.buf, path) != 0) {
        rc = sw_fail(err, SW_ECANTCREAT, _("%s: cannot create: %s"), path,
                     strerror(errno));
        goto fail;
    }
    sb_release(&tmp);
    return 0;
fail:
    if (f)
        fclose(f);
    unlink(tmp.buf);
    sb_release(&tmp);
    return rc;
}

const char *export_opt(int argc, char **argv, int *i, const char *opt,
                       int *missing)
{
    size_t n = strlen(opt);
    *missing = 0;
    if (strcmp(argv[*i], opt) == 0) {
        if (*i + 1 < argc)
            return argv[++*i];
        *missing = 1;
        return NULL;
    }
    if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

int export_parse_args(int argc, char **argv, unsigned flags,
                      struct export_args *a, struct sw_err *err)
{
    memset(a, 0, sizeof(*a));
    a->o.lang = labels_lang();
    for (int i = 0; i < argc; i++) {
        const char *v;
        int miss;
        if ((v = export_opt(argc, argv, &i, "--from", &miss)) || miss) {
            a->o.from = v;
        } else if ((v = export_opt(argc, argv, &i, "--to", &miss)) || miss) {
            a->o.to = v;
        } else if ((v = export_opt(argc, argv, &i, "--format", &miss)) ||
                   miss) {
            if (v && strcmp(v, "csv") == 0)
                a->o.format = EXPORT_CSV;
            else if (v && strcmp(v, "json") == 0)
                a->o.format = EXPORT_JSON;
            else
                return sw_fail(err, SW_EUSAGE,
                               _("export: --format is csv or json, not '%s'"),
                               v ? v : "");
            continue;
        } else if ((v = export_opt(argc, argv, &i, "-o", &miss)) || miss ||
                   (v = export_opt(argc, argv, &i, "--output", &miss)) ||
                   miss) {
            a->outfile = v;
        } else if ((flags & EXPORT_ARGS_STATION) &&
                   ((v = export_opt(argc, argv, &i, "--station", &miss)) ||
                    miss)) {
            a->o.station = v;
        } else if (strcmp(argv[i], "--codes") == 0) {
            a->o.codes = 1;
            continue;
        } else if (strcmp(argv[i], "--json") == 0) {
            a->o.format = EXPORT_JSON;
            continue;
        } else if (argv[i][0] == '-' || a->t) {
            return sw_fail(err, SW_EUSAGE, _("export: unexpected '%s'"),
                           argv[i]);
        } else {
            a->t = sw_table_by_name(argv[i]);
            if (!a->t)
                a->t = sw_table_by_noun(argv[i]);
            if (!a->t)
                return sw_fail(err, SW_EUSAGE,
                               _("export: cases, visits or services, not '%s'"),
                               argv[i]);
            continue;
        }
        if (miss || !v || !*v)
            return sw_fail(err, SW_EUSAGE, _("export: %s needs a value"),
                           argv[i]);
    }
    if (!a->t)
        return sw_fail(err, SW_EUSAGE,
                       _("export: which records? cases, visits or services"));
    return export_check_opts(&a->o, err);
}

struct run_arg {
    sdb *db;
    const struct export_args *a;
    long *nrows;
};

static int run_to(FILE *out, void *arg, struct sw_err *err)
{
    struct run_arg *r = arg;
    return export_write(r->db, r->a->t, &r->a->o, out, r->nrows, err);
}

int export_run(sdb *db, const struct export_args *a, FILE *out, long *nrows,
               char *detail, size_t size, struct sw_err *err)
{
    struct run_arg r = {db, a, nrows};
    int rc = a->outfile ? export_to_file(a->outfile, run_to, &r, err)
                        : run_to(out, &r, err);
    if (rc)
        return rc;
    snprintf(detail, size, "%s %s%s %s..%s%s%s: %ld records to %s", a->t->name,
             a->o.format == EXPORT_CSV ? "csv" : "json",
             a->o.format == EXPORT_CSV && a->o.codes ? " codes" : "",
             a->o.from ? a->o.from : "", a->o.to ? a->o.to : "",
             a->o.station ? " station " : "", a->o.station ? a->o.station : "",
             *nrows, a->outfile ? a->outfile : "stdout");
    return 0;
}

/*
** records.c — FIELD=VALUE parsing, show and list of the replicated
** tables, shared by the agent's and the county's record commands.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "labels.h"
#include "records.h"
#include "search.h"

const char *records_field_alias(const struct sw_table *t, const char *name)
{
    if (t->ref_col >= 0 && strcmp(name, "case") == 0)
        return t->cols[t->ref_col].name;
    return name;
}

const char *records_input_value(const struct sw_column *c, const char *v)
{
    const char *code = c->check == CK_ENUM ? labels_choice_code(c, v) : NULL;
    return code ? code : v;
}

/* A value as the text output shows it: a choice's label in Chinese. */
static const unsigned char *shown_value(const struct sw_column *c,
                                        const unsigned char *v)
{
    if (!v || c->check != CK_ENUM || labels_lang() != SW_LANG_ZH)
        return v;
    return (const unsigned char *)labels_choice(c, (const char *)v, SW_LANG_ZH);
}

int records_parse_assigns(const struct sw_table *t, int argc, char **argv,
                          struct rec_assign *out, struct sw_err *err)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        char name[64];
        int col;
        size_t len;

        if (!eq || eq == argv[i]) {
            sw_fail(err, SW_EUSAGE, _("expected FIELD=VALUE, got '%s'"),
                    argv[i]);
            return -1;
        }
        len = (size_t)(eq - argv[i]);
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, argv[i], len);
        name[len] = '\0';
        col = labels_field_col(t, name);
        if (col < 0 || (t->cols[col].flags & SW_COL_SYSTEM)) {
            sw_fail(err, SW_EDATA, _("%s.%s: no such field"), t->name, name);
            return -1;
        }
        for (int j = 0; j < n; j++)
            if (out[j].col == col) {
                char fq[160];
                sw_fail(err, SW_EDATA, _("%s: given twice"),
                        labels_qualified(fq, sizeof(fq), t, &t->cols[col]));
                return -1;
            }
        out[n].col = col;
        out[n].value =
            eq[1] ? sw_normalize(&t->cols[col],
                                 records_input_value(&t->cols[col], eq + 1),
                                 out[n].norm)
                  : NULL;
        if (sw_validate(t, &t->cols[col], out[n].value, err))
            return -1;
        n++;
    }
    return n;
}

int records_fill_defaults(const struct sw_table *t, const char **vals,
                          const char *today, struct sw_err *err)
{
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        char fq[160];
        if (!vals[c] && col->dflt)
            vals[c] = strcmp(col->dflt, "@today") == 0 ? today : col->dflt;
        if (!vals[c] && (col->flags & SW_COL_REQUIRED)) {
            if (t->ref_col == c)
                return sw_fail(err, SW_EDATA, _("%s.case: is required"),
                               t->name);
            return sw_fail(err, SW_EDATA, _("%s: is required"),
                           labels_qualified(fq, sizeof(fq), t, col));
        }
    }
    return 0;
}

void records_bind_value(sdb_stmt *st, int idx, const struct sw_column *c,
                        const char *v)
{
    if (!v)
        sdb_bind_null(st, idx);
    else if (c->type == SW_INT)
        sdb_bind_int64(st, idx, strtoll(v, NULL, 10));
    else
        sdb_bind_text(st, idx, v, -1, SDB_TRANSIENT);
}

/* "%v%" for LIKE, with % _ and \ in v escaped by \ (NULL: no memory,
** and the statement binds NULL: matches nothing). */
static char *like_pattern(const char *v)
{
    size_t n = strlen(v);
    char *p = malloc(2 * n + 3), *o = p;
    if (!p)
        return NULL;
    *o++ = '%';
    for (; *v; v++) {
        if (*v == '%' || *v == '_' || *v == '\\')
            *o++ = '\\';
        *o++ = *v;
    }
    *o++ = '%';
    *o = '\0';
    return p;
}

static void sdb_free_text(void *p)
{
    free(p);
}

/* SELECT id, station, <all fields but deleted> FROM t */
static void select_cols(struct sw_buf *sql, const struct sw_table *t)
{
    sb_adds(sql, "SELECT id, station");
    for (int c = 0; c < sw_col_deleted(t); c++)
        sb_addf(sql, ", %s", t->cols[c].name);
    sb_addf(sql, " FROM %s WHERE deleted = 0", t->name);
}

static cJSON *row_json(sdb_stmt *st, const struct sw_table *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", (const char *)sdb_column_text(st, 0));
    if (sdb_column_type(st, 1) == SDB_NULL)
        cJSON_AddNullToObject(o, "station");
    else
        cJSON_AddStringToObject(o, "station",
                                (const char *)sdb_column_text(st, 1));
    for (int c = 0; c < sw_col_deleted(t); c++) {
        int k = c + 2;
        const char *name = t->cols[c].name;
        switch (sdb_column_type(st, k)) {
        case SDB_NULL:
            cJSON_AddNullToObject(o, name);
            break;
        case SDB_INTEGER:
            cJSON_AddNumberToObject(o, name, (double)sdb_column_int64(st, k));
            break;
        default:
            cJSON_AddStringToObject(o, name,
                                    (const char *)sdb_column_text(st, k));
        }
    }
    return o;
}

static int print_json(FILE *out, cJSON *j, struct sw_err *err)
{
    char *s = j ? cJSON_Print(j) : NULL;
    if (!s)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    fprintf(out, "%s\n", s);
    cJSON_free(s);
    return 0;
}

void records_print_cell(FILE *f, const unsigned char *s)
{
    if (!s)
        return;
    for (; *s; s++) {
        if (*s == '\n')
            fputs("\\n", f);
        else if (*s == '\t')
            fputs("\\t", f);
        else if (*s == '\\')
            fputs("\\\\", f);
        else if (*s < 0x20 || *s == 0x7f)
            fprintf(f, "\\x%02x", *s); /* no terminal escapes from data */
        else if (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
            fprintf(f, "\\u%04x", s[1]), s++; /* C1 controls */
        else
            fputc(*s, f);
    }
}

int records_show(sdb *db, const struct sw_table *t, int argc, char **argv,
                 FILE *out, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    const char *id = NULL;
    int json = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' || id)
            return sw_fail(err, SW_EUSAGE, _("%s show: unexpected '%s'"),
                           t->noun, argv[i]);
        else
            id = argv[i];
    }
    if (!id)
        return sw_fail(err, SW_EUSAGE, _("%s show: need an ID"), t->noun);

    sb_init(&sql);
    select_cols(&sql, t);
    sb_adds(&sql, " AND id = ?1");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto out;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
        goto out;
    }
    if (rc != SDB_ROW) {
        rc = db_fail(err, db, t->noun);
        goto out;
    }
    if (json) {
        cJSON *o = row_json(st, t);
        rc = print_json(out, o, err);
        cJSON_Delete(o);
        goto out;
    }
    fprintf(out, _("id: %s\nstation: %s\n"), sdb_column_text(st, 0),
            sdb_column_text(st, 1) ? (const char *)sdb_column_text(st, 1) : "");
    for (int c = 0; c < sw_col_deleted(t); c++) {
        if (sdb_column_type(st, c + 2) == SDB_NULL)
            continue;
        if (labels_lang() == SW_LANG_ZH)
            fprintf(out, "%s（%s）: ", t->cols[c].name,
                    labels_field(t, c, SW_LANG_ZH));
        else
            fprintf(out, "%s: ", t->cols[c].name);
        records_print_cell(
            out, shown_value(&t->cols[c], sdb_column_text(st, c + 2)));
        fputc('\n', out);
    }
    rc = 0;
out:
    sdb_finalize(st);
    sb_release(&sql);
    return rc;
}

/* One record as `list` prints it: the id and the SW_COL_LIST fields. */
static void print_list_row(FILE *out, sdb_stmt *st, const struct sw_table *t)
{
    fputs((const char *)sdb_column_text(st, 0), out);
    for (int c = 0; c < sw_col_deleted(t); c++)
        if (t->cols[c].flags & SW_COL_LIST) {
            fputc('\t', out);
            records_print_cell(
                out, shown_value(&t->cols[c], sdb_column_text(st, c + 2)));
        }
    fputc('\n', out);
}

/* The value of an option given as "--opt VALUE" or "--opt=VALUE" at
** argv[*i] (advancing *i past VALUE), or NULL if argv[*i] is not it. */
static const char *opt_value(int argc, char **argv, int *i, const char *opt,
                             int *matched)
{
    size_t n = strlen(opt);
    *matched = 0;
    if (strcmp(argv[*i], opt) == 0) {
        *matched = 1;
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=') {
        *matched = 1;
        return argv[*i] + n + 1;
    }
    return NULL;
}

int records_list(sdb *db, const struct sw_table *t, int argc, char **argv,
                 unsigned flags, FILE *out, struct sw_err *err)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int json = 0, rc, nw = 0, matched;
    int *wcol = calloc((size_t)argc + 1, sizeof(int));
    const char **wval = calloc((size_t)argc + 1, sizeof(char *));
    int *wpart = calloc((size_t)argc + 1, sizeof(int));
    cJSON *arr = NULL;

    sb_init(&sql);
    if (!wcol || !wval || !wpart) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        const char *w;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((w = opt_value(argc, argv, &i, "--where", &matched)),
                   matched) {
            /* FIELD=VALUE exact, FIELD~TEXT part of the value */
            const char *eq =
                w && w[strcspn(w, "=~")] ? w + strcspn(w, "=~") : NULL;
            const char *v;
            char name[64];
            size_t len;
            int col;
            if (!eq || eq == w) {
                rc = sw_fail(
                    err, SW_EUSAGE,
                    _("%s list: --where needs FIELD=VALUE or FIELD~TEXT"),
                    t->noun);
                goto out;
            }
            len = (size_t)(eq - w);
            if (len >= sizeof(name))
                len = sizeof(name) - 1;
            memcpy(name, w, len);
            name[len] = '\0';
            col = labels_field_col(t, name);
            if (col < -2 ||
                (col >= 0 && (t->cols[col].flags & SW_COL_SYSTEM))) {
                rc = sw_fail(err, SW_EDATA, _("%s.%s: no such field"), t->name,
                             name);
                goto out;
            }
            v = eq[1] && col >= 0 ? records_input_value(&t->cols[col], eq + 1)
                                  : eq + 1;
            /* FIELD= matches an empty field; a value must be one the
               field could hold; FIELD~TEXT any text (FIELD~ matches all
               but empty fields) */
            if (*eq == '=' && col >= 0 && *v &&
                sw_validate(t, &t->cols[col], v, err)) {
                rc = err ? err->code : SW_EDATA;
                goto out;
            }
            wcol[nw] = col;
            wval[nw] = *eq == '~' || *v ? v : NULL;
            wpart[nw] = *eq == '~';
            nw++;
        } else if ((flags & RECORDS_LIST_STATION) &&
                   ((w = opt_value(argc, argv, &i, "--station", &matched)),
                    matched)) {
            if (!w || !*w) {
                rc = sw_fail(err, SW_EUSAGE,
                             _("%s list: --station needs a CODE"), t->noun);
                goto out;
            }
            wcol[nw] = -2;
            wval[nw] = w;
            nw++;
        } else {
            rc = sw_fail(err, SW_EUSAGE, _("%s list: unexpected '%s'"), t->noun,
                         argv[i]);
            goto out;
        }
    }

    select_cols(&sql, t);
    for (int i = 0; i < nw; i++) {
        const char *cn = wcol[i] == -1   ? "id"
                         : wcol[i] == -2 ? "station"
                                         : t->cols[wcol[i]].name;
        if (wpart[i]) /* ASCII letters without regard to case; the value's
                         % _ and \\ escaped (like_pattern) */
            sb_addf(&sql,
                    " AND lower(CAST(%s AS TEXT)) LIKE lower(?) ESCAPE '\\'",
                    cn);
        else
            sb_addf(&sql, " AND %s IS NOT DISTINCT FROM ?", cn);
    }
    sb_adds(&sql, " ORDER BY rid");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto out;
    for (int i = 0; i < nw; i++) {
        if (!wval[i])
            sdb_bind_null(st, i + 1);
        else if (wpart[i])
            sdb_bind_text(st, i + 1, like_pattern(wval[i]), -1, sdb_free_text);
        else if (wcol[i] >= 0 && t->cols[wcol[i]].type == SW_INT)
            sdb_bind_int64(st, i + 1, strtoll(wval[i], NULL, 10));
        else
            sdb_bind_text(st, i + 1, wval[i], -1, SDB_STATIC);
    }
    if (json && !(arr = cJSON_CreateArray())) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    while ((rc = sdb_step(st)) == SDB_ROW) {
        if (json) {
            cJSON *o = row_json(st, t);
            if (!o) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                goto out;
            }
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        print_list_row(out, st, t);
    }
    if (rc != SDB_DONE) {
        rc = db_fail(err, db, t->noun);
        goto out;
    }
    rc = json ? print_json(out, arr, err) : 0;
out:
    cJSON_Delete(arr);
    sdb_finalize(st);
    sb_release(&sql);
    free(wcol);
    free(wval);
    free(wpart);
    return rc;
}

int records_search(sdb *db, int argc, char **argv, unsigned flags, FILE *out,
                   struct sw_err *err)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    struct search_hit *hits = NULL;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    const char *text = NULL, *station = NULL;
    int json = 0, limit = 50, nhits = 0, rc, matched;
    cJSON *arr = NULL;

    sb_init(&sql);
    for (int i = 0; i < argc; i++) {
        const char *w;
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if ((w = opt_value(argc, argv, &i, "--limit", &matched)),
                   matched) {
            char *end;
            long v = w ? strtol(w, &end, 10) : -1;
            if (!w || !*w || *end || v < 0 || v > 1000000) {
                rc = sw_fail(err, SW_EUSAGE,
                             _("case search: --limit needs a number (0: all)"));
                goto out;
            }
            limit = (int)v;
        } else if ((flags & RECORDS_LIST_STATION) &&
                   ((w = opt_value(argc, argv, &i, "--station", &matched)),
                    matched)) {
            if (!w || !*w) {
                rc = sw_fail(err, SW_EUSAGE,
                             _("case search: --station needs a CODE"));
                goto out;
            }
            station = w;
        } else if ((argv[i][0] == '-' && argv[i][1]) || text) {
            rc = sw_fail(err, SW_EUSAGE, _("case search: unexpected '%s'"),
                         argv[i]);
            goto out;
        } else {
            text = argv[i];
        }
    }
    if (!text) {
        rc = sw_fail(err, SW_EUSAGE,
                     _("case search: need the TEXT to look for"));
        goto out;
    }
    rc = search_cases(db, text, station, limit, &hits, &nhits, NULL, err);
    if (rc)
        goto out;

    select_cols(&sql, t);
    sb_adds(&sql, " AND rid = ?1");
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : db_prepare(db, sql.buf, &st, err);
    if (rc)
        goto out;
    if (json && !(arr = cJSON_CreateArray())) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    for (int h = 0; h < nhits; h++) {
        sdb_reset(st);
        sdb_bind_int64(st, 1, hits[h].rid);
        rc = sdb_step(st);
        if (rc == SDB_DONE)
            continue;
        if (rc != SDB_ROW) {
            rc = db_fail(err, db, "search");
            goto out;
        }
        if (json) {
            cJSON *o = row_json(st, t);
            if (!o || !cJSON_AddStringToObject(
                          o, "match", search_rank_name(hits[h].rank))) {
                cJSON_Delete(o);
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                goto out;
            }
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        print_list_row(out, st, t);
    }
    rc = json ? print_json(out, arr, err) : 0;
out:
    cJSON_Delete(arr);
    sdb_finalize(st);
    sb_release(&sql);
    free(hits);
    return rc;
}

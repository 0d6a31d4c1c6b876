/*
** swsync case|visit|service add|set|show|list|delete — the record
** commands.  Every column name comes from the table description; values
** are always bound, never written into SQL text.  Each write is one
** transaction; the capture triggers put it in the outbox.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "db.h"
#include "table.h"

/* field=value pairs, parsed and checked against the table */
struct assign {
    int col;
    const char *value; /* NULL: clear */
};

static const char *field_alias(const struct sw_table *t, const char *name)
{
    if (t->ref_col >= 0 && strcmp(name, "case") == 0)
        return t->cols[t->ref_col].name;
    return name;
}

/*
** Parse "field=value" arguments into out[] (at most t->ncols).  Checks
** the field exists, is settable, is not given twice, and the value
** passes validation.  Returns the count, or -1 with err filled.
*/
static int parse_assigns(const struct sw_table *t, int argc, char **argv,
                         struct assign *out, struct sw_err *err)
{
    int n = 0;
    for (int i = 0; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        char name[64];
        const char *fname;
        int col;
        size_t len;

        if (!eq || eq == argv[i]) {
            sw_fail(err, SW_EUSAGE, "expected FIELD=VALUE, got '%s'",
                    argv[i]);
            return -1;
        }
        len = (size_t)(eq - argv[i]);
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, argv[i], len);
        name[len] = '\0';
        fname = field_alias(t, name);
        col = sw_col_index(t, fname);
        if (col < 0 || (t->cols[col].flags & SW_COL_SYSTEM)) {
            sw_fail(err, SW_EDATA, "%s.%s: no such field", t->name, name);
            return -1;
        }
        for (int j = 0; j < n; j++)
            if (out[j].col == col) {
                sw_fail(err, SW_EDATA, "%s.%s: given twice", t->name, fname);
                return -1;
            }
        out[n].col = col;
        out[n].value = eq[1] ? eq + 1 : NULL;
        if (sw_validate(t, &t->cols[col], out[n].value, err))
            return -1;
        n++;
    }
    return n;
}

static void bind_value(sqlite3_stmt *st, int idx, const struct sw_column *c,
                       const char *v)
{
    if (!v)
        sqlite3_bind_null(st, idx);
    else if (c->type == SW_INT)
        sqlite3_bind_int64(st, idx, strtoll(v, NULL, 10));
    else
        sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT);
}

/* The station of a live case, or an error naming the field. */
static int case_station(sqlite3 *db, const struct sw_table *t,
                        const char *case_id, char *station, size_t n,
                        struct sw_err *err)
{
    static const char SQL_CASE[] =
        "SELECT station FROM cases WHERE id = ?1 AND deleted = 0";
    sqlite3_stmt *st;
    int rc = db_prepare(db, SQL_CASE, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, case_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *s = sqlite3_column_text(st, 0);
        snprintf(station, n, "%s", s ? (const char *)s : "");
        rc = 0;
    } else if (rc == SQLITE_DONE) {
        rc = sw_fail(err, SW_EDATA, "%s.%s: no case with id %s", t->name,
                     t->cols[t->ref_col].name, case_id);
    } else {
        rc = db_fail(err, db, "look up case");
    }
    sqlite3_finalize(st);
    return rc;
}

static int rec_add(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct assign *as;
    const char **vals = NULL;
    char id[SW_UUID_LEN + 1], station[SW_CODE_MAX + 1] = "", today[11];
    char *cfg_station = NULL;
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    int n, rc;

    sb_init(&sql);
    as = calloc((size_t)t->ncols, sizeof(*as));
    vals = calloc((size_t)t->ncols, sizeof(*vals));
    if (!as || !vals) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        goto out;
    }
    if (argc > t->ncols) {
        rc = sw_fail(&ctx->err, SW_EUSAGE, "too many fields");
        goto out;
    }
    n = parse_assigns(t, argc, argv, as, &ctx->err);
    if (n < 0) {
        rc = ctx->err.code;
        goto out;
    }
    cmd_today(today);
    for (int i = 0; i < n; i++)
        vals[as[i].col] = as[i].value;
    for (int c = 0; c < t->ncols; c++) {
        const struct sw_column *col = &t->cols[c];
        if (!vals[c] && col->dflt)
            vals[c] = strcmp(col->dflt, "@today") == 0 ? today : col->dflt;
        if (!vals[c] && (col->flags & SW_COL_REQUIRED)) {
            rc = sw_fail(&ctx->err, SW_EDATA, "%s.%s: is required", t->name,
                         t->ref_col == c ? "case" : col->name);
            goto out;
        }
    }

    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    if (t->ref_col >= 0) {
        rc = case_station(ctx->db, t, vals[t->ref_col], station,
                          sizeof(station), &ctx->err);
    } else {
        rc = db_config_get(ctx->db, "station", &cfg_station, &ctx->err);
        if (!rc && !cfg_station)
            rc = sw_fail(&ctx->err, SW_ECONFIG, "replica has no station");
        if (!rc)
            snprintf(station, sizeof(station), "%s", cfg_station);
    }
    if (rc)
        goto rollback;
    if (sw_uuid7(id)) {
        rc = sw_fail(&ctx->err, SW_EIO, "cannot read random bytes");
        goto rollback;
    }

    sb_addf(&sql, "INSERT INTO %s (id, station", t->name);
    for (int c = 0; c < t->ncols; c++)
        if (vals[c])
            sb_addf(&sql, ", %s", t->cols[c].name);
    sb_adds(&sql, ") VALUES (?, ?");
    for (int c = 0; c < t->ncols; c++)
        if (vals[c])
            sb_adds(&sql, ", ?");
    sb_adds(&sql, ")");
    if (sql.oom) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        goto rollback;
    }
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, station, -1, SQLITE_STATIC);
    {
        int k = 3;
        for (int c = 0; c < t->ncols; c++)
            if (vals[c])
                bind_value(st, k++, &t->cols[c], vals[c]);
    }
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto rollback;
    }
    rc = db_commit(ctx->db, &ctx->err);
    if (rc)
        goto out;
    printf("%s\n", id);
    goto out;

rollback:
    db_rollback(ctx->db);
out:
    sqlite3_finalize(st);
    sb_release(&sql);
    free(cfg_station);
    free(as);
    free(vals);
    return rc;
}

static int rec_set(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct assign *as = NULL;
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    const char *id;
    int n, rc;

    sb_init(&sql);
    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s set: need ID and FIELD=VALUE",
                       t->noun);
    id = argv[0];
    if (argc - 1 > t->ncols)
        return sw_fail(&ctx->err, SW_EUSAGE, "too many fields");
    as = calloc((size_t)t->ncols, sizeof(*as));
    if (!as)
        return sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
    n = parse_assigns(t, argc - 1, argv + 1, as, &ctx->err);
    if (n < 0) {
        rc = ctx->err.code;
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (t->cols[as[i].col].flags & SW_COL_FIXED) {
            rc = sw_fail(&ctx->err, SW_EDATA, "%s.%s: cannot change",
                         t->name, t->cols[as[i].col].name);
            goto out;
        }

    sb_addf(&sql, "UPDATE %s SET ", t->name);
    for (int i = 0; i < n; i++)
        sb_addf(&sql, "%s%s = ?", i ? ", " : "", t->cols[as[i].col].name);
    sb_adds(&sql, " WHERE id = ? AND deleted = 0");
    if (sql.oom) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        goto out;
    }
    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    for (int i = 0; i < n; i++)
        bind_value(st, i + 1, &t->cols[as[i].col], as[i].value);
    sqlite3_bind_text(st, n + 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto rollback;
    }
    if (sqlite3_changes(ctx->db) == 0) {
        rc = sw_fail(&ctx->err, SW_EDATA, "%s %s: not found", t->noun, id);
        goto rollback;
    }
    rc = db_commit(ctx->db, &ctx->err);
    goto out;

rollback:
    db_rollback(ctx->db);
out:
    sqlite3_finalize(st);
    sb_release(&sql);
    free(as);
    return rc;
}

/* SELECT id, station, <all fields but deleted> FROM t */
static void select_cols(struct sw_buf *sql, const struct sw_table *t)
{
    sb_adds(sql, "SELECT id, station");
    for (int c = 0; c < sw_col_deleted(t); c++)
        sb_addf(sql, ", %s", t->cols[c].name);
    sb_addf(sql, " FROM %s WHERE deleted = 0", t->name);
}

static cJSON *row_json(sqlite3_stmt *st, const struct sw_table *t)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "id", (const char *)sqlite3_column_text(st, 0));
    if (sqlite3_column_type(st, 1) == SQLITE_NULL)
        cJSON_AddNullToObject(o, "station");
    else
        cJSON_AddStringToObject(o, "station",
                                (const char *)sqlite3_column_text(st, 1));
    for (int c = 0; c < sw_col_deleted(t); c++) {
        int k = c + 2;
        const char *name = t->cols[c].name;
        switch (sqlite3_column_type(st, k)) {
        case SQLITE_NULL:
            cJSON_AddNullToObject(o, name);
            break;
        case SQLITE_INTEGER:
            cJSON_AddNumberToObject(o, name,
                                    (double)sqlite3_column_int64(st, k));
            break;
        default:
            cJSON_AddStringToObject(o, name,
                                    (const char *)sqlite3_column_text(st, k));
        }
    }
    return o;
}

static int print_json(cJSON *j, struct sw_err *err)
{
    char *s = j ? cJSON_Print(j) : NULL;
    if (!s)
        return sw_fail(err, SW_ESOFTWARE, "out of memory");
    printf("%s\n", s);
    cJSON_free(s);
    return 0;
}

/* Text form of a field value: one line, newlines and tabs escaped. */
static void print_cell(FILE *f, const unsigned char *s)
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
        else
            fputc(*s, f);
    }
}

static int rec_show(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    const char *id = NULL;
    int json = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] == '-' || id)
            return sw_fail(&ctx->err, SW_EUSAGE, "%s show: unexpected '%s'",
                           t->noun, argv[i]);
        else
            id = argv[i];
    }
    if (!id)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s show: need an ID", t->noun);

    sb_init(&sql);
    select_cols(&sql, t);
    sb_adds(&sql, " AND id = ?1");
    rc = sql.oom ? sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory")
                 : db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = sw_fail(&ctx->err, SW_EDATA, "%s %s: not found", t->noun, id);
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto out;
    }
    if (json) {
        cJSON *o = row_json(st, t);
        rc = print_json(o, &ctx->err);
        cJSON_Delete(o);
        goto out;
    }
    printf("id: %s\nstation: %s\n", sqlite3_column_text(st, 0),
           sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1)
                                      : "");
    for (int c = 0; c < sw_col_deleted(t); c++) {
        if (sqlite3_column_type(st, c + 2) == SQLITE_NULL)
            continue;
        printf("%s: ", t->cols[c].name);
        print_cell(stdout, sqlite3_column_text(st, c + 2));
        putchar('\n');
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    sb_release(&sql);
    return rc;
}

static int rec_list(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    int json = 0, rc, nw = 0;
    int *wcol = calloc((size_t)argc + 1, sizeof(int));
    const char **wval = calloc((size_t)argc + 1, sizeof(char *));
    cJSON *arr = NULL;

    sb_init(&sql);
    if (!wcol || !wval) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        goto out;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "--where") == 0 ||
                   strncmp(argv[i], "--where=", 8) == 0) {
            const char *w = argv[i][7] == '=' ? argv[i] + 8 : argv[++i];
            const char *eq = w ? strchr(w, '=') : NULL;
            char name[64];
            size_t len;
            int col;
            if (!eq || eq == w) {
                rc = sw_fail(&ctx->err, SW_EUSAGE,
                             "%s list: --where needs FIELD=VALUE", t->noun);
                goto out;
            }
            len = (size_t)(eq - w);
            if (len >= sizeof(name))
                len = sizeof(name) - 1;
            memcpy(name, w, len);
            name[len] = '\0';
            if (strcmp(name, "id") == 0)
                col = -1;
            else if (strcmp(name, "station") == 0)
                col = -2;
            else {
                col = sw_col_index(t, field_alias(t, name));
                if (col < 0 || (t->cols[col].flags & SW_COL_SYSTEM)) {
                    rc = sw_fail(&ctx->err, SW_EDATA, "%s.%s: no such field",
                                 t->name, name);
                    goto out;
                }
            }
            wcol[nw] = col;
            wval[nw] = eq + 1;
            nw++;
        } else {
            rc = sw_fail(&ctx->err, SW_EUSAGE, "%s list: unexpected '%s'",
                         t->noun, argv[i]);
            goto out;
        }
    }

    select_cols(&sql, t);
    for (int i = 0; i < nw; i++)
        sb_addf(&sql, " AND %s = ?",
                wcol[i] == -1   ? "id"
                : wcol[i] == -2 ? "station"
                                : t->cols[wcol[i]].name);
    sb_adds(&sql, " ORDER BY rid");
    rc = sql.oom ? sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory")
                 : db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto out;
    for (int i = 0; i < nw; i++) {
        if (wcol[i] >= 0 && t->cols[wcol[i]].type == SW_INT)
            sqlite3_bind_int64(st, i + 1, strtoll(wval[i], NULL, 10));
        else
            sqlite3_bind_text(st, i + 1, wval[i], -1, SQLITE_STATIC);
    }
    if (json && !(arr = cJSON_CreateArray())) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (json) {
            cJSON *o = row_json(st, t);
            if (!o) {
                rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
                goto out;
            }
            cJSON_AddItemToArray(arr, o);
            continue;
        }
        fputs((const char *)sqlite3_column_text(st, 0), stdout);
        for (int c = 0; c < sw_col_deleted(t); c++)
            if (t->cols[c].flags & SW_COL_LIST) {
                putchar('\t');
                print_cell(stdout, sqlite3_column_text(st, c + 2));
            }
        putchar('\n');
    }
    if (rc != SQLITE_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto out;
    }
    rc = json ? print_json(arr, &ctx->err) : 0;
out:
    cJSON_Delete(arr);
    sqlite3_finalize(st);
    sb_release(&sql);
    free(wcol);
    free(wval);
    return rc;
}

static int rec_delete(struct cmd_ctx *ctx, const struct sw_table *t,
                      int argc, char **argv)
{
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    int rc;

    if (argc != 1)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s delete: need one ID",
                       t->noun);
    sb_init(&sql);
    sb_addf(&sql, "UPDATE %s SET deleted = 1 WHERE id = ?1 AND deleted = 0",
            t->name);
    rc = sql.oom ? sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory")
                 : db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    sqlite3_bind_text(st, 1, argv[0], -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto rollback;
    }
    if (sqlite3_changes(ctx->db) == 0) {
        rc = sw_fail(&ctx->err, SW_EDATA, "%s %s: not found", t->noun,
                     argv[0]);
        goto rollback;
    }
    rc = db_commit(ctx->db, &ctx->err);
    goto out;
rollback:
    db_rollback(ctx->db);
out:
    sqlite3_finalize(st);
    sb_release(&sql);
    return rc;
}

int cmd_record(struct cmd_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct cmd_ctx *, const struct sw_table *, int, char **);
    } verbs[] = {
        {"add", rec_add},   {"set", rec_set},       {"show", rec_show},
        {"list", rec_list}, {"delete", rec_delete},
    };
    const struct sw_table *t = sw_table_by_noun(argv[0]);

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s: missing subcommand",
                       argv[0]);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0) {
            for (int k = 2; k < argc; k++)
                if (cmd_is_help(argv[k])) {
                    cmd_print_help(cmd_find(argv[0]));
                    return 0;
                }
            return verbs[i].fn(ctx, t, argc - 2, argv + 2);
        }
    return sw_fail(&ctx->err, SW_EUSAGE, "%s: unknown subcommand '%s'",
                   argv[0], argv[1]);
}

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
#include "due.h"
#include "links.h"
#include "records.h"
#include "replica.h"
#include "table.h"

/* The station of a live case, or an error naming the field. */
static int case_station(sdb *db, const struct sw_table *t, const char *case_id,
                        char *station, size_t n, struct sw_err *err)
{
    static const char SQL_CASE[] =
        "SELECT station FROM cases WHERE id = ?1 AND deleted = 0";
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_CASE, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, case_id, -1, SDB_STATIC);
    rc = sdb_step(st);
    if (rc == SDB_ROW) {
        const unsigned char *s = sdb_column_text(st, 0);
        snprintf(station, n, "%s", s ? (const char *)s : "");
        rc = 0;
    } else if (rc == SDB_DONE) {
        rc = sw_fail(err, SW_EDATA, _("%s.%s: no case with id %s"), t->name,
                     t->cols[t->ref_col].name, case_id);
    } else {
        rc = db_fail(err, db, "look up case");
    }
    sdb_finalize(st);
    return rc;
}

static int rec_add(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct rec_assign *as;
    const char **vals = NULL;
    char id[SW_UUID_LEN + 1], station[SW_CODE_MAX + 1] = "", today[11];
    char *cfg_station = NULL;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int n, rc;

    sb_init(&sql);
    as = calloc((size_t)t->ncols, sizeof(*as));
    vals = calloc((size_t)t->ncols, sizeof(*vals));
    if (!as || !vals) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    if (argc > t->ncols) {
        rc = sw_fail(&ctx->err, SW_EUSAGE, _("too many fields"));
        goto out;
    }
    n = records_parse_assigns(t, argc, argv, as, &ctx->err);
    if (n < 0) {
        rc = ctx->err.code;
        goto out;
    }
    cmd_today(today);
    for (int i = 0; i < n; i++)
        vals[as[i].col] = as[i].value;
    rc = records_fill_defaults(t, vals, today, &ctx->err);
    if (rc)
        goto out;

    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    if (t->ref_col >= 0) {
        rc = case_station(ctx->db, t, vals[t->ref_col], station,
                          sizeof(station), &ctx->err);
    } else {
        rc = db_config_get(ctx->db, "station", &cfg_station, &ctx->err);
        if (!rc && !cfg_station)
            rc = sw_fail(&ctx->err, SW_ECONFIG, _("replica has no station"));
        if (!rc)
            snprintf(station, sizeof(station), "%s", cfg_station);
    }
    if (rc)
        goto rollback;
    if (sw_uuid7(id)) {
        rc = sw_fail(&ctx->err, SW_EIO, _("cannot read random bytes"));
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
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        goto rollback;
    }
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sdb_bind_text(st, 2, station, -1, SDB_STATIC);
    {
        int k = 3;
        for (int c = 0; c < t->ncols; c++)
            if (vals[c])
                records_bind_value(st, k++, &t->cols[c], vals[c]);
    }
    if (sdb_step(st) != SDB_DONE) {
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
    sdb_finalize(st);
    sb_release(&sql);
    free(cfg_station);
    free(as);
    free(vals);
    return rc;
}

static int rec_set(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct rec_assign *as = NULL;
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    const char *id;
    int n, rc;

    sb_init(&sql);
    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s set: need ID and FIELD=VALUE"), t->noun);
    id = argv[0];
    if (argc - 1 > t->ncols)
        return sw_fail(&ctx->err, SW_EUSAGE, _("too many fields"));
    as = calloc((size_t)t->ncols, sizeof(*as));
    if (!as)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    n = records_parse_assigns(t, argc - 1, argv + 1, as, &ctx->err);
    if (n < 0) {
        rc = ctx->err.code;
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (t->cols[as[i].col].flags & SW_COL_FIXED) {
            rc = sw_fail(&ctx->err, SW_EDATA, _("%s.%s: cannot change"),
                         t->name, t->cols[as[i].col].name);
            goto out;
        }

    sb_addf(&sql, "UPDATE %s SET ", t->name);
    for (int i = 0; i < n; i++)
        sb_addf(&sql, "%s%s = ?", i ? ", " : "", t->cols[as[i].col].name);
    sb_adds(&sql, " WHERE id = ? AND deleted = 0");
    if (sql.oom) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    for (int i = 0; i < n; i++)
        records_bind_value(st, i + 1, &t->cols[as[i].col], as[i].value);
    sdb_bind_text(st, n + 1, id, -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto rollback;
    }
    if (sdb_changes(ctx->db) == 0) {
        rc = sw_fail(&ctx->err, SW_EDATA, _("%s %s: not found"), t->noun, id);
        goto rollback;
    }
    rc = db_commit(ctx->db, &ctx->err);
    goto out;

rollback:
    db_rollback(ctx->db);
out:
    sdb_finalize(st);
    sb_release(&sql);
    free(as);
    return rc;
}

/* A string member of o, or dflt. */
static const char *jstr_or(const cJSON *o, const char *k, const char *dflt)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(j) ? j->valuestring : dflt;
}

/* show ID --authors [--json]: who wrote each field's value. */
static int show_authors(struct cmd_ctx *ctx, const struct sw_table *t,
                        const char *id, int json)
{
    char *authors[64];
    cJSON *o = NULL;
    int rc;

    if (t->ncols > 64)
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("%s: too many columns"),
                       t->name);
    rc = replica_authors(ctx->db, sw_table_index(t), id, authors, &ctx->err);
    if (rc)
        return rc;
    if (json && !(o = cJSON_CreateObject()))
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    for (int c = 0; c < t->ncols && !rc; c++) {
        if (!authors[c])
            continue;
        if (!json) {
            printf("%s: ", t->cols[c].name);
            records_print_cell(stdout, (const unsigned char *)authors[c]);
            putchar('\n');
        } else if (!cJSON_AddStringToObject(o, t->cols[c].name, authors[c])) {
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        }
    }
    if (!rc && json) {
        char *text = cJSON_PrintUnformatted(o);
        if (!text)
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        else
            puts(text);
        free(text);
    }
    cJSON_Delete(o);
    for (int c = 0; c < t->ncols; c++)
        free(authors[c]);
    return rc;
}

/* "also served at STATION · contact: TEXT", a line each notice. */
static void print_links(const cJSON *links)
{
    const cJSON *l;
    cJSON_ArrayForEach (l, links) {
        const char *name = jstr_or(l, "name", NULL);
        const char *contact = jstr_or(l, "contact", NULL);
        printf(_("also served at %s · contact: %s\n"),
               name ? name : jstr_or(l, "station", "-"),
               contact ? contact : _("(none given)"));
    }
}

/*
** case show: the record, then the county's notices that the person is also
** served at another station (sync/links.h): a line each, or with --json an
** "also_served" array in the object (only when there is one).
*/
static int show_case(struct cmd_ctx *ctx, int argc, char **argv, const char *id,
                     int json)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    cJSON *links = NULL, *o = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *mem;
    int rc;

    rc = links_of_case_json(ctx->db, id, &links, &ctx->err);
    if (rc)
        return rc;
    if (!json || cJSON_GetArraySize(links) == 0) {
        /* --json: the object as before when there is no notice */
        rc = records_show(ctx->db, t, argc, argv, stdout, &ctx->err);
        if (!rc)
            print_links(links);
        cJSON_Delete(links);
        return rc;
    }
    mem = open_memstream(&text, &len);
    if (!mem) {
        cJSON_Delete(links);
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    }
    rc = records_show(ctx->db, t, argc, argv, mem, &ctx->err);
    if (fclose(mem) && !rc)
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    if (!rc && !(o = cJSON_ParseWithLength(text, len)))
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    free(text);
    if (!rc && !cJSON_AddItemToObject(o, "also_served", links))
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    else if (!rc) {
        links = NULL;
        text = cJSON_Print(o);
        if (text)
            printf("%s\n", text);
        else
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        free(text);
    }
    cJSON_Delete(o);
    cJSON_Delete(links);
    return rc;
}

static int rec_show(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    const char *id = NULL;
    int authors = 0, json = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--authors") == 0)
            authors = 1;
        else if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (argv[i][0] != '-' && !id)
            id = argv[i];
    }
    if (authors && id)
        return show_authors(ctx, t, id, json);
    if (authors)
        return sw_fail(&ctx->err, SW_EUSAGE, _("%s show: need an ID"), t->noun);
    if (t == &sw_tables[SW_T_CASES] && id)
        return show_case(ctx, argc, argv, id, json);
    return records_show(ctx->db, t, argc, argv, stdout, &ctx->err);
}

static int rec_list(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    /* referral list --open | --overdue: sync/due.c's reading */
    for (int i = 0; t == &sw_tables[SW_T_REFERRALS] && i < argc; i++)
        if (strcmp(argv[i], "--open") == 0 || strcmp(argv[i], "--overdue") == 0)
            return cmd_referral_list(
                ctx,
                strcmp(argv[i], "--open") == 0 ? DUE_REF_OPEN : DUE_REF_OVERDUE,
                argc, argv);
    return records_list(ctx->db, t, argc, argv, 0, stdout, &ctx->err);
}

static int rec_search(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                      char **argv)
{
    if (t != &sw_tables[SW_T_CASES])
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("%s: unknown subcommand 'search' (case search)"),
                       t->noun);
    return records_search(ctx->db, argc, argv, 0, stdout, &ctx->err);
}

static int rec_delete(struct cmd_ctx *ctx, const struct sw_table *t, int argc,
                      char **argv)
{
    struct sw_buf sql;
    sdb_stmt *st = NULL;
    int rc;

    if (argc != 1)
        return sw_fail(&ctx->err, SW_EUSAGE, _("%s delete: need one ID"),
                       t->noun);
    sb_init(&sql);
    sb_addf(&sql, "UPDATE %s SET deleted = 1 WHERE id = ?1 AND deleted = 0",
            t->name);
    rc = sql.oom ? sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"))
                 : db_begin(ctx->db, &ctx->err);
    if (rc)
        goto out;
    rc = db_prepare(ctx->db, sql.buf, &st, &ctx->err);
    if (rc)
        goto rollback;
    sdb_bind_text(st, 1, argv[0], -1, SDB_STATIC);
    if (sdb_step(st) != SDB_DONE) {
        rc = db_fail(&ctx->err, ctx->db, t->noun);
        goto rollback;
    }
    if (sdb_changes(ctx->db) == 0) {
        rc = sw_fail(&ctx->err, SW_EDATA, _("%s %s: not found"), t->noun,
                     argv[0]);
        goto rollback;
    }
    rc = db_commit(ctx->db, &ctx->err);
    goto out;
rollback:
    db_rollback(ctx->db);
out:
    sdb_finalize(st);
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
        {"list", rec_list}, {"delete", rec_delete}, {"search", rec_search},
    };
    const struct sw_table *t = sw_table_by_noun(argv[0]);

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, _("%s: missing subcommand"),
                       argv[0]);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0) {
            for (int k = 2; k < argc; k++)
                if (cmd_is_help(argv[k])) {
                    cmd_print_help(cmd_find(argv[0]));
                    return 0;
                }
            /* the county's records are read here, written there */
            if (sw_county_owned(t) && verbs[i].fn != rec_show &&
                verbs[i].fn != rec_list)
                return sw_fail(&ctx->err, SW_EPERM,
                               _("%s %s: the county's %s are read-only at a "
                                 "station; a county admin changes them "
                                 "(swsync-county %s %s)"),
                               t->noun, argv[1], t->name, t->noun, argv[1]);
            return verbs[i].fn(ctx, t, argc - 2, argv + 2);
        }
    return sw_fail(&ctx->err, SW_EUSAGE, _("%s: unknown subcommand '%s'"),
                   argv[0], argv[1]);
}

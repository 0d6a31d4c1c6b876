/*
** swsync-county case|visit|service show|list|set — every station's
** records, and county corrections.  show and list are the agent's (see
** records.h); set writes through the store, so a correction is a new
** county version that reaches the owning station on its next pull.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "county.h"
#include "db.h"
#include "records.h"
#include "store.h"
#include "table.h"

static int rec_show(struct county_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    return records_show(ctx->db, t, argc, argv, stdout, &ctx->err);
}

static int rec_list(struct county_ctx *ctx, const struct sw_table *t, int argc,
                    char **argv)
{
    return records_list(ctx->db, t, argc, argv, RECORDS_LIST_STATION, stdout,
                        &ctx->err);
}

/* Is record id of t live (exists, not deleted)?  SW_EDATA if not. */
static int live_record(sqlite3 *db, const struct sw_table *t, const char *id,
                       struct sw_err *err)
{
    struct sw_buf sql;
    sqlite3_stmt *st = NULL;
    int rc;

    sb_init(&sql);
    sb_addf(&sql, "SELECT deleted FROM %s WHERE id = ?1", t->name);
    rc = sql.oom ? sw_fail(err, SW_ESOFTWARE, "out of memory")
                 : db_prepare(db, sql.buf, &st, err);
    sb_release(&sql);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        rc = sw_fail(err, SW_EDATA, "%s %s: not found", t->noun, id);
    else if (rc != SQLITE_ROW)
        rc = db_fail(err, db, t->noun);
    else if (sqlite3_column_int(st, 0) != 0)
        rc = sw_fail(err, SW_EDATA, "%s %s: deleted", t->noun, id);
    else
        rc = 0;
    sqlite3_finalize(st);
    return rc;
}

static int rec_set(struct county_ctx *ctx, const struct sw_table *t, int argc,
                   char **argv)
{
    struct rec_assign *as = NULL;
    struct store s;
    struct sw_change c;
    const char *id;
    int n, rc, opened = 0;

    memset(&c, 0, sizeof(c));
    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s set: need ID and FIELD=VALUE",
                       t->noun);
    id = argv[0];
    if (argc - 1 > t->ncols)
        return sw_fail(&ctx->err, SW_EUSAGE, "too many fields");
    if (!sw_uuid_valid(id))
        return sw_fail(&ctx->err, SW_EDATA, "%s %s: not found", t->noun, id);
    as = calloc((size_t)t->ncols, sizeof(*as));
    if (!as)
        return sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
    n = records_parse_assigns(t, argc - 1, argv + 1, as, &ctx->err);
    if (n < 0) {
        rc = ctx->err.code;
        goto out;
    }
    for (int i = 0; i < n; i++)
        if (t->cols[as[i].col].flags & SW_COL_FIXED) {
            rc = sw_fail(&ctx->err, SW_EDATA, "%s.%s: cannot change", t->name,
                         t->cols[as[i].col].name);
            goto out;
        }

    rc = store_open(&s, ctx->db, &ctx->err);
    opened = 1;
    if (!rc)
        rc = store_begin(&s, &ctx->err);
    if (rc)
        goto out;
    rc = live_record(ctx->db, t, id, &ctx->err);
    for (int i = 0; !rc && i < n; i++) {
        const struct sw_column *col = &t->cols[as[i].col];
        memset(&c, 0, sizeof(c));
        c.tbl = sw_table_index(t);
        c.col = as[i].col;
        snprintf(c.id, sizeof(c.id), "%s", id);
        if (!as[i].value) {
            c.vtype = SW_V_NULL;
        } else if (col->type == SW_INT) {
            c.vtype = SW_V_INT;
            c.ival = strtoll(as[i].value, NULL, 10);
        } else {
            c.vtype = SW_V_TEXT;
            c.text = sw_strdup(as[i].value);
            if (!c.text)
                rc = sw_fail(&ctx->err, SW_ESOFTWARE, "out of memory");
        }
        if (!rc)
            rc = store_write(&s, &c, &ctx->err);
        change_release(&c);
    }
    if (rc) {
        store_abort(&s);
        if (rc == SW_ENOINPUT)
            rc = ctx->err.code = SW_EDATA; /* as the agent: not found */
        goto out;
    }
    rc = store_commit(&s, &ctx->err);
out:
    if (opened)
        store_close(&s);
    free(as);
    return rc;
}

int county_cmd_record(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, const struct sw_table *, int, char **);
    } verbs[] = {
        {"show", rec_show},
        {"list", rec_list},
        {"set", rec_set},
    };
    const struct sw_table *t = sw_table_by_noun(argv[0]);

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, "%s: missing subcommand", argv[0]);
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, t, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE, "%s: unknown subcommand '%s'", argv[0],
                   argv[1]);
}

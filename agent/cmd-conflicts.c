/*
** swsync conflicts [--json] [--open] — the conflicts on this station's
** records: those this replica found when a pulled value met an unsent
** edit, and those the county found, as `swsync sync` learns them from
** GET /v1/conflicts after its pull, with their resolution by a county
** admin (status, resolution, note, when).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "db.h"
#include "hlc.h"
#include "records.h"

static const char SQL_LIST[] =
    "SELECT id, tbl, row_id, col, kind, winner_value, winner_site, "
    "winner_hlc, loser_value, loser_site, loser_hlc, detected_at, status, "
    "resolution, note, resolved_at, winner_author, loser_author "
    "FROM conflicts "
    "WHERE (?1 = 0 OR status = 'open') "
    "ORDER BY status = 'open' DESC, id DESC";

enum {
    C_ID,
    C_TBL,
    C_ROW,
    C_COL,
    C_KIND,
    C_WVAL,
    C_WSITE,
    C_WHLC,
    C_LVAL,
    C_LSITE,
    C_LHLC,
    C_DETECTED,
    C_STATUS,
    C_RESOLUTION,
    C_NOTE,
    C_RESOLVED,
    C_WAUTHOR,
    C_LAUTHOR,
    NCOLS
};

static const char *const names[NCOLS] = {
    "id",           "table",         "record",      "field",       "kind",
    "winner_value", "winner_site",   "winner_hlc",  "loser_value", "loser_site",
    "loser_hlc",    "detected_at",   "status",      "resolution",  "note",
    "resolved_at",  "winner_author", "loser_author"};

static void add_col(cJSON *o, sdb_stmt *st, int i)
{
    char buf[HLC_STR_MAX + 1];
    if (sdb_column_type(st, i) == SDB_NULL) {
        cJSON_AddNullToObject(o, names[i]);
    } else if (i == C_WHLC || i == C_LHLC) {
        /* a 64-bit hlc does not survive as a JSON number */
        hlc_format(sdb_column_int64(st, i), buf);
        cJSON_AddStringToObject(o, names[i], buf);
    } else if (sdb_column_type(st, i) == SDB_INTEGER) {
        cJSON_AddNumberToObject(o, names[i], (double)sdb_column_int64(st, i));
    } else {
        cJSON_AddStringToObject(o, names[i],
                                (const char *)sdb_column_text(st, i));
    }
}

/* A text cell: "-" for NULL, escaped as in list output. */
static void cell(sdb_stmt *st, int i)
{
    if (sdb_column_type(st, i) == SDB_NULL)
        fputs("-", stdout);
    else
        records_print_cell(stdout, sdb_column_text(st, i));
}

int cmd_conflicts(struct cmd_ctx *ctx, int argc, char **argv)
{
    sdb_stmt *st = NULL;
    cJSON *arr = NULL;
    int json = 0, open_only = 0, rc, step;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else if (strcmp(argv[i], "--open") == 0)
            open_only = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("conflicts: unexpected '%s'"), argv[i]);
    }
    if (json && !(arr = cJSON_CreateArray()))
        return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
    rc = db_prepare(ctx->db, SQL_LIST, &st, &ctx->err);
    if (rc) {
        cJSON_Delete(arr);
        return rc;
    }
    sdb_bind_int(st, 1, open_only);
    while ((step = sdb_step(st)) == SDB_ROW) {
        if (json) {
            cJSON *o = cJSON_CreateObject();
            if (!o || !cJSON_AddItemToArray(arr, o)) {
                cJSON_Delete(o);
                rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
                break;
            }
            for (int i = 0; i < NCOLS; i++)
                add_col(o, st, i);
            continue;
        }
        /* ID STATUS TABLE RECORD FIELD KIND WINNER LOSER RESOLUTION NOTE */
        printf("%" PRId64 "\t", (int64_t)sdb_column_int64(st, C_ID));
        cell(st, C_STATUS);
        putchar('\t');
        cell(st, C_TBL);
        putchar('\t');
        cell(st, C_ROW);
        putchar('\t');
        cell(st, C_COL);
        putchar('\t');
        cell(st, C_KIND);
        putchar('\t');
        cell(st, C_WVAL);
        putchar('\t');
        cell(st, C_LVAL);
        putchar('\t');
        cell(st, C_RESOLUTION);
        putchar('\t');
        cell(st, C_NOTE);
        putchar('\n');
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(&ctx->err, ctx->db, "list conflicts");
    sdb_finalize(st);
    if (!rc && json) {
        char *s = cJSON_Print(arr);
        if (!s) {
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
        } else {
            printf("%s\n", s);
            cJSON_free(s);
        }
    }
    cJSON_Delete(arr);
    return rc;
}

/*
** swsync status — what the replica is, what waits to be sent, and how its
** syncs have gone (last success, last error, open conflicts, clock skew as
** the last hello measured it).
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "db.h"

static const char SQL_PENDING[] =
    "SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM pending)";
static const char SQL_VERSION[] = "PRAGMA user_version";
static const char SQL_COUNTS[] =
    "SELECT (SELECT count(*) FROM cases WHERE deleted = 0),"
    " (SELECT count(*) FROM visits WHERE deleted = 0),"
    " (SELECT count(*) FROM services WHERE deleted = 0),"
    " (SELECT count(*) FROM referrals WHERE deleted = 0),"
    " (SELECT count(*) FROM resources WHERE deleted = 0),"
    /* another program's writes to a county-owned table, refused by the
       replica's triggers (sync/ddl.c) */
    " (SELECT count(*) FROM local_audit WHERE action = 'refused')";
static const char SQL_OPEN_CONFLICTS[] =
    "SELECT count(*) FROM conflicts WHERE status = 'open'";

/* The config rows shown, in this order. */
enum {
    K_STATION,
    K_SITE,
    K_SERVER,
    K_TOKEN_FILE,
    K_LAST_SYNC,
    K_LAST_ERROR,
    K_LAST_ATTEMPT,
    K_SKEW,
    K_HELD,
    K_CLAMPED,
    NKEYS
};
static const char *const keys[NKEYS] = {
    "station",    "site",         "server",  "token_file", "last_sync",
    "last_error", "last_attempt", "skew_ms", "held_back",  "clock_clamped"};

static int query_ints(sdb *db, const char *sql, int64_t *out, int n,
                      struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, sql, &st, err);
    if (rc)
        return rc;
    if (sdb_step(st) == SDB_ROW) {
        for (int i = 0; i < n; i++)
            out[i] = sdb_column_int64(st, i);
        rc = 0;
    } else {
        rc = db_fail(err, db, "status");
    }
    sdb_finalize(st);
    return rc;
}

/* A config value that is a whole number; 0 if absent or not one. */
static int config_int(const char *v, int64_t *out)
{
    char *end;
    long long x;
    if (!v || !*v)
        return 0;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || *end)
        return 0;
    *out = x;
    return 1;
}

/* ms since the epoch as local ISO 8601 with offset: 2025-11-22T14:05:09+08:00
 */
static void iso_time(int64_t ms, char *buf, size_t n)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    char off[8];
    size_t len;

    if (!localtime_r(&t, &tm) ||
        (len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm)) == 0 ||
        strftime(off, sizeof(off), "%z", &tm) != 5) {
        snprintf(buf, n, "@%lld", (long long)ms);
        return;
    }
    snprintf(buf + len, n - len, "%.3s:%.2s", off, off + 3);
}

int cmd_status(struct cmd_ctx *ctx, int argc, char **argv)
{
    char *vals[NKEYS] = {NULL};
    int64_t pending = 0, version = 0, counts[6] = {0}, conflicts = 0;
    int64_t last_sync = 0, last_attempt = 0, skew = 0, moved = 0;
    int has_sync, has_attempt, has_skew, json = 0, rc = 0;
    const char *last_error;
    char sync_iso[48], attempt_iso[48];

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE, _("status: unexpected '%s'"),
                           argv[i]);
    }
    for (int i = 0; i < NKEYS && !rc; i++)
        rc = db_config_get(ctx->db, keys[i], &vals[i], &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_PENDING, &pending, 1, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_VERSION, &version, 1, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_COUNTS, counts, 6, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, SQL_OPEN_CONFLICTS, &conflicts, 1, &ctx->err);
    if (!rc)
        rc = query_ints(ctx->db, "SELECT count(*) FROM moved_cases", &moved, 1,
                        &ctx->err);
    if (rc)
        goto out;
    has_sync = config_int(vals[K_LAST_SYNC], &last_sync);
    has_attempt = config_int(vals[K_LAST_ATTEMPT], &last_attempt);
    has_skew = config_int(vals[K_SKEW], &skew);
    last_error =
        vals[K_LAST_ERROR] && *vals[K_LAST_ERROR] ? vals[K_LAST_ERROR] : NULL;
    if (has_sync)
        iso_time(last_sync, sync_iso, sizeof(sync_iso));
    if (has_attempt)
        iso_time(last_attempt, attempt_iso, sizeof(attempt_iso));

    if (json) {
        cJSON *o = cJSON_CreateObject();
        char *s = NULL;
        if (o) {
            for (int i = K_STATION; i <= K_TOKEN_FILE; i++) {
                if (vals[i])
                    cJSON_AddStringToObject(o, keys[i], vals[i]);
                else
                    cJSON_AddNullToObject(o, keys[i]);
            }
            cJSON_AddNumberToObject(o, "schema_version", (double)version);
            cJSON_AddNumberToObject(o, "pending_changes", (double)pending);
            cJSON_AddNumberToObject(o, "cases", (double)counts[0]);
            cJSON_AddNumberToObject(o, "visits", (double)counts[1]);
            cJSON_AddNumberToObject(o, "services", (double)counts[2]);
            cJSON_AddNumberToObject(o, "referrals", (double)counts[3]);
            cJSON_AddNumberToObject(o, "resources", (double)counts[4]);
            cJSON_AddNumberToObject(o, "refused_writes", (double)counts[5]);
            if (has_sync)
                cJSON_AddStringToObject(o, "last_sync", sync_iso);
            else
                cJSON_AddNullToObject(o, "last_sync");
            if (last_error)
                cJSON_AddStringToObject(o, "last_error", last_error);
            else
                cJSON_AddNullToObject(o, "last_error");
            cJSON_AddNumberToObject(o, "open_conflicts", (double)conflicts);
            cJSON_AddNumberToObject(o, "moved_cases", (double)moved);
            if (has_skew)
                cJSON_AddNumberToObject(o, "skew_ms", (double)skew);
            else
                cJSON_AddNullToObject(o, "skew_ms");
            if (vals[K_HELD] && *vals[K_HELD])
                cJSON_AddStringToObject(o, "held_back", vals[K_HELD]);
            else
                cJSON_AddNullToObject(o, "held_back");
            if (vals[K_CLAMPED] && *vals[K_CLAMPED])
                cJSON_AddStringToObject(o, "clock_clamped", vals[K_CLAMPED]);
            else
                cJSON_AddNullToObject(o, "clock_clamped");
            s = cJSON_Print(o);
            cJSON_Delete(o);
        }
        if (!s) {
            rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
            goto out;
        }
        printf("%s\n", s);
        cJSON_free(s);
    } else {
        const char *v;
        printf(_("station:         %s\n"),
               vals[K_STATION] ? vals[K_STATION] : "");
        printf(_("site:            %s\n"), vals[K_SITE] ? vals[K_SITE] : "");
        printf(_("server:          %s\n"),
               vals[K_SERVER] ? vals[K_SERVER] : "");
        v = vals[K_TOKEN_FILE];
        printf(_("token file:      %s\n"), v ? v : _("(not set)"));
        printf(_("schema version:  %lld\n"), (long long)version);
        printf(_("pending changes: %lld\n"), (long long)pending);
        printf(_("records:         %lld cases, %lld visits, %lld services\n"),
               (long long)counts[0], (long long)counts[1],
               (long long)counts[2]);
        printf(_("referrals:       %lld (resources in the county's "
                 "directory: %lld)\n"),
               (long long)counts[3], (long long)counts[4]);
        if (counts[5])
            printf(_("refused writes:  %lld (another program wrote the "
                     "county's resource directory here; the county's values "
                     "stay; see swsync audit)\n"),
                   (long long)counts[5]);
        printf(_("last sync:       %s\n"), has_sync ? sync_iso : _("never"));
        if (last_error && has_attempt)
            printf(_("last error:      %s (%s)\n"), last_error, attempt_iso);
        else
            printf(_("last error:      %s\n"),
                   last_error ? last_error : _("none"));
        printf(_("open conflicts:  %lld\n"), (long long)conflicts);
        if (moved > 0)
            printf(_("moved cases:     %lld, moved by the county to other "
                     "stations (swsync moved)\n"),
                   (long long)moved);
        if (vals[K_HELD] && *vals[K_HELD])
            printf(_("held back:       %s\n"), vals[K_HELD]);
        if (!has_skew)
            printf(_("clock skew:      not measured yet\n"));
        else if (skew == 0)
            printf(_("clock skew:      0 ms\n"));
        else
            printf(_("clock skew:      %+lld ms (this PC's clock is %s the "
                     "county's)\n"),
                   (long long)skew, skew > 0 ? _("ahead of") : _("behind"));
        if (vals[K_CLAMPED] && *vals[K_CLAMPED])
            printf(_("clock clamped:   %s\n"), vals[K_CLAMPED]);
    }
out:
    for (int i = 0; i < NKEYS; i++)
        free(vals[i]);
    return rc;
}

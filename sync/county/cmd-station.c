/*
** swsync-county station add|token|list|revoke — enrolment of stations
** and their replicas, and their sync health.
*/
#include "config.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "auth.h"
#include "county.h"
#include "db.h"

static const char SQL_STATION_GET[] =
    "SELECT code FROM stations WHERE code = ?1";
static const char SQL_STATION_ADD[] =
    "INSERT INTO stations (code, name, created_at) VALUES (?1, ?2, ?3)";
static const char SQL_DEVICE_USED[] =
    "SELECT 1 FROM replicas WHERE station = ?1 AND device = ?2";
static const char SQL_DEVICE_GET[] =
    "SELECT count(*) FROM replicas WHERE station = ?1 AND device = ?2";
static const char SQL_REVOKE[] =
    "UPDATE replicas SET revoked_at = ?3 WHERE station = ?1 "
    "AND (?2 IS NULL OR device = ?2) AND revoked_at IS NULL";

#define NAME_MAX_BYTES 200

/* "--opt VALUE" / "--opt=VALUE" at argv[*i]: the value, or NULL. */
static const char *opt_arg(int argc, char **argv, int *i, const char *opt)
{
    size_t n = strlen(opt);
    if (strcmp(argv[*i], opt) == 0 && *i + 1 < argc)
        return argv[++*i];
    if (strncmp(argv[*i], opt, n) == 0 && argv[*i][n] == '=')
        return argv[*i] + n + 1;
    return NULL;
}

/* 0 if station exists, SW_EDATA if not, or a database error. */
static int station_exists(sqlite3 *db, const char *code, struct sw_err *err)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, SQL_STATION_GET, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rc = 0;
    else if (rc == SQLITE_DONE)
        rc = sw_fail(err, SW_EDATA,
                     "station %s: not enrolled (see 'station add')", code);
    else
        rc = db_fail(err, db, "look up station");
    sqlite3_finalize(st);
    return rc;
}

static int device_used(sqlite3 *db, const char *code, const char *device,
                       int *used, struct sw_err *err)
{
    sqlite3_stmt *st;
    int rc = db_prepare(db, SQL_DEVICE_USED, &st, err);
    if (rc)
        return rc;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    *used = rc == SQLITE_ROW;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE
             ? 0
             : db_fail(err, db, "look up replica");
    sqlite3_finalize(st);
    return rc;
}

/* Print a new token, then wipe it from memory. */
static void show_token(char *tok)
{
    printf("%s\n", tok);
    OPENSSL_cleanse(tok, AUTH_TOKEN_LEN + 1);
}

static int st_add(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *name = NULL, *v;
    char tok[AUTH_TOKEN_LEN + 1];
    sqlite3_stmt *st = NULL;
    int rc;

    for (int i = 0; i < argc; i++) {
        if ((v = opt_arg(argc, argv, &i, "--name")))
            name = v;
        else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE, "station add: unexpected '%s'",
                           argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, "station add: need a CODE");
    if (!sw_code_valid(code))
        return sw_fail(&ctx->err, SW_EDATA,
                       "station: not a valid code (1-%d of A-Z a-z 0-9 _ . -, "
                       "not starting with - or .): %s",
                       SW_CODE_MAX, code);
    if (name && (!sw_utf8_valid(name) || strlen(name) > NAME_MAX_BYTES))
        return sw_fail(&ctx->err, SW_EDATA,
                       "name: not UTF-8 text of at most %d bytes",
                       NAME_MAX_BYTES);

    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        return rc;
    rc = station_exists(ctx->db, code, &ctx->err);
    if (rc == 0) {
        rc = sw_fail(&ctx->err, SW_ECANTCREAT,
                     "station %s: already enrolled (a new replica: "
                     "'station token %s --device NAME')",
                     code, code);
        goto fail;
    }
    if (rc != SW_EDATA)
        goto fail;
    sw_err_clear(&ctx->err);
    rc = db_prepare(ctx->db, SQL_STATION_ADD, &st, &ctx->err);
    if (rc)
        goto fail;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    if (name && *name)
        sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, sw_now_ms());
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = db_fail(&ctx->err, ctx->db, "add station");
        goto fail;
    }
    rc = auth_add_replica(ctx->db, code, "main", tok, &ctx->err);
    if (rc)
        goto fail;
    rc = db_commit(ctx->db, &ctx->err);
    if (!rc)
        show_token(tok);
    OPENSSL_cleanse(tok, sizeof(tok));
    sqlite3_finalize(st);
    return rc;
fail:
    sqlite3_finalize(st);
    db_rollback(ctx->db);
    return rc;
}

static int st_token(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *device = NULL, *v;
    char tok[AUTH_TOKEN_LEN + 1], name[AUTH_DEVICE_MAX + 1];
    int rc, used = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = opt_arg(argc, argv, &i, "--device")))
            device = v;
        else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           "station token: unexpected '%s'", argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, "station token: need a CODE");

    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        return rc;
    rc = station_exists(ctx->db, code, &ctx->err);
    if (rc)
        goto fail;
    if (!device) {
        /* main, else the first free replica-N */
        snprintf(name, sizeof(name), "main");
        for (int n = 2;
             !(rc = device_used(ctx->db, code, name, &used, &ctx->err)) &&
             used && n < 10000;
             n++)
            snprintf(name, sizeof(name), "replica-%d", n);
        if (rc)
            goto fail;
        device = name;
    }
    rc = auth_add_replica(ctx->db, code, device, tok, &ctx->err);
    if (rc)
        goto fail;
    rc = db_commit(ctx->db, &ctx->err);
    if (!rc)
        show_token(tok);
    OPENSSL_cleanse(tok, sizeof(tok));
    return rc;
fail:
    db_rollback(ctx->db);
    return rc;
}

/* "+1.2s", "-3m", "+2d": a clock skew, short. */
static void format_skew(int64_t ms, char *buf, size_t n)
{
    int64_t a = ms < 0 ? -ms : ms;
    char sign = ms < 0 ? '-' : '+';
    if (a < 1000)
        snprintf(buf, n, "%c%" PRId64 "ms", sign, a);
    else if (a < 120000)
        snprintf(buf, n, "%c%.1fs", sign, (double)a / 1000);
    else if (a < 2 * 3600000)
        snprintf(buf, n, "%c%" PRId64 "m", sign, a / 60000);
    else if (a < 2 * (int64_t)86400000)
        snprintf(buf, n, "%c%" PRId64 "h", sign, a / 3600000);
    else
        snprintf(buf, n, "%c%" PRId64 "d", sign, a / (int64_t)86400000);
}

static const char *jstr(const cJSON *o, const char *k)
{
    const char *s =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k));
    return s ? s : "-";
}

static int64_t jint(const cJSON *o, const char *k)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(j) ? (int64_t)j->valuedouble : 0;
}

static int st_list(struct county_ctx *ctx, int argc, char **argv)
{
    cJSON *arr = NULL, *o;
    int json = 0, rc;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = 1;
        else
            return sw_fail(&ctx->err, SW_EUSAGE,
                           "station list: unexpected '%s'", argv[i]);
    }
    rc = admin_stations_json(ctx->db, &arr, &ctx->err);
    if (rc)
        return rc;
    if (json)
        return county_print_json(arr, &ctx->err);

    printf("%-10s %-10s %-16s %-19s %-19s %4s %7s %s\n", "STATION", "DEVICE",
           "SITE", "LAST SEEN", "LAST SYNC", "CONF", "SKEW", "STATE");
    cJSON_ArrayForEach (o, arr) {
        char seen[20], sync[20], skew[24] = "-";
        const cJSON *sk = cJSON_GetObjectItemCaseSensitive(o, "skew_ms");
        const char *state;
        county_format_time(jint(o, "last_seen"), seen);
        county_format_time(jint(o, "last_sync"), sync);
        if (cJSON_IsNumber(sk))
            format_skew((int64_t)sk->valuedouble, skew, sizeof(skew));
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "revoked")))
            state = "revoked";
        else if (cJSON_IsString(
                     cJSON_GetObjectItemCaseSensitive(o, "last_error")))
            state = "error";
        else if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "site")))
            state = "waiting";
        else
            state = "ok";
        printf("%-10s %-10s %-16s %-19s %-19s %4" PRId64 " %7s %s",
               jstr(o, "code"), jstr(o, "device"), jstr(o, "site"), seen, sync,
               jint(o, "open_conflicts"), skew, state);
        if (jint(o, "clamped") > 0)
            printf(" (%" PRId64 " clamped)", jint(o, "clamped"));
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "name")))
            printf("  %s", jstr(o, "name"));
        putchar('\n');
        if (strcmp(state, "error") == 0)
            printf("    last error: %s\n", jstr(o, "last_error"));
    }
    cJSON_Delete(arr);
    return 0;
}

static int st_revoke(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *device = NULL, *v;
    sqlite3_stmt *st = NULL;
    int rc;

    for (int i = 0; i < argc; i++) {
        if ((v = opt_arg(argc, argv, &i, "--device")))
            device = v;
        else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           "station revoke: unexpected '%s'", argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, "station revoke: need a CODE");

    rc = db_begin(ctx->db, &ctx->err);
    if (rc)
        return rc;
    rc = station_exists(ctx->db, code, &ctx->err);
    if (!rc && device) {
        rc = db_prepare(ctx->db, SQL_DEVICE_GET, &st, &ctx->err);
        if (!rc) {
            sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_ROW)
                rc = db_fail(&ctx->err, ctx->db, "look up replica");
            else if (sqlite3_column_int(st, 0) == 0)
                rc = sw_fail(&ctx->err, SW_EDATA,
                             "station %s has no replica '%s'", code, device);
            sqlite3_finalize(st);
            st = NULL;
        }
    }
    if (!rc)
        rc = db_prepare(ctx->db, SQL_REVOKE, &st, &ctx->err);
    if (!rc) {
        sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
        if (device)
            sqlite3_bind_text(st, 2, device, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, sw_now_ms());
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = db_fail(&ctx->err, ctx->db, "revoke");
    }
    sqlite3_finalize(st);
    if (rc) {
        db_rollback(ctx->db);
        return rc;
    }
    return db_commit(ctx->db, &ctx->err);
}

int county_cmd_station(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, int, char **);
    } verbs[] = {
        {"add", st_add},
        {"token", st_token},
        {"list", st_list},
        {"revoke", st_revoke},
    };

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, "station: missing subcommand");
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE, "station: unknown subcommand '%s'",
                   argv[1]);
}

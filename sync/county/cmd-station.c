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
#include "dups.h"
#include "enrol.h"

/* --expires DURATION (digits with m, h or d; at most 30 days). */
static int parse_ttl(const char *v, int64_t *ms)
{
    char *end;
    long long n = strtoll(v, &end, 10);
    int64_t unit = 0;
    if (end == v || n <= 0)
        return -1;
    if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else if (strcmp(end, "d") == 0)
        unit = 86400000;
    if (!unit || n > 30LL * 86400000 / unit)
        return -1;
    *ms = n * unit;
    return 0;
}

/* With --enrol-code: wipe the token, store a code for the replica
** instead, and print the code (and how to use it). */
static int show_code(struct county_ctx *ctx, const char *station,
                     const char *device, int64_t ttl_ms, char *tok)
{
    char code[ENROL_CODE_LEN + 1];
    int rc;
    OPENSSL_cleanse(tok, AUTH_TOKEN_LEN + 1);
    rc = enrol_new_code(ctx->db, station, device, ttl_ms, code, &ctx->err);
    if (rc)
        return rc;
    printf("%s\n", code);
    if (!ctx->quiet)
        fprintf(stderr,
                _("enrolment code for station %s, device %s: valid %lld h, "
                  "once.\nOn the station: swsync init --enrol %s --server "
                  "URL\n"),
                station, device, (long long)(ttl_ms / 3600000), code);
    OPENSSL_cleanse(code, sizeof(code));
    return 0;
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
    struct audit_src src;
    int64_t ttl = ENROL_DEFAULT_TTL_MS;
    int rc, enrol = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--name")))
            name = v;
        else if (strcmp(argv[i], "--enrol-code") == 0)
            enrol = 1;
        else if ((v = county_opt_arg(argc, argv, &i, "--expires"))) {
            if (parse_ttl(v, &ttl))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("station add: --expires '%s': give e.g. 30m, "
                                 "24h, 7d (at most 30d)"),
                               v);
        } else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("station add: unexpected '%s'"), argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, _("station add: need a CODE"));
    audit_cli_src(&src);
    rc = admin_station_add(ctx->db, code, name, tok, &src, &ctx->err);
    if (!rc && enrol)
        rc = show_code(ctx, code, "main", ttl, tok);
    else if (!rc)
        show_token(tok);
    OPENSSL_cleanse(tok, sizeof(tok));
    return rc;
}

static int st_token(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *device = NULL, *v;
    char tok[AUTH_TOKEN_LEN + 1], dev[AUTH_DEVICE_MAX + 1];
    struct audit_src src;
    int64_t ttl = ENROL_DEFAULT_TTL_MS;
    int rc, enrol = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--device")))
            device = v;
        else if (strcmp(argv[i], "--enrol-code") == 0)
            enrol = 1;
        else if ((v = county_opt_arg(argc, argv, &i, "--expires"))) {
            if (parse_ttl(v, &ttl))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("station token: --expires '%s': give e.g. "
                                 "30m, 24h, 7d (at most 30d)"),
                               v);
        } else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("station token: unexpected '%s'"), argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, _("station token: need a CODE"));
    audit_cli_src(&src);
    rc = admin_station_token(ctx->db, code, device, dev, tok, &src, &ctx->err);
    if (!rc && enrol)
        rc = show_code(ctx, code, dev, ttl, tok);
    else if (!rc)
        show_token(tok);
    OPENSSL_cleanse(tok, sizeof(tok));
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
                           _("station list: unexpected '%s'"), argv[i]);
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
               county_jstr(o, "code"), county_jstr(o, "device"),
               county_jstr(o, "site"), seen, sync, jint(o, "open_conflicts"),
               skew, state);
        if (jint(o, "clamped") > 0)
            printf(_(" (%" PRId64 " clamped)"), jint(o, "clamped"));
        if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(o, "name")))
            printf("  %s", county_jstr(o, "name"));
        putchar('\n');
        if (strcmp(state, "error") == 0)
            printf(_("    last error: %s\n"), county_jstr(o, "last_error"));
    }
    cJSON_Delete(arr);
    return 0;
}

static int st_revoke(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *device = NULL, *v;
    struct audit_src src;
    int count = 0;

    for (int i = 0; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--device")))
            device = v;
        else if (argv[i][0] == '-' || code)
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("station revoke: unexpected '%s'"), argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, _("station revoke: need a CODE"));
    audit_cli_src(&src);
    return admin_station_revoke(ctx->db, code, device, &count, &src, &ctx->err);
}

/* station set CODE [name=TEXT] [contact=TEXT] */
static int st_set(struct county_ctx *ctx, int argc, char **argv)
{
    const char *code = NULL, *name = NULL, *contact = NULL;
    struct audit_src src;

    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "name=", 5) == 0)
            name = argv[i] + 5;
        else if (strncmp(argv[i], "contact=", 8) == 0)
            contact = argv[i] + 8;
        else if (argv[i][0] == '-' || code || strchr(argv[i], '='))
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("station set: unexpected '%s' (give CODE "
                             "name=TEXT contact=TEXT)"),
                           argv[i]);
        else
            code = argv[i];
    }
    if (!code)
        return sw_fail(&ctx->err, SW_EUSAGE, _("station set: need a CODE"));
    audit_cli_src(&src);
    return dups_station_set(ctx->db, code, name, contact, &src, &ctx->err);
}

int county_cmd_station(struct county_ctx *ctx, int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(struct county_ctx *, int, char **);
    } verbs[] = {
        {"add", st_add},       {"token", st_token}, {"list", st_list},
        {"revoke", st_revoke}, {"set", st_set},
    };

    if (argc < 2)
        return sw_fail(&ctx->err, SW_EUSAGE, _("station: missing subcommand"));
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].fn(ctx, argc - 2, argv + 2);
    return sw_fail(&ctx->err, SW_EUSAGE, _("station: unknown subcommand '%s'"),
                   argv[1]);
}

/*
** swsync init — create a station replica.
*/
#include "config.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "db.h"
#include "hlc.h"
#include "http.h"

/* A site id: the station code, '-', and 6 random base-32 characters. */
static int make_site(const char *station, char *out, size_t n)
{
    static const char alpha[] = "abcdefghijkmnpqrstuvwxyz23456789";
    unsigned char r[6];
    char suffix[7];
    if (sw_random(r, sizeof(r)))
        return SW_EIO;
    for (int i = 0; i < 6; i++)
        suffix[i] = alpha[r[i] & 31];
    suffix[6] = '\0';
    snprintf(out, n, "%s-%s", station, suffix);
    return 0;
}

/* http:// or https:// followed by a host. */
static int url_ok(const char *u)
{
    const char *rest;
    if (strncmp(u, "http://", 7) == 0)
        rest = u + 7;
    else if (strncmp(u, "https://", 8) == 0)
        rest = u + 8;
    else
        return 0;
    return *rest && *rest != '/' && !strpbrk(u, " \t\r\n");
}

/* Check a token file exists and is private.  Returns 0 or an error. */
static int token_file_ok(const char *path, struct sw_err *err)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return sw_fail(err, SW_ECONFIG, _("token file %s: cannot read it"),
                       path);
    if (!S_ISREG(st.st_mode) || access(path, R_OK) != 0)
        return sw_fail(err, SW_ECONFIG, _("token file %s: not a readable file"),
                       path);
    if (st.st_mode & 077)
        return sw_fail(err, SW_ECONFIG,
                       _("token file %s: readable by others (mode %03o); "
                         "run chmod 600 on it"),
                       path, (unsigned)(st.st_mode & 0777));
    return 0;
}

/* The host of an http(s) URL is loopback: 127.x.x.x, localhost, [::1]. */
static int url_loopback(const char *u)
{
    const char *h = strstr(u, "://");
    size_t n;
    if (!h)
        return 0;
    h += 3;
    n = strcspn(h, ":/");
    if (h[0] == '[')
        return strncmp(h, "[::1]", 5) == 0;
    return (n >= 4 && strncmp(h, "127.", 4) == 0) ||
           (n == 9 && strncmp(h, "localhost", 9) == 0);
}

/*
** --enrol CODE: trade the one-time code for this replica's token (POST
** /v1/enrol) and write it to token_file, created 0600 here (it must not
** exist).  Over https only, or http to a loopback address.  station gets
** the county's station code (64 bytes).
*/
static int enrol(const char *server, const char *code, const char *cacert,
                 const char *token_file, char *station, struct sw_err *err)
{
    struct http_opts o;
    struct http *h = NULL;
    struct http_resp res;
    cJSON *req = NULL, *ans = NULL;
    const char *tok, *st;
    char *body = NULL;
    int fd, rc;
    size_t len;

    memset(&res, 0, sizeof(res));
    if (strncmp(server, "https://", 8) != 0 && !url_loopback(server))
        return sw_fail(err, SW_ECONFIG,
                       _("init --enrol: the token would cross the network in "
                         "clear: use an https:// server URL (plain http only "
                         "to 127.0.0.1 or localhost)"));
    fd = open(token_file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return sw_fail(err, errno == EEXIST ? SW_ECANTCREAT : SW_ECONFIG,
                       _("token file %s: %s%s"), token_file, strerror(errno),
                       errno == EEXIST ? " (it is not overwritten)" : "");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = sw_fail(err, SW_ESOFTWARE, _("cannot initialise libcurl"));
        goto out;
    }
    memset(&o, 0, sizeof(o));
    o.server = server;
    o.cacert = cacert;
    o.max_body = 4096;
    rc = http_open(&h, &o, err);
    if (rc)
        goto out_curl;
    req = cJSON_CreateObject();
    if (!req || !cJSON_AddStringToObject(req, "code", code) ||
        !(body = cJSON_PrintUnformatted(req))) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out_curl;
    }
    rc = http_post(h, "enrol", "/v1/enrol", "application/json", 0, body,
                   strlen(body), &res, err);
    if (!rc && res.status != 200) {
        rc = http_answer_fail(&res, "enrol", err);
        if (res.status == 403 || res.status == 410)
            rc = err->code = SW_EPERM; /* refused code: see the message */
    }
    if (rc)
        goto out_curl;
    ans = res.body ? cJSON_ParseWithLength((const char *)res.body, res.len)
                   : NULL;
    tok = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ans, "token"));
    st = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ans, "station"));
    if (!tok || !st || !sw_code_valid(st) || strncmp(tok, "sw1_", 4) != 0 ||
        strpbrk(tok, " \t\r\n")) {
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("enrol: the county's answer holds no token: not a "
                       "swsync county server?"));
        goto out_curl;
    }
    snprintf(station, 64, "%s", st);
    len = strlen(tok);
    if (write(fd, tok, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0)
        rc = sw_fail(err, SW_EIO, _("token file %s: cannot write: %s"),
                     token_file, strerror(errno));
    explicit_bzero((char *)tok, len);
out_curl:
    http_close(h);
    curl_global_cleanup();
out:
    if (res.body)
        explicit_bzero(res.body, res.len);
    http_resp_release(&res);
    cJSON_Delete(ans);
    cJSON_Delete(req);
    cJSON_free(body);
    if (close(fd) != 0 && !rc)
        rc = sw_fail(err, SW_EIO, _("token file %s: cannot write"), token_file);
    if (rc)
        unlink(token_file);
    return rc;
}

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"station", required_argument, NULL, 's'},
        {"server", required_argument, NULL, 'u'},
        {"token-file", required_argument, NULL, 't'},
        {"encrypt", no_argument, NULL, 'E'},
        {"enrol", required_argument, NULL, 'e'},
        {"cacert", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    const char *station = NULL, *server = NULL, *token_file = NULL;
    const char *code = NULL, *cacert = NULL;
    char site[96], *abs_token = NULL, enrolled[64], *tf_buf = NULL;
    struct stat dst;
    char now[32];
    int opt, rc, encrypt = 0;
    sdb *db = NULL;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's':
            station = optarg;
            break;
        case 'u':
            server = optarg;
            break;
        case 't':
            token_file = optarg;
            break;
        case 'e':
            code = optarg;
            break;
        case 'c':
            cacert = optarg;
            break;
        case 'E':
            encrypt = 1;
            break;
        default:
            return SW_EUSAGE;
        }
    }
    if (optind < argc)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: unexpected argument '%s'"), argv[optind]);
    if (code && server && url_ok(server)) {
        /* enrol first (the county names the station), but not over a
        ** replica that exists: the code would be spent for nothing */
        if (stat(ctx->db_path, &dst) == 0)
            return sw_fail(&ctx->err, SW_ECANTCREAT,
                           _("%s: already exists; not touching it"),
                           ctx->db_path);
        if (!token_file) {
            size_t n = strlen(ctx->db_path) + 7;
            if (!(tf_buf = malloc(n)))
                return sw_fail(&ctx->err, SW_ESOFTWARE, _("out of memory"));
            snprintf(tf_buf, n, "%s.token", ctx->db_path);
            token_file = tf_buf;
        }
        rc = enrol(server, code, cacert, token_file, enrolled, &ctx->err);
        if (!rc && station && strcmp(station, enrolled) != 0) {
            unlink(token_file);
            rc = sw_fail(&ctx->err, SW_EUSAGE,
                         _("init: the code is station %s's, not %s's"),
                         enrolled, station);
        }
        if (rc) {
            free(tf_buf);
            return rc;
        }
        station = enrolled;
        if (!ctx->quiet)
            printf(_("enrolled as station %s; token written to %s (mode "
                     "0600)\n"),
                   station, token_file);
    }
    if (!station || !server) {
        free(tf_buf);
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --station and --server are required (or "
                         "--enrol CODE and --server)"));
    }
    if (!sw_code_valid(station))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --station '%s': use 1-32 letters, digits, "
                         "'_', '.' or '-'"),
                       station);
    if (!url_ok(server))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("init: --server '%s': not an http:// or https:// URL"),
                       server);
    if (token_file) {
        rc = token_file_ok(token_file, &ctx->err);
        if (!rc)
            abs_token = realpath(token_file, NULL);
        free(tf_buf);
        tf_buf = NULL;
        if (rc)
            return rc;
        if (!abs_token)
            return sw_fail(&ctx->err, SW_ECONFIG,
                           _("token file %s: cannot "
                             "resolve its path"),
                           token_file);
    }
    rc = make_site(station, site, sizeof(site));
    if (rc) {
        free(abs_token);
        return sw_fail(&ctx->err, rc, _("cannot read random bytes"));
    }

    if (encrypt) {
        int made = access(ctx->key_path, F_OK) != 0;
        if (access(ctx->db_path, F_OK) == 0) {
            free(abs_token);
            return sw_fail(&ctx->err, SW_ECANTCREAT,
                           _("%s: already exists; not touching it"),
                           ctx->db_path);
        }
        rc = cmd_load_key(ctx, 1);
        if (!rc)
            rc = db_create(ctx->db_path, SW_ROLE_STATION, &db, &ctx->err);
        if (rc && made)
            unlink(ctx->key_path); /* the key of nothing */
    } else {
        rc = db_create(ctx->db_path, SW_ROLE_STATION, &db, &ctx->err);
    }
    if (rc) {
        free(abs_token);
        return rc;
    }
    snprintf(now, sizeof(now), "%lld", (long long)sw_now_ms());
    rc = db_begin(db, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "station", station, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "site", site, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "server", server, &ctx->err);
    if (!rc && abs_token)
        rc = db_config_set(db, "token_file", abs_token, &ctx->err);
    if (!rc && cacert) /* the CA that enrolment trusted, for every sync */
        rc = db_config_set(db, "cacert", cacert, &ctx->err);
    if (!rc)
        rc = db_config_set(db, "created_at", now, &ctx->err);
    if (!rc)
        rc = db_commit(db, &ctx->err);
    else
        db_rollback(db);
    db_close(db);
    free(abs_token);
    if (rc) {
        /* nothing half-made stays behind */
        db_remove(ctx->db_path);
        return rc;
    }
    if (!ctx->quiet)
        printf(_("created replica %s for station %s (site %s)\n"), ctx->db_path,
               station, site);
    return 0;
}

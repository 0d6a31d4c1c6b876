/*
** swsync-county serve — run the protocol v1 server until SIGTERM or
** SIGINT, then stop accepting, let the requests in flight finish, close
** the store and exit 0.
*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "county.h"
#include "db.h"
#include "http.h"

#define PEM_MAX (1 << 20)
#define STOP_WAIT_MS 30000

static int parse_num(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* ADDR:PORT, [V6ADDR]:PORT or localhost:PORT into cfg. */
static int parse_listen(const char *s, struct http_config *cfg,
                        struct sw_err *err)
{
    char host[64];
    const char *colon;
    long port;
    size_t n;

    memset(&cfg->addr, 0, sizeof(cfg->addr));
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':')
            goto bad;
        n = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon)
            goto bad;
        n = (size_t)(colon - s);
    }
    if (n == 0 || n >= sizeof(host) || parse_num(colon + 1, 0, 65535, &port))
        goto bad;
    memcpy(host, s, n);
    host[n] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&cfg->addr;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&cfg->addr;
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)port);
            cfg->addrlen = sizeof(*a4);
            return 0;
        }
        memset(&cfg->addr, 0, sizeof(cfg->addr));
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)port);
            cfg->addrlen = sizeof(*a6);
            return 0;
        }
    }
bad:
    return sw_fail(err, SW_EUSAGE,
                   _("serve: --listen wants ADDR:PORT with a numeric address "
                     "(127.0.0.1:8080, 0.0.0.0:8443, [::1]:8080): '%s'"),
                   s);
}

/* The text of a PEM file, malloc'd and NUL-terminated. */
static int read_pem(const char *path, char **out, struct sw_err *err)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0;

    *out = NULL;
    if (!f)
        return sw_fail(err, SW_ECONFIG, "%s: %s", path, strerror(errno));
    buf = malloc(PEM_MAX + 1);
    if (!buf) {
        fclose(f);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    n = fread(buf, 1, PEM_MAX + 1, f);
    if (ferror(f) || n > PEM_MAX || n == 0 || memchr(buf, '\0', n)) {
        int e = ferror(f);
        fclose(f);
        OPENSSL_cleanse(buf, n);
        free(buf);
        return sw_fail(err, SW_ECONFIG, "%s: %s", path,
                       e ? "cannot read" : "not a PEM file");
    }
    fclose(f);
    buf[n] = '\0';
    if (!strstr(buf, "-----BEGIN ")) {
        OPENSSL_cleanse(buf, n);
        free(buf);
        return sw_fail(err, SW_ECONFIG, _("%s: not a PEM file"), path);
    }
    *out = buf;
    return 0;
}

static void free_pem(char *p)
{
    if (p) {
        OPENSSL_cleanse(p, strlen(p));
        free(p);
    }
}

int county_cmd_serve(struct county_ctx *ctx, int argc, char **argv)
{
    const char *listen = NULL, *cert = NULL, *key = NULL, *v;
    struct http_config cfg;
    struct http_server *srv = NULL;
    char *cert_pem = NULL, *key_pem = NULL, addr[64];
    sigset_t sigs;
    long drift = 600, threads = 4, idle = 0, smax = 0, per_ip = 16;
    int rc, sig = 0;

    memset(&cfg, 0, sizeof(cfg));
    for (int i = 1; i < argc; i++) {
        if ((v = county_opt_arg(argc, argv, &i, "--listen")))
            listen = v;
        else if ((v = county_opt_arg(argc, argv, &i, "--tls-cert")))
            cert = v;
        else if ((v = county_opt_arg(argc, argv, &i, "--tls-key")))
            key = v;
        else if ((v = county_opt_arg(argc, argv, &i, "--max-drift"))) {
            if (parse_num(v, 1, 366L * 86400, &drift))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --max-drift wants seconds (1 to a "
                                 "year): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--session-idle"))) {
            if (parse_num(v, 1, 86400, &idle))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --session-idle wants seconds (1 to a "
                                 "day): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--session-max"))) {
            if (parse_num(v, 1, 7L * 86400, &smax))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --session-max wants seconds (1 to a "
                                 "week): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--per-ip-limit"))) {
            if (parse_num(v, 0, 100000, &per_ip))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --per-ip-limit wants a count (0: no "
                                 "limit): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--threads"))) {
            if (parse_num(v, 1, 64, &threads))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --threads wants 1-64: '%s'"), v);
        } else
            return sw_fail(&ctx->err, SW_EUSAGE, _("serve: unexpected '%s'"),
                           argv[i]);
    }
    if (!listen)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("serve: --listen ADDR:PORT is needed"));
    if (!cert != !key)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("serve: --tls-cert and --tls-key go together"));
    rc = parse_listen(listen, &cfg, &ctx->err);
    if (rc)
        return rc;
    if (cert && ((rc = read_pem(cert, &cert_pem, &ctx->err)) ||
                 (rc = read_pem(key, &key_pem, &ctx->err))))
        goto out;

    /* the workers open their own connections */
    db_close(ctx->db);
    ctx->db = NULL;

    cfg.db_path = ctx->db_path;
    cfg.tls_cert = cert_pem;
    cfg.tls_key = key_pem;
    cfg.max_drift_ms = (int64_t)drift * 1000;
    cfg.threads = (unsigned)threads;
    cfg.per_ip_limit = (unsigned)per_ip;
    cfg.session_idle_ms = (int64_t)idle * 1000;
    cfg.session_max_ms = (int64_t)smax * 1000;

    /* every thread started from here on leaves these signals to sigwait */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = http_start(&cfg, &srv, &ctx->err);
    if (rc)
        goto out;
    if (cfg.addr.ss_family == AF_INET6) {
        char a[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&cfg.addr)->sin6_addr, a,
                  sizeof(a));
        snprintf(addr, sizeof(addr), "[%s]", a);
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&cfg.addr)->sin_addr, addr,
                  sizeof(addr));
    }
    fprintf(stderr, /* no-i18n: scripts read it */ "listening on %s:%u%s\n",
            addr, http_port(srv), cert_pem ? " (https)" : "");

    while (sigwait(&sigs, &sig) != 0)
        ;
    fprintf(stderr, _("%s: stopping (%s): finishing requests in flight\n"),
            ctx->prog, sig == SIGINT ? "SIGINT" : "SIGTERM");
    http_stop(srv, STOP_WAIT_MS);
    fprintf(stderr, _("%s: stopped\n"), ctx->prog);
    rc = 0;
out:
    free_pem(cert_pem);
    free_pem(key_pem);
    return rc;
}

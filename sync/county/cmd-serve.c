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
#include "listen.h"

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

int county_cmd_serve(struct county_ctx *ctx, int argc, char **argv)
{
    const char *listen = NULL, *cert = NULL, *key = NULL, *v;
    struct http_config cfg;
    struct http_server *srv = NULL;
    char *cert_pem = NULL, *key_pem = NULL, addr[64];
    sigset_t sigs;
    long drift = 600, threads = 4, idle = 0, smax = 0, per_ip = 16;
    long per_token = 4, max_conns = 512, reserved = 64, head_s = 30,
         req_s = 300;
    int rc, sig = 0;

    memset(&cfg, 0, sizeof(cfg));
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--secure-cookies") == 0)
            cfg.secure_cookies = 1;
        else if ((v = county_opt_arg(argc, argv, &i, "--listen")))
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
        } else if ((v = county_opt_arg(argc, argv, &i, "--per-token-limit"))) {
            if (parse_num(v, 1, 1000, &per_token))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --per-token-limit wants 1-1000: '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--max-connections"))) {
            if (parse_num(v, 2, 100000, &max_conns))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --max-connections wants 2-100000: "
                                 "'%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i,
                                       "--reserved-connections"))) {
            if (parse_num(v, 1, 100000, &reserved))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --reserved-connections wants a count "
                                 "(1 or more): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--header-timeout"))) {
            if (parse_num(v, 1, 3600, &head_s))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --header-timeout wants seconds "
                                 "(1-3600): '%s'"),
                               v);
        } else if ((v = county_opt_arg(argc, argv, &i, "--request-timeout"))) {
            if (parse_num(v, 1, 86400, &req_s))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("serve: --request-timeout wants seconds "
                                 "(1-86400): '%s'"),
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
    if (reserved >= max_conns)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("serve: --reserved-connections (%ld) must be below "
                         "--max-connections (%ld)"),
                       reserved, max_conns);
    if (req_s < head_s)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("serve: --request-timeout (%ld s) must not be below "
                         "--header-timeout (%ld s)"),
                       req_s, head_s);
    if (!cert != !key)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("serve: --tls-cert and --tls-key go together"));
    rc = web_parse_listen(listen, &cfg.addr, &cfg.addrlen, &ctx->err);
    if (rc)
        return rc;
    if (cert && ((rc = web_read_pem(cert, &cert_pem, &ctx->err)) ||
                 (rc = web_read_pem(key, &key_pem, &ctx->err))))
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
    cfg.per_token_limit = (unsigned)per_token;
    cfg.max_conns = (unsigned)max_conns;
    cfg.reserved = (unsigned)reserved;
    cfg.header_timeout_s = (unsigned)head_s;
    cfg.request_timeout_s = (unsigned)req_s;
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
    web_free_pem(cert_pem);
    web_free_pem(key_pem);
    return rc;
}

/*
** swsync console — serve the station console (console.h) until SIGINT
** or SIGTERM.  Listens on 127.0.0.1:CONSOLE_DEFAULT_PORT unless --listen
** says otherwise; an address other than loopback needs --tls-cert and
** --tls-key (passwords and records must not cross a network in clear).
** --open starts the desktop's browser on the console's address.
*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "console.h"
#include "db.h"
#include "listen.h"

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

/* The value of option name at argv[*i] ("--x V" or "--x=V"), or NULL. */
static const char *opt(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Start the browser on url, not waiting for it. */
static void open_browser(const char *url)
{
    pid_t pid = fork();
    if (pid == 0) {
        pid_t again = fork(); /* orphaned: init reaps it */
        if (again == 0) {
            execlp("xdg-open", "xdg-open", url, (char *)NULL);
            _exit(127);
        }
        _exit(0);
    }
    if (pid > 0) {
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
    }
}

int cmd_console(struct cmd_ctx *ctx, int argc, char **argv)
{
    const char *listen = "127.0.0.1:8765", *cert = NULL, *key = NULL, *v;
    struct console_config cfg;
    struct console *c = NULL;
    char *cert_pem = NULL, *key_pem = NULL, exe[PATH_MAX], url[128], addr[64];
    long idle = 0, smax = 0, stale = 30;
    int rc, sig = 0, open = 0;
    sigset_t sigs;
    ssize_t n;

    memset(&cfg, 0, sizeof(cfg));
    for (int i = 1; i < argc; i++) {
        if ((v = opt(argc, argv, &i, "--listen")))
            listen = v;
        else if ((v = opt(argc, argv, &i, "--tls-cert")))
            cert = v;
        else if ((v = opt(argc, argv, &i, "--tls-key")))
            key = v;
        else if (strcmp(argv[i], "--open") == 0)
            open = 1;
        else if ((v = opt(argc, argv, &i, "--session-idle"))) {
            if (parse_num(v, 1, 86400, &idle))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("console: --session-idle wants seconds (1 to "
                                 "a day): '%s'"),
                               v);
        } else if ((v = opt(argc, argv, &i, "--session-max"))) {
            if (parse_num(v, 1, 7L * 86400, &smax))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("console: --session-max wants seconds (1 to a "
                                 "week): '%s'"),
                               v);
        } else if ((v = opt(argc, argv, &i, "--stale-days"))) {
            if (parse_num(v, 1, 3650, &stale))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("console: --stale-days wants 1-3650: '%s'"),
                               v);
        } else if (cmd_is_help(argv[i])) {
            cmd_print_help(cmd_find("console"));
            return 0;
        } else {
            return sw_fail(&ctx->err, SW_EUSAGE, _("console: unexpected '%s'"),
                           argv[i]);
        }
    }
    if (!cert != !key)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("console: --tls-cert and --tls-key go together"));
    rc = web_parse_listen(listen, &cfg.addr, &cfg.addrlen, &ctx->err);
    if (rc)
        return rc;
    if (!cert && !web_addr_loopback(&cfg.addr))
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("console: %s is not a loopback address: serving "
                         "another computer needs --tls-cert and --tls-key"),
                       listen);
    if (cert && ((rc = web_read_pem(cert, &cert_pem, &ctx->err)) ||
                 (rc = web_read_pem(key, &key_pem, &ctx->err))))
        goto out;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE,
                     _("cannot find this program's path"));
        goto out;
    }
    exe[n] = '\0';

    /* the console opens its own connection */
    db_close(ctx->db);
    ctx->db = NULL;
    cfg.db_path = ctx->db_path;
    cfg.exe = exe;
    cfg.tls_cert = cert_pem;
    cfg.tls_key = key_pem;
    cfg.lim.idle_ms = (int64_t)idle * 1000;
    cfg.lim.max_ms = (int64_t)smax * 1000;
    cfg.stale_days = (int)stale;

    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    rc = console_start(&cfg, &c, &ctx->err);
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
    snprintf(url, sizeof(url), "%s://%s:%u/", cert_pem ? "https" : "http", addr,
             console_port(c));
    fprintf(stderr, /* no-i18n: scripts read it */ "console: listening on %s\n",
            url);
    if (open)
        open_browser(url);
    while (sigwait(&sigs, &sig) != 0)
        ;
    fprintf(stderr, _("console: stopping (%s)\n"),
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    console_stop(c);
    rc = 0;
out:
    web_free_pem(cert_pem);
    web_free_pem(key_pem);
    return rc;
}

/*
** console.h — the station console (`swsync console`): a web app served
** from the station replica on libmicrohttpd, for the station's workers.
** Chinese by default, English on a switch; server-rendered pages that
** work without JavaScript; everything it serves is embedded (nothing is
** loaded from elsewhere).  It reads and writes the replica only through
** the engine: sync/desk.h (reads), sync/edit.h (writes), sync/workers.h
** (sign-in), and the shared web layer (sync/web/).
**
** One thread serves every request, on one connection to the replica.
** "Sync now" runs this same program's `sync` as a child process; the
** home page shows that it runs (refreshing itself every 2 s) and then
** its outcome.
*/
#ifndef SW_CONSOLE_H
#define SW_CONSOLE_H

#include <stdint.h>
#include <sys/socket.h>

#include "session.h"
#include "sw.h"

/* The port `swsync console` listens on unless --listen says otherwise. */
#define CONSOLE_DEFAULT_PORT 8765

struct console_config {
    const char *db_path; /* the replica; stays valid while served */
    const char *exe;     /* this program, for "sync now" */
    struct sockaddr_storage addr;
    socklen_t addrlen;
    const char *tls_cert; /* PEM text, or NULL: plain HTTP */
    const char *tls_key;
    struct acct_limits lim; /* session lifetimes */
    int stale_days;         /* high-risk cases not visited for (0: 30) */
};

struct console;

/* Open the replica and start serving.  *out is freed by console_stop(). */
int console_start(const struct console_config *cfg, struct console **out,
                  struct sw_err *err);

/* The port listened on (port 0 in the config: a free one). */
unsigned console_port(const struct console *c);

/* Stop serving, wait for a running sync, close the replica.  NULL fine. */
void console_stop(struct console *c);

#endif

/*
** listen.h — where a console listens (--listen ADDR:PORT) and its TLS
** material (--tls-cert/--tls-key), for both `swsync-county serve` and
** `swsync console`.
*/
#ifndef SW_LISTEN_H
#define SW_LISTEN_H

#include <sys/socket.h>

#include "sw.h"

/*
** ADDR:PORT, [V6ADDR]:PORT or localhost:PORT (numeric addresses only)
** into *addr.  Else SW_EUSAGE.
*/
int web_parse_listen(const char *s, struct sockaddr_storage *addr,
                     socklen_t *addrlen, struct sw_err *err);

/* True for 127.0.0.0/8 and ::1. */
int web_addr_loopback(const struct sockaddr_storage *addr);

/*
** The text of a PEM file, malloc'd and NUL-terminated (free it with
** web_free_pem, which wipes it).  Not readable, empty, binary, over 1 MiB
** or without "-----BEGIN ": SW_ECONFIG.
*/
int web_read_pem(const char *path, char **out, struct sw_err *err);
void web_free_pem(char *p); /* NULL is fine */

#endif

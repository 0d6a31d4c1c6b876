/*
** listen.c — where a console listens, and its TLS material (see
** listen.h).  Moved here from sync/county/cmd-serve.c.
*/
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listen.h"

#define PEM_MAX (1 << 20)

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

int web_parse_listen(const char *s, struct sockaddr_storage *addr,
                     socklen_t *addrlen, struct sw_err *err)
{
    char host[64];
    const char *colon;
    long port;
    size_t n;

    memset(addr, 0, sizeof(*addr));
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
        struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
        if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)port);
            *addrlen = sizeof(*a4);
            return 0;
        }
        memset(addr, 0, sizeof(*addr));
        if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)port);
            *addrlen = sizeof(*a6);
            return 0;
        }
    }
bad:
    return sw_fail(err, SW_EUSAGE,
                   _("--listen wants ADDR:PORT with a numeric address "
                     "(127.0.0.1:8080, 0.0.0.0:8443, [::1]:8080): '%s'"),
                   s);
}

int web_read_pem(const char *path, char **out, struct sw_err *err)
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

void web_free_pem(char *p)
{
    if (p) {
        OPENSSL_cleanse(p, strlen(p));
        free(p);
    }
}

int web_addr_loopback(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        return IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
    }
    return 0;
}

/*
** form.c — form bodies, query strings and origins (see form.h).
** Moved here from sync/county/web.c, shared by both consoles.
*/
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "form.h"
#include "sw.h"

static int hexv(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int form_url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '+') {
            *o++ = ' ';
        } else if (*s == '%') {
            int hi = hexv(s[1]), lo = hi < 0 ? -1 : hexv(s[2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *o++ = (char)(hi << 4 | lo);
            s += 2;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return 0;
}

int form_parse(struct form *f, const char *body, size_t len)
{
    char *p, *save = NULL, *tok;

    if (!body || len == 0)
        return 0;
    if (memchr(body, '\0', len))
        return -1;
    if (!(f->buf = malloc(len + 1)))
        return -2;
    memcpy(f->buf, body, len);
    f->buf[len] = '\0';
    for (p = f->buf; (tok = strtok_r(p, "&", &save)); p = NULL) {
        char *eq = strchr(tok, '=');
        if (f->n >= FORM_MAX_FIELDS)
            return -1;
        if (eq)
            *eq = '\0';
        if (form_url_decode(tok) || (eq && form_url_decode(eq + 1)) ||
            !sw_utf8_valid(tok) || (eq && !sw_utf8_valid(eq + 1)))
            return -1;
        f->f[f->n].k = tok;
        f->f[f->n].v = eq ? eq + 1 : tok + strlen(tok);
        f->n++;
    }
    return 0;
}

const char *form_get(const struct form *f, const char *k)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->f[i].k, k) == 0)
            return f->f[i].v;
    return NULL;
}

void form_release(struct form *f)
{
    if (!f)
        return;
    free(f->buf);
    f->buf = NULL;
    f->n = 0;
}

int form_origin_ok(const char *host, const char *origin, const char *ref)
{
    const char *h;
    size_t hl;

    if (!origin && !ref)
        return 1;
    if (!host || !*host)
        return 0;
    hl = strlen(host);
    h = origin ? origin : ref;
    if (strncasecmp(h, "https://", 8) == 0)
        h += 8;
    else if (strncasecmp(h, "http://", 7) == 0)
        h += 7;
    else
        return 0; /* "null", or another scheme */
    if (origin)
        return strcasecmp(h, host) == 0;
    return strncasecmp(h, host, hl) == 0 &&
           (h[hl] == '/' || h[hl] == '?' || h[hl] == '\0');
}

int form_local_path_ok(const char *p, const char *prefix)
{
    if (!p || strncmp(p, prefix, strlen(prefix)) != 0 || strlen(p) > 512)
        return 0;
    for (; *p; p++)
        if ((unsigned char)*p < 0x21 || *p == '\\' || *p == 0x7f ||
            (p[0] == '/' && p[1] == '/'))
            return 0;
    return 1;
}

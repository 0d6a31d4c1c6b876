/*
** html.c — HTML escaping, URL encoding, templates (see html.h).
*/
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "html.h"

void html_esc(struct sw_buf *b, const char *s)
{
    const char *run = s;
    if (!s)
        return;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&':
            rep = "&amp;";
            break;
        case '<':
            rep = "&lt;";
            break;
        case '>':
            rep = "&gt;";
            break;
        case '"':
            rep = "&quot;";
            break;
        case '\'':
            rep = "&#39;";
            break;
        default:
            continue;
        }
        sb_add(b, run, (size_t)(s - run));
        sb_adds(b, rep);
        run = s + 1;
    }
    sb_add(b, run, (size_t)(s - run));
}

void html_url(struct sw_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    if (!s)
        return;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            sb_add(b, s, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            sb_add(b, e, 3);
        }
    }
}

void html_fill(struct sw_buf *b, const char *tpl, const char *const *names,
               const char *const *vals, int n)
{
    const char *p = tpl, *open, *close;
    while ((open = strstr(p, "{{")) && (close = strstr(open + 2, "}}"))) {
        size_t len = (size_t)(close - open - 2);
        sb_add(b, p, (size_t)(open - p));
        for (int i = 0; i < n; i++)
            if (strlen(names[i]) == len &&
                memcmp(names[i], open + 2, len) == 0) {
                sb_adds(b, vals[i]);
                break;
            }
        p = close + 2;
    }
    sb_adds(b, p);
}

void html_time(int64_t ms, char buf[20])
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !localtime_r(&t, &tm) ||
        strftime(buf, 20, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(buf, 20, "-");
}

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "sw.h"

int sw_fail(struct sw_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return code;
}

void sw_err_clear(struct sw_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

int64_t sw_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sw_random(void *buf, size_t n)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return SW_EIO;
        }
        p += got;
        n -= (size_t)got;
    }
    return 0;
}

int sw_uuid7(char out[SW_UUID_LEN + 1])
{
    unsigned char b[16];
    uint64_t ms = (uint64_t)sw_now_ms();
    if (sw_random(b, sizeof(b)))
        return SW_EIO;
    for (int i = 0; i < 6; i++)
        b[i] = (unsigned char)(ms >> (40 - 8 * i));
    b[6] = (unsigned char)(0x70 | (b[6] & 0x0f));
    b[8] = (unsigned char)(0x80 | (b[8] & 0x3f));
    snprintf(out, SW_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10],
             b[11], b[12], b[13], b[14], b[15]);
    return 0;
}

int sw_uuid_valid(const char *s)
{
    if (!s || strlen(s) != SW_UUID_LEN)
        return 0;
    for (int i = 0; i < SW_UUID_LEN; i++) {
        char c = s[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

int sw_code_valid(const char *s)
{
    size_t n;
    if (!s)
        return 0;
    n = strlen(s);
    if (n == 0 || n > SW_CODE_MAX || s[0] == '-' || s[0] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

/* Whether the 8 bytes at p are all ASCII (none has its high bit). */
static int ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof(w));
    return (w & UINT64_C(0x8080808080808080)) == 0;
}

/*
** Well-formed UTF-8 (The Unicode Standard, table 3-7): no overlong form,
** no surrogate, nothing past U+10FFFF.  A run of ASCII goes 8 bytes at a
** time, and each sequence's second byte is checked against the range its
** first allows, so no code point is built (issue 14: this ran over every
** text value twice on each side of a sync).
*/
int sw_utf8_valid(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    const unsigned char *end = s + strlen(str);

    while (s < end) {
        unsigned char c = s[0], lo = 0x80, hi = 0xbf;
        size_t n;
        if (c < 0x80) {
            s++;
            while (end - s >= 8 && ascii8(s))
                s += 8;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            if (c == 0xe0)
                lo = 0xa0; /* overlong below */
            else if (c == 0xed)
                hi = 0x9f; /* surrogates above */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            if (c == 0xf0)
                lo = 0x90;
            else if (c == 0xf4)
                hi = 0x8f; /* past U+10FFFF above */
        } else {
            return 0; /* a continuation byte, 0xc0, 0xc1 or 0xf5.. */
        }
        if ((size_t)(end - s) <= n || s[1] < lo || s[1] > hi)
            return 0;
        for (size_t i = 2; i <= n; i++)
            if ((s[i] & 0xc0) != 0x80)
                return 0;
        s += n + 1;
    }
    return 1;
}

char *sw_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p)
        memcpy(p, s, n);
    return p;
}

void sb_init(struct sw_buf *sb)
{
    sb->buf = NULL;
    sb->len = 0;
    sb->cap = 0;
    sb->oom = 0;
}

void sb_release(struct sw_buf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

char *sb_detach(struct sw_buf *sb, size_t *len)
{
    char *p;
    if (sb->oom) {
        sb_release(sb);
        return NULL;
    }
    if (!sb->buf)
        sb_add(sb, "", 0);
    p = sb->buf;
    if (len)
        *len = sb->len;
    sb_init(sb);
    return p;
}

static int sb_grow(struct sw_buf *sb, size_t extra)
{
    size_t want;
    char *p;
    if (sb->oom)
        return -1;
    want = sb->len + extra + 1;
    if (want <= sb->cap)
        return 0;
    if (want < sb->cap * 2)
        want = sb->cap * 2;
    if (want < 64)
        want = 64;
    p = realloc(sb->buf, want);
    if (!p) {
        sb->oom = 1;
        return -1;
    }
    sb->buf = p;
    sb->cap = want;
    return 0;
}

void sb_add(struct sw_buf *sb, const void *data, size_t n)
{
    if (sb_grow(sb, n))
        return;
    if (n)
        memcpy(sb->buf + sb->len, data, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_adds(struct sw_buf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addf(struct sw_buf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sb_grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sw_nls_init(void)
{
    const char *dir = getenv("SWSYNC_LOCALEDIR");
    setlocale(LC_ALL, "");
    setlocale(LC_NUMERIC, "C"); /* decimal points in JSON and amounts */
    bindtextdomain(SW_TEXTDOMAIN, dir && *dir ? dir : LOCALEDIR);
    bind_textdomain_codeset(SW_TEXTDOMAIN, "UTF-8");
    textdomain(SW_TEXTDOMAIN);
}

void sw_copy(char *dst, size_t n, const char *src)
{
    size_t len;
    if (!n)
        return;
    if (!src)
        src = "";
    len = strnlen(src, n - 1);
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void sw_day_add(const char *day, int n, char out[11])
{
    struct tm tm;
    time_t t;
    int y, m, d;
    out[0] = '\0';
    if (!day || sscanf(day, "%4d-%2d-%2d", &y, &m, &d) != 3)
        return;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d + n;
    tm.tm_hour = 12;
    t = timegm(&tm);
    if (t == (time_t)-1 || !gmtime_r(&t, &tm))
        return;
    strftime(out, 11, "%Y-%m-%d", &tm);
}

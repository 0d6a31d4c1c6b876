/*
** csv.c — RFC 4180 CSV writing and reading, and the encodings of
** spreadsheets saved as CSV (see csv.h).
*/
#include "config.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"

void csv_put(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    if (!s)
        return;
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void csv_end(FILE *f)
{
    fputs("\r\n", f);
}

void csv_reader_init(struct csv_reader *r, const char *text, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->p = text;
    r->end = text + len;
    r->line = 1;
    sb_init(&r->buf);
}

void csv_reader_release(struct csv_reader *r)
{
    sb_release(&r->buf);
    free(r->fields);
    free(r->offs);
    r->fields = NULL;
    r->offs = NULL;
}

/* Start a new field at the buffer's end. */
static int new_field(struct csv_reader *r)
{
    if (r->nf == r->offcap) {
        int cap = r->offcap ? r->offcap * 2 : 32;
        size_t *o = realloc(r->offs, (size_t)cap * sizeof(*o));
        if (!o)
            return -1;
        r->offs = o;
        r->offcap = cap;
    }
    r->offs[r->nf++] = r->buf.len;
    return 0;
}

int csv_next(struct csv_reader *r, struct sw_err *err)
{
    const char *p = r->p, *end = r->end;

    /* skip blank lines */
    while (p < end && (*p == '\r' || *p == '\n')) {
        if (*p == '\n')
            r->line++;
        p++;
    }
    if (p >= end) {
        r->p = p;
        return 0;
    }
    r->rec_line = r->line;
    r->raw = p;
    r->nf = 0;
    r->buf.len = 0;
    if (new_field(r))
        goto oom;
    for (;;) {
        if (p < end && *p == '"' && r->buf.len == r->offs[r->nf - 1]) {
            /* a quoted field: up to the closing quote */
            long line0 = r->line;
            p++;
            for (;;) {
                if (p >= end) {
                    sw_fail(err, SW_EDATA,
                            _("line %ld: a quoted field is never closed"),
                            line0);
                    return -1;
                }
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        sb_add(&r->buf, "\"", 1);
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                if (*p == '\n')
                    r->line++;
                sb_add(&r->buf, p, 1);
                p++;
            }
        }
        if (p >= end || *p == '\n' || *p == '\r')
            break;
        if (*p == ',') {
            sb_add(&r->buf, "", 1); /* NUL ends the field */
            if (new_field(r))
                goto oom;
            p++;
            continue;
        }
        sb_add(&r->buf, p, 1);
        p++;
    }
    r->rawlen = (size_t)(p - r->raw);
    if (p < end && *p == '\r')
        p++;
    if (p < end && *p == '\n') {
        p++;
        r->line++;
    }
    r->p = p;
    sb_add(&r->buf, "", 1);
    if (r->buf.oom)
        goto oom;
    if (r->nf > r->cap) {
        char **f = realloc(r->fields, (size_t)r->nf * sizeof(*f));
        if (!f)
            goto oom;
        r->fields = f;
        r->cap = r->nf;
    }
    for (int i = 0; i < r->nf; i++)
        r->fields[i] = r->buf.buf + r->offs[i];
    return 1;
oom:
    sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    return -1;
}

/* The line (1-based) of byte off in data. */
static long line_of(const char *data, size_t off)
{
    long line = 1;
    for (size_t i = 0; i < off; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

/* The offset of the first byte that is not valid UTF-8, or len. */
static size_t utf8_bad_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c < 0x80) {
            if (c == 0)
                return i;
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1, cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2, cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3, cp = c & 0x07;
        } else {
            return i;
        }
        for (size_t k = 1; k <= n; k++) {
            if (i + k >= len || (s[i + k] & 0xc0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
            (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return i;
        i += n + 1;
    }
    return len;
}

static int from_gb18030(const char *data, size_t len, char **out,
                        size_t *outlen, struct sw_err *err)
{
    iconv_t cd = iconv_open("UTF-8", "GB18030");
    size_t cap = len * 2 + 16, left = cap - 1, inleft = len;
    char *buf, *in = (char *)data, *o;

    if (cd == (iconv_t)-1)
        return sw_fail(err, SW_ECONFIG,
                       _("this system's iconv cannot read GB18030"));
    buf = malloc(cap);
    if (!buf) {
        iconv_close(cd);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    o = buf;
    while (inleft > 0) {
        if (iconv(cd, &in, &inleft, &o, &left) == (size_t)-1) {
            if (errno == E2BIG) {
                size_t used = (size_t)(o - buf);
                char *nb = realloc(buf, cap * 2);
                if (!nb) {
                    free(buf);
                    iconv_close(cd);
                    return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                }
                buf = nb;
                o = buf + used;
                left += cap;
                cap *= 2;
                continue;
            }
            {
                long line = line_of(data, (size_t)(in - data));
                free(buf);
                iconv_close(cd);
                return sw_fail(err, SW_EDATA,
                               _("line %ld: neither UTF-8 nor GB18030 text "
                                 "(use --encoding)"),
                               line);
            }
        }
    }
    iconv_close(cd);
    *o = '\0';
    *outlen = (size_t)(o - buf);
    *out = buf;
    return 0;
}

int csv_to_utf8(const char *data, size_t len, const char *encoding, char **out,
                size_t *outlen, const char **used, struct sw_err *err)
{
    int utf8;
    size_t bad;

    *out = NULL;
    if (encoding && strcasecmp(encoding, "utf-8") &&
        strcasecmp(encoding, "utf8") && strcasecmp(encoding, "gb18030") &&
        strcasecmp(encoding, "gbk"))
        return sw_fail(err, SW_EUSAGE,
                       _("unknown encoding '%s' (utf-8 or gb18030)"), encoding);
    if (len >= 3 && memcmp(data, CSV_BOM, 3) == 0 &&
        (!encoding || strncasecmp(encoding, "utf", 3) == 0)) {
        data += 3;
        len -= 3;
        utf8 = 1;
    } else if (encoding) {
        utf8 = strncasecmp(encoding, "utf", 3) == 0;
    } else {
        utf8 = utf8_bad_at((const unsigned char *)data, len) == len;
    }
    if (!utf8) {
        *used = "gb18030";
        return from_gb18030(data, len, out, outlen, err);
    }
    *used = "utf-8";
    bad = utf8_bad_at((const unsigned char *)data, len);
    if (bad != len)
        return sw_fail(err, SW_EDATA, _("line %ld: not valid UTF-8 text"),
                       line_of(data, bad));
    *out = malloc(len + 1);
    if (!*out)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    memcpy(*out, data, len);
    (*out)[len] = '\0';
    *outlen = len;
    return 0;
}

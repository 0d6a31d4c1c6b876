/*
** codec.c — change batches to zlib-deflated JSON and back (see codec.h).
**
** Encoding writes the JSON text directly into a struct sw_buf (integers as
** %lld, strings escaped here), then deflates it.  Decoding inflates with
** a bound, checks the text is UTF-8 without NUL bytes or \u0000 escapes,
** parses it with cJSON, and walks the tree checking every key and value;
** the first problem refuses the whole batch.
*/
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#define ZLIB_CONST
#include <zlib.h>

#include "codec.h"
#include "hlc.h"
#include "labels.h"
#include "table.h"

const struct codec_limits codec_default_limits = {
    .max_compressed = 4u << 20,
    .max_inflated = 16u << 20,
    .max_changes = 20000,
};

/* Integers other than hlcs travel as JSON numbers (doubles): |x| < 2^53. */
#define CODEC_INT_LIMIT INT64_C(9007199254740992)

/* Longest "HLC@SITE" text. */
#define CODEC_BASE_MAX (HLC_STR_MAX + 1 + SW_SITE_MAX)

/* ---- deflate / inflate --------------------------------------------------- */

int codec_deflate(const void *data, size_t len, unsigned char **out,
                  size_t *outlen, struct sw_err *err)
{
    uLongf n;
    unsigned char *buf, *p;
    int rc;

    *out = NULL;
    *outlen = 0;
    if ((uLong)len != len)
        return sw_fail(err, SW_ESOFTWARE, "deflate: input too large");
    n = compressBound((uLong)len);
    buf = malloc(n ? n : 1);
    if (!buf)
        return sw_fail(err, SW_ESOFTWARE, "deflate: out of memory");
    rc = compress2(buf, &n, len ? data : (const void *)"", (uLong)len,
                   Z_DEFAULT_COMPRESSION);
    if (rc != Z_OK) {
        free(buf);
        return sw_fail(err, SW_ESOFTWARE, "deflate: zlib error %d", rc);
    }
    p = realloc(buf, n ? n : 1); /* shrink; keep buf if that fails */
    *out = p ? p : buf;
    *outlen = n;
    return 0;
}

int codec_inflate(const void *data, size_t len, size_t max_out,
                  unsigned char **out, size_t *outlen, struct sw_err *err)
{
    const unsigned char *in = data;
    size_t in_left = len;
    unsigned char *buf = NULL;
    size_t used = 0, cap, limit;
    z_stream zs;
    int zrc, rc = 0;

    *out = NULL;
    *outlen = 0;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit(&zs) != Z_OK)
        return sw_fail(err, SW_ESOFTWARE, "inflate: cannot initialise zlib");

    /* The buffer may hold max_out + 1 bytes of output (one more than
    ** allowed, to see that the bound was passed) and a NUL. */
    if (max_out > SIZE_MAX - 2)
        max_out = SIZE_MAX - 2;
    limit = max_out + 1;
    cap = len < SIZE_MAX / 4 ? len * 4 : SIZE_MAX;
    if (cap < 16384)
        cap = 16384;
    if (cap > limit)
        cap = limit;
    buf = malloc(cap + 1);
    if (!buf) {
        rc = sw_fail(err, SW_ESOFTWARE, "inflate: out of memory");
        goto out;
    }

    for (;;) {
        uInt room;

        if (zs.avail_in == 0 && in_left > 0) {
            uInt n = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            zs.next_in = in;
            zs.avail_in = n;
            in += n;
            in_left -= n;
        }
        if (used == cap) {
            size_t ncap = cap <= limit / 2 ? cap * 2 : limit;
            unsigned char *p = realloc(buf, ncap + 1);
            if (!p) {
                rc = sw_fail(err, SW_ESOFTWARE, "inflate: out of memory");
                goto out;
            }
            buf = p;
            cap = ncap;
        }
        room = cap - used > UINT_MAX ? UINT_MAX : (uInt)(cap - used);
        zs.next_out = buf + used;
        zs.avail_out = room;
        zrc = inflate(&zs, Z_NO_FLUSH);
        used += room - zs.avail_out;
        if (used > max_out) {
            rc = sw_fail(err, SW_ETOOBIG,
                         "inflate: body inflates to more than %zu bytes",
                         max_out);
            goto out;
        }
        if (zrc == Z_STREAM_END)
            break;
        if (zrc == Z_OK)
            continue;
        if (zrc == Z_BUF_ERROR && (zs.avail_in > 0 || in_left > 0))
            continue;
        if (zrc == Z_BUF_ERROR)
            rc = sw_fail(err, SW_EDATA, "inflate: truncated stream");
        else if (zrc == Z_MEM_ERROR)
            rc = sw_fail(err, SW_ESOFTWARE, "inflate: out of memory");
        else
            rc = sw_fail(err, SW_EDATA, "inflate: corrupt stream%s%s",
                         zs.msg ? ": " : "", zs.msg ? zs.msg : "");
        goto out;
    }
    if (zs.avail_in > 0 || in_left > 0) {
        rc = sw_fail(err, SW_EDATA, "inflate: %zu bytes after the stream",
                     (size_t)zs.avail_in + in_left);
        goto out;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    buf = NULL; /* owned by the caller now */
out:
    inflateEnd(&zs);
    free(buf);
    return rc;
}

/* ---- encoding ------------------------------------------------------------ */

/* Append s as a JSON string (quotes included). */
static void json_str(struct sw_buf *sb, const char *s)
{
    const char *run = s;

    sb_add(sb, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *esc = NULL;
        char hex[8];

        if (c == '"')
            esc = "\\\"";
        else if (c == '\\')
            esc = "\\\\";
        else if (c == '\n')
            esc = "\\n";
        else if (c == '\r')
            esc = "\\r";
        else if (c == '\t')
            esc = "\\t";
        else if (c < 0x20) {
            snprintf(hex, sizeof(hex), "\\u%04x", c);
            esc = hex;
        }
        if (esc) {
            sb_add(sb, run, (size_t)(s - run));
            sb_adds(sb, esc);
            run = s + 1;
        }
    }
    sb_add(sb, run, (size_t)(s - run));
    sb_add(sb, "\"", 1);
}

static int in_json_int_range(int64_t x)
{
    return x > -CODEC_INT_LIMIT && x < CODEC_INT_LIMIT;
}

/* Check one change before it is encoded; i is its index for messages. */
static int check_change(const struct sw_change *c, size_t i,
                        const struct sw_batch *b, int push, struct sw_err *err)
{
    const struct sw_table *t;
    const struct sw_column *col;
    char num[32];
    const char *v = NULL;
    struct sw_err verr;

    if (c->tbl < 0 || c->tbl >= SW_NTABLES)
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad table index %d", i,
                       c->tbl);
    t = &sw_tables[c->tbl];
    if (c->col < 0 || c->col >= t->ncols)
        return sw_fail(err, SW_EDATA,
                       "changes[%zu]: bad column index %d for %s", i, c->col,
                       t->name);
    col = &t->cols[c->col];
    if (!sw_uuid_valid(c->id))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad row id", i);
    if (!sw_code_valid(c->station))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad station code", i);
    if (c->ver.hlc <= 0 || !sw_site_valid(c->ver.site))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad version", i);
    if (c->base.hlc < 0 || (c->base.hlc > 0 && !sw_site_valid(c->base.site)))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad base version", i);
    if (c->author && !sw_author_valid(c->author))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad author", i);
    if (push && (c->seq < b->from || c->seq > b->to))
        return sw_fail(err, SW_EDATA,
                       "changes[%zu]: seq %lld is outside %lld..%lld", i,
                       (long long)c->seq, (long long)b->from, (long long)b->to);
    switch (c->vtype) {
    case SW_V_NULL:
        if (c->col == sw_col_deleted(t))
            return sw_fail(err, SW_EDATA, "changes[%zu]: %s.%s: cannot be null",
                           i, t->name, col->name);
        break;
    case SW_V_INT:
        if (col->type != SW_INT)
            return sw_fail(err, SW_EDATA,
                           "changes[%zu]: %s.%s: an integer for a text "
                           "column",
                           i, t->name, col->name);
        if (!in_json_int_range(c->ival))
            return sw_fail(err, SW_EDATA,
                           "changes[%zu]: %s.%s: integer out of range", i,
                           t->name, col->name);
        snprintf(num, sizeof(num), "%lld", (long long)c->ival);
        v = num;
        break;
    case SW_V_TEXT:
        if (col->type != SW_TEXT || !c->text)
            return sw_fail(err, SW_EDATA,
                           "changes[%zu]: %s.%s: text for an integer "
                           "column",
                           i, t->name, col->name);
        v = c->text;
        break;
    default:
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad value type %d", i,
                       c->vtype);
    }
    if (sw_validate(t, col, v, &verr))
        return sw_fail(err, SW_EDATA, "changes[%zu]: %s", i, verr.msg);
    return 0;
}

/* True if c belongs to the same ROW object as the previous change. */
static int same_group(const struct sw_change *first,
                      const struct sw_change *prev, const struct sw_change *c,
                      int push)
{
    if (c->tbl != first->tbl || strcmp(c->id, first->id) ||
        strcmp(c->station, first->station) || c->ver.hlc != first->ver.hlc ||
        strcmp(c->ver.site, first->ver.site) ||
        !sw_author_eq(c->author, first->author))
        return 0;
    if (push && c->seq != prev->seq + 1)
        return 0;
    /* a column may appear once in "f" */
    for (const struct sw_change *p = first; p <= prev; p++)
        if (p->col == c->col)
            return 0;
    return 1;
}

/*
** One ROW: the n changes at v.  prev is the last change of the row before
** (NULL for the first): what the row shares with it is left out.
*/
static void encode_row(struct sw_buf *sb, const struct sw_change *v, size_t n,
                       int push, const struct sw_change *prev)
{
    const struct sw_table *t = &sw_tables[v[0].tbl];
    char h[HLC_STR_MAX + 1];
    int any_base = 0;

    sb_adds(sb, "{\"id\":");
    json_str(sb, v[0].id);
    if (!prev || prev->tbl != v[0].tbl) {
        sb_adds(sb, ",\"t\":");
        json_str(sb, t->name);
    }
    if (!prev || strcmp(prev->station, v[0].station)) {
        sb_adds(sb, ",\"st\":");
        json_str(sb, v[0].station);
    }
    if (prev && v[0].ver.hlc - prev->ver.hlc < CODEC_INT_LIMIT &&
        prev->ver.hlc - v[0].ver.hlc < CODEC_INT_LIMIT) {
        /* both are > 0: the difference cannot overflow */
        sb_addf(sb, ",\"d\":%lld", (long long)(v[0].ver.hlc - prev->ver.hlc));
    } else {
        hlc_format(v[0].ver.hlc, h);
        sb_addf(sb, ",\"h\":\"%s\"", h);
    }
    if (!prev || strcmp(prev->ver.site, v[0].ver.site)) {
        sb_adds(sb, ",\"w\":");
        json_str(sb, v[0].ver.site);
    }
    if (push && (!prev || v[0].seq != prev->seq + 1))
        sb_addf(sb, ",\"q\":%lld", (long long)v[0].seq);
    if (!sw_author_eq(prev ? prev->author : NULL, v[0].author)) {
        sb_adds(sb, ",\"a\":");
        if (v[0].author)
            json_str(sb, v[0].author);
        else
            sb_adds(sb, "null");
    }
    sb_adds(sb, ",\"f\":{");
    for (size_t i = 0; i < n; i++) {
        const struct sw_change *c = &v[i];
        if (i)
            sb_add(sb, ",", 1);
        json_str(sb, t->cols[c->col].name);
        sb_add(sb, ":", 1);
        if (c->vtype == SW_V_INT)
            sb_addf(sb, "%lld", (long long)c->ival);
        else if (c->vtype == SW_V_TEXT)
            json_str(sb, c->text);
        else
            sb_adds(sb, "null");
        if (c->base.hlc != 0)
            any_base = 1;
    }
    sb_add(sb, "}", 1);
    if (any_base) {
        int first = 1;
        sb_adds(sb, ",\"b\":{");
        for (size_t i = 0; i < n; i++) {
            const struct sw_change *c = &v[i];
            if (c->base.hlc == 0)
                continue;
            if (!first)
                sb_add(sb, ",", 1);
            first = 0;
            json_str(sb, t->cols[c->col].name);
            hlc_format(c->base.hlc, h);
            sb_addf(sb, ":\"%s@", h);
            sb_adds(sb, c->base.site); /* site characters need no escape */
            sb_add(sb, "\"", 1);
        }
        sb_add(sb, "}", 1);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].seen && v[i].col == sw_col_deleted(t)) {
            sb_adds(sb, ",\"k\":");
            json_str(sb, v[i].seen);
        }
    }
    sb_add(sb, "}", 1);
}

static void encode_links(struct sw_buf *sb, const struct sw_batch *b);

static int encode(const struct sw_batch *b, int push, unsigned char **out,
                  size_t *outlen, struct sw_err *err)
{
    struct sw_buf sb;
    char *json = NULL;
    size_t len = 0, i = 0;
    int rc = 0;

    *out = NULL;
    *outlen = 0;
    sb_init(&sb);
    /* the decoder's rule (change.h): what it would refuse is not sent */
    if ((rc = batch_check(b, push, err)))
        return rc;
    if (push) {
        if (!sw_site_valid(b->site))
            return sw_fail(err, SW_EDATA, "push: bad site id");
        if (b->from < 0 || b->from > b->to || b->to >= CODEC_INT_LIMIT)
            return sw_fail(err, SW_EDATA, "push: bad seq range %lld..%lld",
                           (long long)b->from, (long long)b->to);
        sb_addf(&sb, "{\"v\":%d,\"site\":", CODEC_VERSION);
        json_str(&sb, b->site);
        sb_addf(&sb, ",\"from\":%lld,\"to\":%lld,\"rows\":[",
                (long long)b->from, (long long)b->to);
    } else {
        if (b->cursor < 0 || b->cursor >= CODEC_INT_LIMIT)
            return sw_fail(err, SW_EDATA, "pull: bad cursor %lld",
                           (long long)b->cursor);
        sb_addf(&sb, "{\"v\":%d,\"cursor\":%lld,\"more\":%s,", CODEC_VERSION,
                (long long)b->cursor, b->more ? "true" : "false");
        if (b->remaining >= 0 && b->remaining < CODEC_INT_LIMIT)
            sb_addf(&sb, "\"remaining\":%lld,", (long long)b->remaining);
        sb_adds(&sb, "\"rows\":[");
    }

    while (i < b->n) {
        size_t j = i + 1;

        rc = check_change(&b->v[i], i, b, push, err);
        if (rc)
            goto out;
        while (j < b->n && same_group(&b->v[i], &b->v[j - 1], &b->v[j], push)) {
            rc = check_change(&b->v[j], j, b, push, err);
            if (rc)
                goto out;
            j++;
        }
        if (i)
            sb_add(&sb, ",", 1);
        encode_row(&sb, &b->v[i], j - i, push, i ? &b->v[i - 1] : NULL);
        i = j;
    }
    sb_adds(&sb, "]");
    /* a pull's erase orders (purge): after the rows, applied after them */
    if (!push && b->nerase > 0) {
        sb_adds(&sb, ",\"erase\":[");
        for (size_t k = 0; k < b->nerase; k++) {
            sb_addf(&sb, "%s{\"t\":", k ? "," : "");
            json_str(&sb, sw_tables[b->erase[k].tbl].name);
            sb_adds(&sb, ",\"id\":");
            json_str(&sb, b->erase[k].id);
            if (b->erase[k].to[0]) { /* a case moved: where, when, why */
                sb_adds(&sb, ",\"to\":");
                json_str(&sb, b->erase[k].to);
                sb_addf(&sb, ",\"at\":\"%lld\",\"note\":",
                        (long long)b->erase[k].at);
                json_str(&sb, b->erase[k].note);
            }
            sb_adds(&sb, "}");
        }
        sb_adds(&sb, "]");
    }
    if (!push && b->has_links)
        encode_links(&sb, b);
    sb_adds(&sb, "}");

    json = sb_detach(&sb, &len);
    if (!json) {
        rc = sw_fail(err, SW_ESOFTWARE, "encode: out of memory");
        goto out;
    }
    rc = codec_deflate(json, len, out, outlen, err);
out:
    free(json);
    sb_release(&sb);
    return rc;
}

int codec_encode_push(const struct sw_batch *b, unsigned char **out,
                      size_t *outlen, struct sw_err *err)
{
    return encode(b, 1, out, outlen, err);
}

int codec_encode_pull(const struct sw_batch *b, unsigned char **out,
                      size_t *outlen, struct sw_err *err)
{
    return encode(b, 0, out, outlen, err);
}

/* ---- decoding ------------------------------------------------------------ */

/*
** A key or value from the input, made safe for a message: at most 40
** bytes, control characters as '?'.  UTF-8 is kept (it may be cut in the
** middle of a character at the end; messages are for people).
*/
static const char *shown(const char *s, char buf[48])
{
    size_t i;
    for (i = 0; s[i] && i < 40; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (s[i]) {
        memcpy(buf + i, "...", 4);
        return buf;
    }
    buf[i] = '\0';
    return buf;
}

/*
** The text must be UTF-8, hold no NUL byte, and no \u0000 escape (cJSON
** would silently cut the string there).  s[len] is NUL.
*/
static int text_ok(const char *s, size_t len)
{
    int in_str = 0;

    if (strlen(s) != len || !sw_utf8_valid(s))
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!in_str) {
            if (s[i] == '"')
                in_str = 1;
        } else if (s[i] == '"') {
            in_str = 0;
        } else if (s[i] == '\\') {
            if (s[i + 1] == 'u' && strncmp(s + i + 2, "0000", 4) == 0)
                return 0;
            if (s[i + 1])
                i++;
        }
    }
    return 1;
}

/* An integral JSON number with |x| < 2^53 into *out. */
static int json_int(const cJSON *j, int64_t *out)
{
    double d;
    if (!cJSON_IsNumber(j))
        return 0;
    d = j->valuedouble;
    if (!(d > -9007199254740992.0 && d < 9007199254740992.0))
        return 0;
    if ((double)(int64_t)d != d)
        return 0;
    *out = (int64_t)d;
    return 1;
}

/*
** The one member of object o named key, or NULL (*dup set if there are
** several).
*/
static const cJSON *member(const cJSON *o, const char *key, int *dup)
{
    const cJSON *found = NULL, *m;
    *dup = 0;
    cJSON_ArrayForEach (m, o) {
        if (m->string && strcmp(m->string, key) == 0) {
            if (found)
                *dup = 1;
            else
                found = m;
        }
    }
    return found;
}

/* A required top-level member; fails naming key. */
static int top_member(const cJSON *o, const char *key, const cJSON **out,
                      struct sw_err *err)
{
    int dup;
    *out = member(o, key, &dup);
    if (dup)
        return sw_fail(err, SW_EDATA, "%s: duplicate key", key);
    if (!*out)
        return sw_fail(err, SW_EDATA, "%s: missing", key);
    return 0;
}

/* A pull's link notices (the station's whole set, issue 15 item 5):
** "links": {"digest": HEX, "list": [{"case", "station", "name",
** "contact"}...]}.  Agents before it ignore the key (decode_text reads
** only the members it knows). */
static void encode_links(struct sw_buf *sb, const struct sw_batch *b)
{
    sb_adds(sb, ",\"links\":{\"digest\":");
    json_str(sb, b->links_digest);
    sb_adds(sb, ",\"list\":[");
    for (size_t k = 0; k < b->nlink; k++) {
        sb_adds(sb, k ? ",{\"case\":" : "{\"case\":");
        json_str(sb, b->link[k].case_id);
        sb_adds(sb, ",\"station\":");
        json_str(sb, b->link[k].station);
        sb_adds(sb, ",\"name\":");
        json_str(sb, b->link[k].name);
        sb_adds(sb, ",\"contact\":");
        json_str(sb, b->link[k].contact);
        sb_adds(sb, "}");
    }
    sb_adds(sb, "]}");
}

/* A string member of o of 0..max bytes of valid UTF-8, or NULL. */
static const char *link_text(const cJSON *o, const char *key, size_t max)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsString(j) || strlen(j->valuestring) > max ||
        !sw_utf8_valid(j->valuestring))
        return NULL;
    return j->valuestring;
}

/* A pull's "links" (encode_links), optional. */
static int decode_links(const cJSON *root, const struct codec_limits *lim,
                        struct sw_batch *b, struct sw_err *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(root, "links"), *list, *e;
    const char *digest;
    size_t k = 0;

    if (!o)
        return 0;
    list = cJSON_GetObjectItemCaseSensitive(o, "list");
    digest =
        cJSON_IsObject(o) ? link_text(o, "digest", SW_LINK_DIGEST_MAX) : NULL;
    if (!digest || !*digest || !cJSON_IsArray(list))
        return sw_fail(err, SW_EDATA, "links: not {digest, list}");
    for (const char *p = digest; *p; p++)
        if (!strchr("0123456789abcdef", *p))
            return sw_fail(err, SW_EDATA, "links: digest is not hex");
    b->has_links = 1;
    snprintf(b->links_digest, sizeof(b->links_digest), "%s", digest);
    cJSON_ArrayForEach (e, list) {
        const char *id = link_text(e, "case", SW_UUID_LEN);
        const char *st = link_text(e, "station", SW_CODE_MAX);
        const char *name = link_text(e, "name", SW_LINK_TEXT_MAX);
        const char *contact = link_text(e, "contact", SW_LINK_TEXT_MAX);

        if (lim && k >= lim->max_changes)
            return sw_fail(err, SW_ETOOBIG, "links: more than %zu",
                           lim->max_changes);
        if (!id || !sw_uuid_valid(id) || !st || !sw_code_valid(st) || !name ||
            !contact)
            return sw_fail(err, SW_EDATA,
                           "links[%zu]: not {case, station, name, contact}", k);
        if (batch_add_link(b, id, st, name, contact))
            return sw_fail(err, SW_ESOFTWARE, "out of memory");
        k++;
    }
    return 0;
}

/* A pull's "erase": [{"t": TABLE, "id": UUID}...], optional; a case
** moved to another station adds "to": CODE, "at": "MS", "note": TEXT. */
static int decode_erase(const cJSON *root, const struct codec_limits *lim,
                        struct sw_batch *b, struct sw_err *err)
{
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(root, "erase"), *e;
    size_t k = 0;

    if (!list)
        return 0;
    if (!cJSON_IsArray(list))
        return sw_fail(err, SW_EDATA, "erase: not an array");
    cJSON_ArrayForEach (e, list) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "t");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(e, "id");
        const struct sw_table *tb;

        if (lim && k >= lim->max_changes)
            return sw_fail(err, SW_ETOOBIG, "erase: more than %zu",
                           lim->max_changes);
        if (!cJSON_IsObject(e) || !cJSON_IsString(t) || !cJSON_IsString(id) ||
            !(tb = sw_table_by_name(t->valuestring)) ||
            !sw_uuid_valid(id->valuestring))
            return sw_fail(err, SW_EDATA, "erase[%zu]: not {t, id}", k);
        if (cJSON_GetObjectItemCaseSensitive(e, "to")) {
            const cJSON *to = cJSON_GetObjectItemCaseSensitive(e, "to");
            const cJSON *at = cJSON_GetObjectItemCaseSensitive(e, "at");
            const cJSON *note = cJSON_GetObjectItemCaseSensitive(e, "note");
            char *end = NULL;
            long long ms = -1;
            if (cJSON_IsString(at)) {
                errno = 0;
                ms = strtoll(at->valuestring, &end, 10);
                if (errno || end == at->valuestring || *end)
                    ms = -1;
            }
            if (!cJSON_IsString(to) || !sw_code_valid(to->valuestring) ||
                ms < 0 || !cJSON_IsString(note) ||
                strlen(note->valuestring) > SW_NOTE_MAX ||
                !sw_utf8_valid(note->valuestring) ||
                tb != &sw_tables[SW_T_CASES])
                return sw_fail(err, SW_EDATA,
                               "erase[%zu]: not {t, id, to, at, note}", k);
            if (batch_add_move(b, id->valuestring, to->valuestring, ms,
                               note->valuestring))
                return sw_fail(err, SW_ESOFTWARE, "out of memory");
        } else if (batch_add_erase(b, sw_table_index(tb), id->valuestring)) {
            return sw_fail(err, SW_ESOFTWARE, "out of memory");
        }
        k++;
    }
    return 0;
}

/* "HLC@SITE" into *v; hlc must be > 0. */
static int parse_base(const char *s, struct sw_version *v)
{
    char tmp[CODEC_BASE_MAX + 1];
    size_t n = strlen(s);
    char *at;

    if (n > CODEC_BASE_MAX)
        return 0;
    memcpy(tmp, s, n + 1);
    at = strchr(tmp, '@');
    if (!at)
        return 0;
    *at = '\0';
    if (hlc_parse(tmp, &v->hlc) || v->hlc <= 0 || !sw_site_valid(at + 1))
        return 0;
    strcpy(v->site, at + 1);
    return 1;
}

/*
** Check a value with sw_validate; its message "TABLE.COL: PROBLEM" is
** reported as "rows[N].f.COL: PROBLEM".
*/
static int check_value(const struct sw_table *t, const struct sw_column *c,
                       const char *v, size_t r, struct sw_err *err)
{
    struct sw_err verr;
    char pre[200], fq[160];
    size_t np;

    if (!sw_validate(t, c, v, &verr))
        return 0;
    np = (size_t)snprintf(pre, sizeof(pre),
                          "%s: ", labels_qualified(fq, sizeof(fq), t, c));
    if (np < sizeof(pre) && strncmp(verr.msg, pre, np) == 0)
        return sw_fail(err, verr.code, "rows[%zu].f.%s: %s", r, c->name,
                       verr.msg + np);
    return sw_fail(err, verr.code, "rows[%zu]: %s", r, verr.msg);
}

struct row_keys {
    const cJSON *t, *id, *st, *h, *d, *w, *q, *a, *f, *b, *k;
};

/*
** Pick the members of a ROW; anything else, or a key twice, is an error.
** first: no row before it, so nothing can be left out.
*/
static int row_keys(const cJSON *row, size_t r, int push, int first,
                    struct row_keys *k, struct sw_err *err)
{
    const cJSON *m;
    char sh[48];

    memset(k, 0, sizeof(*k));
    cJSON_ArrayForEach (m, row) {
        const char *key = m->string ? m->string : "";
        const cJSON **slot = NULL;

        if (strcmp(key, "t") == 0)
            slot = &k->t;
        else if (strcmp(key, "id") == 0)
            slot = &k->id;
        else if (strcmp(key, "st") == 0)
            slot = &k->st;
        else if (strcmp(key, "h") == 0)
            slot = &k->h;
        else if (strcmp(key, "d") == 0)
            slot = &k->d;
        else if (strcmp(key, "w") == 0)
            slot = &k->w;
        else if (strcmp(key, "q") == 0)
            slot = &k->q;
        else if (strcmp(key, "a") == 0)
            slot = &k->a;
        else if (strcmp(key, "f") == 0)
            slot = &k->f;
        else if (strcmp(key, "b") == 0)
            slot = &k->b;
        else if (strcmp(key, "k") == 0)
            slot = &k->k;
        if (!slot)
            return sw_fail(err, SW_EDATA, "rows[%zu]: unexpected key '%s'", r,
                           shown(key, sh));
        if (*slot)
            return sw_fail(err, SW_EDATA, "rows[%zu].%s: duplicate key", r,
                           key);
        *slot = m;
    }
    if (!push)
        k->q = NULL; /* a pull reply carries no seq: ignored */
    if (!k->t && first)
        return sw_fail(err, SW_EDATA, "rows[%zu].t: missing", r);
    if (!k->id)
        return sw_fail(err, SW_EDATA, "rows[%zu].id: missing", r);
    if (!k->st && first)
        return sw_fail(err, SW_EDATA, "rows[%zu].st: missing", r);
    if (k->h && k->d)
        return sw_fail(err, SW_EDATA, "rows[%zu]: both h and d", r);
    if (k->d && first)
        return sw_fail(err, SW_EDATA, "rows[%zu].d: no row before it", r);
    if (!k->h && !k->d)
        return sw_fail(err, SW_EDATA, "rows[%zu].h: missing", r);
    if (!k->w && first)
        return sw_fail(err, SW_EDATA, "rows[%zu].w: missing", r);
    if (push && !k->q && first)
        return sw_fail(err, SW_EDATA, "rows[%zu].q: missing", r);
    if (!k->f)
        return sw_fail(err, SW_EDATA, "rows[%zu].f: missing", r);
    return 0;
}

/* Decode ROW number r and append its changes to b. */
static int decode_row(const cJSON *row, size_t r, int push,
                      const struct codec_limits *lim, struct sw_batch *b,
                      struct sw_err *err)
{
    struct row_keys k;
    const struct sw_table *t;
    struct sw_change proto, c;
    /* the row before: what this one leaves out is its */
    const struct sw_change *prev = b->n ? &b->v[b->n - 1] : NULL;
    const cJSON *m, *m2;
    const char *author = prev ? prev->author : NULL;
    int64_t q = 0, d;
    size_t nf = 0, idx = 0;
    char sh[48];
    int rc;

    if (!cJSON_IsObject(row))
        return sw_fail(err, SW_EDATA, "rows[%zu]: not an object", r);
    rc = row_keys(row, r, push, !prev, &k, err);
    if (rc)
        return rc;

    memset(&proto, 0, sizeof(proto));
    if (k.t) {
        if (!cJSON_IsString(k.t))
            return sw_fail(err, SW_EDATA, "rows[%zu].t: not a string", r);
        t = sw_table_by_name(k.t->valuestring);
        if (!t)
            return sw_fail(err, SW_EDATA, "rows[%zu].t: not a table: '%s'", r,
                           shown(k.t->valuestring, sh));
    } else {
        t = &sw_tables[prev->tbl];
    }
    proto.tbl = sw_table_index(t);
    if (!cJSON_IsString(k.id) || !sw_uuid_valid(k.id->valuestring))
        return sw_fail(err, SW_EDATA, "rows[%zu].id: not a record id", r);
    memcpy(proto.id, k.id->valuestring, SW_UUID_LEN + 1);
    if (k.st && (!cJSON_IsString(k.st) || !sw_code_valid(k.st->valuestring)))
        return sw_fail(err, SW_EDATA, "rows[%zu].st: not a station code", r);
    strcpy(proto.station, k.st ? k.st->valuestring : prev->station);
    if (k.h && !cJSON_IsString(k.h))
        return sw_fail(err, SW_EDATA, "rows[%zu].h: not an hlc string", r);
    if (k.h &&
        (hlc_parse(k.h->valuestring, &proto.ver.hlc) || proto.ver.hlc <= 0))
        return sw_fail(err, SW_EDATA, "rows[%zu].h: not an hlc: '%s'", r,
                       shown(k.h->valuestring, sh));
    if (k.d) {
        if (!json_int(k.d, &d))
            return sw_fail(err, SW_EDATA, "rows[%zu].d: not an integer", r);
        if (d <= -prev->ver.hlc || (d > 0 && prev->ver.hlc > INT64_MAX - d))
            return sw_fail(err, SW_EDATA, "rows[%zu].d: hlc out of range", r);
        proto.ver.hlc = prev->ver.hlc + d;
    }
    if (k.w && (!cJSON_IsString(k.w) || !sw_site_valid(k.w->valuestring)))
        return sw_fail(err, SW_EDATA, "rows[%zu].w: not a site id", r);
    strcpy(proto.ver.site, k.w ? k.w->valuestring : prev->ver.site);
    if (push && k.q && !json_int(k.q, &q))
        return sw_fail(err, SW_EDATA, "rows[%zu].q: not an integer", r);
    if (push && !k.q)
        q = prev->seq + 1;
    if (k.a && cJSON_IsNull(k.a))
        author = NULL;
    else if (k.a &&
             (!cJSON_IsString(k.a) || !sw_author_valid(k.a->valuestring)))
        return sw_fail(err, SW_EDATA, "rows[%zu].a: not an author name or null",
                       r);
    else if (k.a)
        author = k.a->valuestring;

    if (!cJSON_IsObject(k.f) || !k.f->child)
        return sw_fail(err, SW_EDATA, "rows[%zu].f: not a non-empty object", r);
    cJSON_ArrayForEach (m, k.f) {
        if (sw_col_index(t, m->string) < 0)
            return sw_fail(err, SW_EDATA, "rows[%zu].f.%s: not a column of %s",
                           r, shown(m->string ? m->string : "", sh), t->name);
        for (m2 = k.f->child; m2 != m; m2 = m2->next)
            if (strcmp(m2->string, m->string) == 0)
                return sw_fail(err, SW_EDATA, "rows[%zu].f.%s: duplicate key",
                               r, m->string);
        nf++;
    }
    if (k.b) {
        if (!cJSON_IsObject(k.b))
            return sw_fail(err, SW_EDATA, "rows[%zu].b: not an object", r);
        cJSON_ArrayForEach (m, k.b) {
            int dup;
            struct sw_version v;
            if (!m->string || !member(k.f, m->string, &dup))
                return sw_fail(err, SW_EDATA, "rows[%zu].b.%s: not a key of f",
                               r, shown(m->string ? m->string : "", sh));
            for (m2 = k.b->child; m2 != m; m2 = m2->next)
                if (strcmp(m2->string, m->string) == 0)
                    return sw_fail(err, SW_EDATA,
                                   "rows[%zu].b.%s: duplicate key", r,
                                   m->string);
            if (!cJSON_IsString(m) || !parse_base(m->valuestring, &v))
                return sw_fail(err, SW_EDATA,
                               "rows[%zu].b.%s: not a version (HLC@SITE)", r,
                               m->string);
        }
    }
    if (k.k) {
        int dupk;
        const cJSON *del = member(k.f, t->cols[sw_col_deleted(t)].name, &dupk);
        int64_t one = 0;
        if (!del || !json_int(del, &one) || one != 1)
            return sw_fail(err, SW_EDATA,
                           "rows[%zu].k: only with a tombstone (deleted: 1)",
                           r);
        if (!cJSON_IsString(k.k) || !sw_seen_valid(t, k.k->valuestring))
            return sw_fail(err, SW_EDATA,
                           "rows[%zu].k: not a list of seen versions", r);
    }
    if (push && b->n > 0 && q <= b->v[b->n - 1].seq)
        return sw_fail(err, SW_EDATA,
                       "rows[%zu].q: seq %lld does not follow %lld", r,
                       (long long)q, (long long)b->v[b->n - 1].seq);
    if (push && (q < b->from || q > b->to || (int64_t)(nf - 1) > b->to - q))
        return sw_fail(err, SW_EDATA,
                       "rows[%zu].q: seq %lld..%lld is outside %lld..%lld", r,
                       (long long)q, (long long)(q + (int64_t)nf - 1),
                       (long long)b->from, (long long)b->to);
    if (nf > lim->max_changes || b->n > lim->max_changes - nf)
        return sw_fail(err, SW_ETOOBIG, "rows[%zu]: more than %zu changes", r,
                       lim->max_changes);

    cJSON_ArrayForEach (m, k.f) {
        const struct sw_column *col;
        const cJSON *bm;
        char num[32];
        const char *v = NULL;
        int dup;

        c = proto;
        c.col = sw_col_index(t, m->string);
        col = &t->cols[c.col];
        if (cJSON_IsNull(m) && c.col == sw_col_deleted(t)) {
            return sw_fail(err, SW_EDATA, "rows[%zu].f.%s: cannot be null", r,
                           m->string);
        } else if (cJSON_IsNull(m)) {
            c.vtype = SW_V_NULL;
        } else if (col->type == SW_INT) {
            if (!json_int(m, &c.ival))
                return sw_fail(err, SW_EDATA,
                               "rows[%zu].f.%s: not an integer or null", r,
                               m->string);
            c.vtype = SW_V_INT;
            snprintf(num, sizeof(num), "%lld", (long long)c.ival);
            v = num;
        } else {
            if (!cJSON_IsString(m))
                return sw_fail(err, SW_EDATA,
                               "rows[%zu].f.%s: not a string or null", r,
                               m->string);
            c.vtype = SW_V_TEXT;
            v = m->valuestring;
        }
        rc = check_value(t, col, v, r, err);
        if (rc)
            return rc;
        bm = k.b ? member(k.b, m->string, &dup) : NULL;
        if (bm)
            parse_base(bm->valuestring, &c.base); /* checked above */
        c.seq = push ? q + (int64_t)idx : 0;
        if (v && c.vtype == SW_V_TEXT) {
            c.text = sw_strdup(v);
            if (!c.text)
                return sw_fail(err, SW_ESOFTWARE, "decode: out of memory");
        }
        if (author && !(c.author = sw_strdup(author))) {
            change_release(&c);
            return sw_fail(err, SW_ESOFTWARE, "decode: out of memory");
        }
        if (k.k && c.col == sw_col_deleted(t)) {
            c.seen = sw_strdup(k.k->valuestring);
            if (!c.seen) {
                change_release(&c);
                return sw_fail(err, SW_ESOFTWARE, "decode: out of memory");
            }
        }
        if (batch_add(b, &c)) {
            change_release(&c);
            return sw_fail(err, SW_ESOFTWARE, "decode: out of memory");
        }
        idx++;
    }
    return 0;
}

/*
** Count the JSON values in s (outside strings: every '[', '{', ',' and
** ':' starts one), stopping past max.  cJSON spends some 64 bytes a value,
** so this bounds the parser's memory before it runs.
*/
static size_t count_values(const char *s, size_t len, size_t max)
{
    size_t n = 1;
    int in_str = 0;
    for (size_t i = 0; i < len && n <= max; i++) {
        char ch = s[i];
        if (in_str) {
            if (ch == '\\')
                i++;
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '[' || ch == '{' || ch == ',' || ch == ':') {
            n++;
        }
    }
    return n;
}

/* Decode the JSON text s (s[len] is NUL) into b. */
static int decode_text(const char *s, size_t len, int push,
                       const struct codec_limits *lim, struct sw_batch *b,
                       struct sw_err *err)
{
    cJSON *root = NULL;
    const cJSON *v, *rows, *m;
    const char *end = NULL;
    int64_t x;
    size_t r = 0;
    int rc = 0;

    if (!text_ok(s, len)) {
        rc = sw_fail(err, SW_EDATA, "not JSON: not UTF-8 text");
        goto out;
    }
    {
        /* a change costs at most ~24 values (a row of one field) */
        size_t max = lim->max_changes * 24 + 4096;
        if (count_values(s, len, max) > max) {
            rc =
                sw_fail(err, SW_ETOOBIG, "too many JSON values for %zu changes",
                        lim->max_changes);
            goto out;
        }
    }
    root = cJSON_ParseWithLengthOpts(s, len, &end, 0);
    if (root && end) {
        while (end < s + len &&
               (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
            end++;
    }
    if (!root || !end || end != s + len) {
        rc = sw_fail(err, SW_EDATA, "not JSON (at byte %zu)",
                     end && end >= s ? (size_t)(end - s) : (size_t)0);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        rc = sw_fail(err, SW_EDATA, "not a JSON object");
        goto out;
    }
    if ((rc = top_member(root, "v", &v, err)))
        goto out;
    if (!json_int(v, &x) || x != CODEC_VERSION) {
        rc = sw_fail(err, SW_EDATA, "v: protocol version is not %d",
                     CODEC_VERSION);
        goto out;
    }
    if (push) {
        const cJSON *site, *from, *to;
        if ((rc = top_member(root, "site", &site, err)))
            goto out;
        if (!cJSON_IsString(site) || !sw_site_valid(site->valuestring)) {
            rc = sw_fail(err, SW_EDATA, "site: not a site id");
            goto out;
        }
        strcpy(b->site, site->valuestring);
        if ((rc = top_member(root, "from", &from, err)))
            goto out;
        if (!json_int(from, &b->from) || b->from < 0) {
            rc = sw_fail(err, SW_EDATA, "from: not an integer >= 0");
            goto out;
        }
        if ((rc = top_member(root, "to", &to, err)))
            goto out;
        if (!json_int(to, &b->to) || b->to < b->from) {
            rc = sw_fail(err, SW_EDATA, "to: not an integer >= from");
            goto out;
        }
    } else {
        const cJSON *cursor, *more;
        if ((rc = top_member(root, "cursor", &cursor, err)))
            goto out;
        if (!json_int(cursor, &b->cursor) || b->cursor < 0) {
            rc = sw_fail(err, SW_EDATA, "cursor: not an integer >= 0");
            goto out;
        }
        if ((rc = top_member(root, "more", &more, err)))
            goto out;
        if (!cJSON_IsBool(more)) {
            rc = sw_fail(err, SW_EDATA, "more: not true or false");
            goto out;
        }
        b->more = cJSON_IsTrue(more) ? 1 : 0;
        /* optional (protocol 1 since 0.2): how many fields remain */
        {
            int dup;
            const cJSON *rem = member(root, "remaining", &dup);
            b->remaining = -1;
            if (dup ||
                (rem && (!json_int(rem, &b->remaining) || b->remaining < 0))) {
                rc = sw_fail(err, SW_EDATA, "remaining: not an integer >= 0");
                goto out;
            }
        }
        rc = decode_erase(root, lim, b, err);
        if (!rc)
            rc = decode_links(root, lim, b, err);
        if (rc)
            goto out;
    }
    if ((rc = top_member(root, "rows", &rows, err)))
        goto out;
    if (!cJSON_IsArray(rows)) {
        rc = sw_fail(err, SW_EDATA, "rows: not an array");
        goto out;
    }
    cJSON_ArrayForEach (m, rows) {
        rc = decode_row(m, r, push, lim, b, err);
        if (rc)
            goto out;
        r++;
    }
    /* rows against the range, sequence order, sites: change.h */
    if ((rc = batch_check(b, push, err)))
        goto out;
    b->checked = 1; /* decode_row checked each (merge.h, MERGE_CHECKED) */
out:
    cJSON_Delete(root);
    if (rc)
        batch_release(b);
    return rc;
}

static int decode_json(const char *json, size_t len, int push,
                       const struct codec_limits *lim, struct sw_batch *b,
                       struct sw_err *err)
{
    char *copy;
    int rc;

    batch_init(b);
    if (!lim)
        lim = &codec_default_limits;
    if (len > lim->max_inflated || len == SIZE_MAX)
        return sw_fail(err, SW_ETOOBIG, "body is more than %zu bytes",
                       lim->max_inflated);
    copy = malloc(len + 1);
    if (!copy)
        return sw_fail(err, SW_ESOFTWARE, "decode: out of memory");
    if (len)
        memcpy(copy, json, len);
    copy[len] = '\0';
    rc = decode_text(copy, len, push, lim, b, err);
    free(copy);
    return rc;
}

static int decode(const void *data, size_t len, int push,
                  const struct codec_limits *lim, struct sw_batch *b,
                  struct sw_err *err)
{
    unsigned char *text = NULL;
    size_t tlen = 0;
    int rc;

    batch_init(b);
    if (!lim)
        lim = &codec_default_limits;
    if (len > lim->max_compressed)
        return sw_fail(err, SW_ETOOBIG, "body is more than %zu bytes",
                       lim->max_compressed);
    rc = codec_inflate(data, len, lim->max_inflated, &text, &tlen, err);
    if (rc)
        return rc;
    rc = decode_text((const char *)text, tlen, push, lim, b, err);
    free(text);
    return rc;
}

int codec_decode_push(const void *data, size_t len,
                      const struct codec_limits *lim, struct sw_batch *b,
                      struct sw_err *err)
{
    return decode(data, len, 1, lim, b, err);
}

int codec_decode_pull(const void *data, size_t len,
                      const struct codec_limits *lim, struct sw_batch *b,
                      struct sw_err *err)
{
    return decode(data, len, 0, lim, b, err);
}

int codec_decode_push_json(const char *json, size_t len,
                           const struct codec_limits *lim, struct sw_batch *b,
                           struct sw_err *err)
{
    return decode_json(json, len, 1, lim, b, err);
}

int codec_decode_pull_json(const char *json, size_t len,
                           const struct codec_limits *lim, struct sw_batch *b,
                           struct sw_err *err)
{
    return decode_json(json, len, 0, lim, b, err);
}

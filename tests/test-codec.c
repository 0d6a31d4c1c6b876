/*
** test-codec.c — the wire codec: deflate/inflate bounds, round trips of
** push and pull batches, grouping of changes into ROW objects, and the
** refusal of every kind of malformed body.
*/
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#define ZLIB_CONST
#include <zlib.h>

#include "change.h"
#include "codec.h"
#include "hlc.h"
#include "sw.h"
#include "table.h"

#define U1 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
#define U2 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a6c"
#define U3 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a7d"
#define SITE "A01-k3x9qz"
#define SITE2 "COUNTY"

/* ---- helpers ------------------------------------------------------------- */

/* JSON written with ' for " (every ' becomes "); malloc'd. */
static char *J(const char *s)
{
    char *p = strdup(s);
    assert_non_null(p);
    for (char *q = p; *q; q++)
        if (*q == '\'')
            *q = '"';
    return p;
}

static void assert_msg_has(const struct sw_err *err, const char *want)
{
    if (!strstr(err->msg, want))
        fail_msg("error message '%s' does not contain '%s'", err->msg, want);
}

/* rc must be 0; else fail showing the message. */
static void assert_ok(int rc, const struct sw_err *err)
{
    if (rc)
        fail_msg("failed with %d: %s", rc, err->msg);
}

static void assert_released(const struct sw_batch *b)
{
    assert_null(b->v);
    assert_int_equal(b->n, 0);
    assert_int_equal(b->cap, 0);
}

static int col_of(int tbl, const char *name)
{
    int c = sw_col_index(&sw_tables[tbl], name);
    assert_true(c >= 0);
    return c;
}

/* A change to NULL; set the value afterwards with set_text / set_int. */
static struct sw_change chg(int tbl, const char *id, const char *col,
                            int64_t hlc, const char *site, int64_t seq)
{
    struct sw_change c;
    memset(&c, 0, sizeof(c));
    c.tbl = tbl;
    strcpy(c.id, id);
    strcpy(c.station, "A01");
    c.col = col_of(tbl, col);
    c.vtype = SW_V_NULL;
    c.ver.hlc = hlc;
    strcpy(c.ver.site, site);
    c.seq = seq;
    return c;
}

static void set_text(struct sw_change *c, const char *s)
{
    c->vtype = SW_V_TEXT;
    c->text = strdup(s);
    assert_non_null(c->text);
}

static void set_int(struct sw_change *c, int64_t v)
{
    c->vtype = SW_V_INT;
    c->ival = v;
}

static void set_base(struct sw_change *c, int64_t hlc, const char *site)
{
    c->base.hlc = hlc;
    strcpy(c->base.site, site);
}

static void put(struct sw_batch *b, struct sw_change *c)
{
    assert_int_equal(batch_add(b, c), 0);
}

/* A valid resident id number: 17 digits and the right check character. */
static void good_idnum(char out[19])
{
    strcpy(out, "11010519491231002");
    out[17] = sw_idnum_check_char(out);
    out[18] = '\0';
}

static void assert_change_eq(const struct sw_change *a,
                             const struct sw_change *b, int with_seq)
{
    assert_int_equal(a->tbl, b->tbl);
    assert_string_equal(a->id, b->id);
    assert_string_equal(a->station, b->station);
    assert_int_equal(a->col, b->col);
    assert_int_equal(a->vtype, b->vtype);
    if (a->vtype == SW_V_INT)
        assert_int_equal(a->ival, b->ival);
    if (a->vtype == SW_V_TEXT) {
        assert_non_null(b->text);
        assert_string_equal(a->text, b->text);
    } else {
        assert_null(b->text);
    }
    assert_int_equal(a->ver.hlc, b->ver.hlc);
    assert_string_equal(a->ver.site, b->ver.site);
    assert_int_equal(a->base.hlc, b->base.hlc);
    if (a->base.hlc)
        assert_string_equal(a->base.site, b->base.site);
    if (with_seq)
        assert_int_equal(a->seq, b->seq);
    if (a->author) {
        assert_non_null(b->author);
        assert_string_equal(a->author, b->author);
    } else {
        assert_null(b->author);
    }
}

/* Inflate a codec body back to its JSON text (malloc'd). */
static char *inflate_json(const unsigned char *body, size_t len)
{
    unsigned char *out = NULL;
    size_t n = 0;
    struct sw_err err;
    assert_ok(codec_inflate(body, len, 64u << 20, &out, &n, &err), &err);
    assert_int_equal(strlen((char *)out), n);
    return (char *)out;
}

static int64_t H(int64_t ms, int counter)
{
    return hlc_pack(ms, counter);
}

/*
** A mixed batch: a case with Chinese text, quotes, newlines, a backslash,
** an id number, a null and a tombstone; a visit with an int and bases; a
** service with minutes.  seq runs from 100.
*/
static void sample_batch(struct sw_batch *b)
{
    struct sw_change c;
    char idn[19];
    int64_t h1 = H(1732230000000, 0), h2 = H(1732230000001, 7);
    int64_t seq = 100;

    good_idnum(idn);
    batch_init(b);
    strcpy(b->site, SITE);
    b->from = 100;

    c = chg(SW_T_CASES, U1, "name", h1, SITE, seq++);
    set_text(&c, "张三");
    put(b, &c);
    c = chg(SW_T_CASES, U1, "gender", h1, SITE, seq++);
    set_text(&c, "male");
    put(b, &c);
    c = chg(SW_T_CASES, U1, "id_number", h1, SITE, seq++);
    set_text(&c, idn);
    put(b, &c);
    c = chg(SW_T_CASES, U1, "notes", h1, SITE, seq++);
    set_text(&c, "第一行\n\"引号\" and 'single'\tC:\\path\r\x01end");
    put(b, &c);
    c = chg(SW_T_CASES, U1, "phone", h1, SITE, seq++);
    put(b, &c); /* null */
    c = chg(SW_T_CASES, U1, "village", h1, SITE, seq++);
    set_text(&c, "");
    put(b, &c);

    c = chg(SW_T_VISITS, U2, "case_id", h2, SITE, seq++);
    set_text(&c, U1);
    put(b, &c);
    c = chg(SW_T_VISITS, U2, "mode", h2, SITE, seq++);
    set_text(&c, "home");
    set_base(&c, H(1732220000000, 3), SITE2);
    put(b, &c);
    c = chg(SW_T_VISITS, U2, "follow_up", h2, SITE, seq++);
    set_int(&c, 1);
    put(b, &c);
    c = chg(SW_T_VISITS, U2, "findings", h2, SITE, seq++);
    set_text(&c, "老人独居，需要每周探访。");
    set_base(&c, H(1732220000000, 4), "B02-xyz");
    put(b, &c);

    c = chg(SW_T_SERVICES, U3, "minutes", h2, SITE, seq++);
    set_int(&c, 100000);
    put(b, &c);
    c = chg(SW_T_SERVICES, U3, "amount", h2, SITE, seq++);
    set_text(&c, "150.50");
    put(b, &c);
    c = chg(SW_T_CASES, U1, "deleted", h2, SITE, seq++);
    set_int(&c, 0);
    set_base(&c, h1, SITE);
    put(b, &c);

    b->to = seq - 1; /* the range is exactly the changes' (change.h) */
}

/* Deflate n zero bytes with a streaming loop (no n-byte buffer). */
static unsigned char *deflate_zeros(size_t n, size_t *outlen)
{
    static const unsigned char zeros[65536];
    z_stream zs;
    size_t cap = 1 << 16, used = 0;
    unsigned char *out = malloc(cap);
    int rc;

    assert_non_null(out);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit(&zs, Z_BEST_COMPRESSION), Z_OK);
    do {
        size_t chunk = n < sizeof(zeros) ? n : sizeof(zeros);
        int flush = n == chunk ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = zeros;
        zs.avail_in = (uInt)chunk;
        n -= chunk;
        do {
            if (cap - used < 4096) {
                cap *= 2;
                out = realloc(out, cap);
                assert_non_null(out);
            }
            zs.next_out = out + used;
            zs.avail_out = (uInt)(cap - used);
            rc = deflate(&zs, flush);
            assert_true(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
            used = cap - zs.avail_out;
        } while (zs.avail_out == 0 ||
                 (flush == Z_FINISH && rc != Z_STREAM_END));
    } while (n > 0);
    deflateEnd(&zs);
    *outlen = used;
    return out;
}

/* ---- deflate / inflate --------------------------------------------------- */

static void test_deflate_inflate_roundtrip(void **state)
{
    const char *text = "张三 {\"v\":1} repeated repeated repeated repeated";
    unsigned char *z = NULL, *back = NULL, raw[256];
    size_t zlen = 0, blen = 0;
    uLongf rawlen = sizeof(raw);
    struct sw_err err;

    assert_ok(codec_deflate(text, strlen(text), &z, &zlen, &err), &err);
    assert_non_null(z);
    /* a plain zlib stream: uncompress() reads it */
    assert_int_equal(uncompress(raw, &rawlen, z, zlen), Z_OK);
    assert_int_equal(rawlen, strlen(text));
    assert_memory_equal(raw, text, rawlen);

    assert_ok(codec_inflate(z, zlen, strlen(text), &back, &blen, &err), &err);
    assert_int_equal(blen, strlen(text));
    assert_string_equal((char *)back, text); /* NUL-terminated */
    free(back);
    free(z);

    /* compress2() output is read by codec_inflate */
    {
        unsigned char c2[256];
        uLongf c2len = sizeof(c2);
        assert_int_equal(
            compress2(c2, &c2len, (const Bytef *)text, strlen(text), 9), Z_OK);
        assert_ok(codec_inflate(c2, c2len, 1000, &back, &blen, &err), &err);
        assert_string_equal((char *)back, text);
        free(back);
    }

    /* the empty text */
    assert_ok(codec_deflate("", 0, &z, &zlen, &err), &err);
    assert_ok(codec_inflate(z, zlen, 0, &back, &blen, &err), &err);
    assert_int_equal(blen, 0);
    assert_string_equal((char *)back, "");
    free(back);
    free(z);
}

static void test_inflate_bound_exact(void **state)
{
    char text[5000];
    unsigned char *z = NULL, *back = NULL;
    size_t zlen = 0, blen = 0;
    struct sw_err err;

    for (size_t i = 0; i < sizeof(text); i++)
        text[i] = (char)('a' + (i * 7 + i / 13) % 26);
    assert_ok(codec_deflate(text, sizeof(text), &z, &zlen, &err), &err);

    assert_ok(codec_inflate(z, zlen, sizeof(text), &back, &blen, &err), &err);
    assert_int_equal(blen, sizeof(text));
    assert_memory_equal(back, text, sizeof(text));
    free(back);

    back = (unsigned char *)"untouched";
    blen = 99;
    assert_int_equal(
        codec_inflate(z, zlen, sizeof(text) - 1, &back, &blen, &err),
        SW_ETOOBIG);
    assert_int_equal(err.code, SW_ETOOBIG);
    assert_null(back);
    assert_int_equal(blen, 0);
    free(z);
}

static void test_inflate_truncated(void **state)
{
    const char *text = "some text that is long enough to make a stream, "
                       "some text that is long enough to make a stream";
    unsigned char *z = NULL, *back = NULL;
    size_t zlen = 0, blen = 0;
    struct sw_err err;

    assert_ok(codec_deflate(text, strlen(text), &z, &zlen, &err), &err);
    /* every proper prefix is refused, the empty one included */
    for (size_t cut = 0; cut < zlen; cut++) {
        sw_err_clear(&err);
        assert_int_equal(codec_inflate(z, cut, 1 << 20, &back, &blen, &err),
                         SW_EDATA);
        assert_null(back);
    }
    assert_int_equal(codec_inflate(z, zlen - 1, 1 << 20, &back, &blen, &err),
                     SW_EDATA);
    assert_msg_has(&err, "truncated");
    free(z);
}

static void test_inflate_corrupt(void **state)
{
    const char *text = "a body to corrupt, a body to corrupt, a body";
    unsigned char *z = NULL, *back = NULL;
    size_t zlen = 0, blen = 0;
    struct sw_err err;

    assert_ok(codec_deflate(text, strlen(text), &z, &zlen, &err), &err);

    /* the checksum at the end */
    z[zlen - 1] ^= 0x55;
    assert_int_equal(codec_inflate(z, zlen, 1 << 20, &back, &blen, &err),
                     SW_EDATA);
    assert_msg_has(&err, "corrupt");
    assert_null(back);
    z[zlen - 1] ^= 0x55;

    /* the zlib header */
    z[0] ^= 0xff;
    assert_int_equal(codec_inflate(z, zlen, 1 << 20, &back, &blen, &err),
                     SW_EDATA);
    assert_msg_has(&err, "corrupt");
    z[0] ^= 0xff;

    /* not a stream at all */
    assert_int_equal(codec_inflate("{\"v\":1}", 7, 1 << 20, &back, &blen, &err),
                     SW_EDATA);

    /* gzip is not what HTTP deflate means */
    {
        static const unsigned char gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x00, 0x03};
        assert_int_equal(
            codec_inflate(gz, sizeof(gz), 1 << 20, &back, &blen, &err),
            SW_EDATA);
    }

    /* still fine after the repairs */
    assert_ok(codec_inflate(z, zlen, 1 << 20, &back, &blen, &err), &err);
    assert_string_equal((char *)back, text);
    free(back);
    free(z);
}

static void test_inflate_trailing_garbage(void **state)
{
    const char *text = "payload";
    unsigned char *z = NULL, *z2, *back = NULL;
    size_t zlen = 0, blen = 0;
    struct sw_err err;

    assert_ok(codec_deflate(text, strlen(text), &z, &zlen, &err), &err);
    z2 = malloc(zlen * 2);
    assert_non_null(z2);
    memcpy(z2, z, zlen);
    z2[zlen] = 'x';
    assert_int_equal(codec_inflate(z2, zlen + 1, 1 << 20, &back, &blen, &err),
                     SW_EDATA);
    assert_msg_has(&err, "after");
    assert_null(back);

    /* two streams back to back: also bytes after the first */
    memcpy(z2 + zlen, z, zlen);
    assert_int_equal(codec_inflate(z2, zlen * 2, 1 << 20, &back, &blen, &err),
                     SW_EDATA);
    assert_msg_has(&err, "after");
    free(z2);
    free(z);
}

static void test_inflate_zip_bomb(void **state)
{
    size_t zlen = 0, blen = 0;
    unsigned char *z = deflate_zeros((size_t)64 << 20, &zlen);
    unsigned char *back = NULL;
    struct sw_err err;
    struct timespec t0, t1;
    double secs;

    assert_true(zlen < (size_t)1 << 20); /* it is a bomb */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(
        codec_inflate(z, zlen, (size_t)1 << 20, &back, &blen, &err),
        SW_ETOOBIG);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_null(back);
    assert_int_equal(blen, 0);
    secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (secs > 1.0)
        fail_msg("stopping the bomb took %.3f s", secs);

    /* the same through the decoder, with the default limits (32 MiB) */
    {
        struct sw_batch b;
        assert_int_equal(codec_decode_push(z, zlen, NULL, &b, &err),
                         SW_ETOOBIG);
        assert_released(&b);
    }
    free(z);
}

/* ---- round trips --------------------------------------------------------- */

static void test_roundtrip_push(void **state)
{
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;

    sample_batch(&in);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    assert_non_null(body);
    assert_ok(codec_decode_push(body, len, NULL, &out, &err), &err);

    assert_string_equal(out.site, SITE);
    assert_int_equal(out.from, in.from);
    assert_int_equal(out.to, in.to);
    assert_int_equal(out.n, in.n);
    for (size_t i = 0; i < in.n; i++)
        assert_change_eq(&in.v[i], &out.v[i], 1);

    /* a push body is not a pull body */
    batch_release(&out);
    assert_int_equal(codec_decode_pull(body, len, NULL, &out, &err), SW_EDATA);
    assert_msg_has(&err, "cursor");
    assert_released(&out);

    free(body);
    batch_release(&in);
}

static void test_roundtrip_pull(void **state)
{
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    char *json;

    sample_batch(&in);
    in.cursor = 9007199254740991; /* 2^53 - 1 */
    in.more = 1;
    /* seq is not sent in a pull: any values, no grouping by seq */
    for (size_t i = 0; i < in.n; i++)
        in.v[i].seq = (int64_t)(1000 - i * 3);
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    assert_null(strstr(json, "\"q\""));
    assert_null(strstr(json, "\"site\""));
    assert_non_null(strstr(json, "\"cursor\":9007199254740991"));
    assert_non_null(strstr(json, "\"more\":true"));
    free(json);

    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.cursor, in.cursor);
    assert_int_equal(out.more, 1);
    assert_int_equal(out.n, in.n);
    for (size_t i = 0; i < in.n; i++) {
        assert_change_eq(&in.v[i], &out.v[i], 0);
        assert_int_equal(out.v[i].seq, 0);
    }
    batch_release(&out);
    free(body);

    /* more false, no rows */
    batch_release(&in);
    in.cursor = 0;
    in.more = 0;
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.n, 0);
    assert_int_equal(out.more, 0);
    assert_int_equal(out.cursor, 0);
    free(body);
    batch_release(&out);
}

/* A pull's erase orders (purge): encoded after the rows, decoded back,
** refused when malformed, and never in a push. */
static void test_pull_erase(void **state)
{
    static const char id1[] = "01890000-0000-7000-8000-000000000001";
    static const char id2[] = "01890000-0000-7000-8000-000000000002";
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    char *json;
    static const char *const bad[] = {
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],\"erase\":{}}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"erase\":[{\"t\":\"people\",\"id\":\"01890000-0000-7000-8000-"
        "000000000001\"}]}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"erase\":[{\"t\":\"cases\",\"id\":\"not-an-id\"}]}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"erase\":[{\"t\":\"cases\"}]}",
    };

    (void)state;
    sample_batch(&in);
    in.cursor = 77;
    assert_int_equal(batch_add_erase(&in, SW_T_CASES, id1), 0);
    assert_int_equal(batch_add_erase(&in, SW_T_VISITS, id2), 0);
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    assert_non_null(strstr(json, "\"erase\":[{\"t\":\"cases\",\"id\":\""));
    free(json);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.n, in.n);
    assert_int_equal(out.nerase, 2);
    assert_int_equal(out.erase[0].tbl, SW_T_CASES);
    assert_string_equal(out.erase[0].id, id1);
    assert_int_equal(out.erase[1].tbl, SW_T_VISITS);
    assert_string_equal(out.erase[1].id, id2);
    batch_release(&out);
    free(body);
    body = NULL;
    /* a push erases nothing */
    memset(&err, 0, sizeof(err));
    assert_int_equal(batch_check(&in, 1, &err), SW_EDATA);
    batch_release(&in);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            codec_decode_pull_json(bad[i], strlen(bad[i]), NULL, &out, &err),
            SW_EDATA);
        assert_msg_has(&err, "erase");
        assert_released(&out);
    }
}

/* A pull's link notices (issue 15 item 5): the whole set with its digest,
** encoded after the rows, decoded back; an empty set is a set (it removes
** every notice); malformed ones are refused; a pull without them has
** none; an unknown top-level member is ignored, as agents of the previous
** release ignore "links". */
static void test_pull_links(void **state)
{
    static const char id1[] = "01890000-0000-7000-8000-000000000001";
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    char *json;
    static const char *const bad[] = {
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],\"links\":[]}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"links\":{\"list\":[]}}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"links\":{\"digest\":\"XYZ\",\"list\":[]}}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"links\":{\"digest\":\"ab\",\"list\":[{\"case\":\"not-an-id\","
        "\"station\":\"B\",\"name\":\"\",\"contact\":\"\"}]}}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"links\":{\"digest\":\"ab\",\"list\":[{\"case\":\"01890000-0000-"
        "7000-8000-000000000001\",\"station\":\"-B\",\"name\":\"\","
        "\"contact\":\"\"}]}}",
        "{\"v\":1,\"cursor\":1,\"more\":false,\"rows\":[],"
        "\"links\":{\"digest\":\"ab\",\"list\":[{\"case\":\"01890000-0000-"
        "7000-8000-000000000001\",\"station\":\"B\"}]}}",
    };
    static const char unknown[] =
        "{\"v\":1,\"cursor\":5,\"more\":false,\"rows\":[],"
        "\"future\":{\"anything\":[1,2,{\"x\":null}]}}";

    (void)state;
    sample_batch(&in);
    in.cursor = 77;
    assert_int_equal(batch_add_link(&in, id1, "B", "西河镇站", "李社工 0371"),
                     0);
    strcpy(in.links_digest, "0123abcd");
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    assert_non_null(strstr(json, "\"links\":{\"digest\":\"0123abcd\",\"list\":"
                                 "[{\"case\":\""));
    free(json);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.n, in.n);
    assert_int_equal(out.has_links, 1);
    assert_string_equal(out.links_digest, "0123abcd");
    assert_int_equal(out.nlink, 1);
    assert_string_equal(out.link[0].case_id, id1);
    assert_string_equal(out.link[0].station, "B");
    assert_string_equal(out.link[0].name, "西河镇站");
    assert_string_equal(out.link[0].contact, "李社工 0371");
    batch_release(&out);
    free(body);
    batch_release(&in);

    /* an empty set */
    batch_init(&in);
    in.has_links = 1;
    strcpy(in.links_digest, "ff");
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.has_links, 1);
    assert_int_equal(out.nlink, 0);
    assert_string_equal(out.links_digest, "ff");
    batch_release(&out);
    free(body);
    /* none at all */
    batch_init(&in);
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    assert_null(strstr(json, "links"));
    free(json);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.has_links, 0);
    batch_release(&out);
    free(body);

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&err, 0, sizeof(err));
        assert_int_equal(
            codec_decode_pull_json(bad[i], strlen(bad[i]), NULL, &out, &err),
            SW_EDATA);
        assert_msg_has(&err, "links");
        assert_released(&out);
    }
    assert_ok(
        codec_decode_pull_json(unknown, strlen(unknown), NULL, &out, &err),
        &err);
    assert_int_equal(out.cursor, 5);
    assert_int_equal(out.has_links, 0);
    batch_release(&out);
}

/* A hand-written body, so the decoder is not only checked against the
** encoder: \u escapes, key order, a pull that carries q (ignored). */
/* "k": what a tombstone's writer had seen (issue 18).  It goes with
** "deleted": 1 only, names columns of the table, each once; a row without
** it (an older writer) decodes as before, with seen NULL. */
static void test_decode_seen(void **state)
{
    static const char *const bad[] = {
        /* not with a tombstone */
        "'f':{'deleted':0},'k':''",
        "'f':{'name':'x'},'k':''",
        /* not the table's column, twice, malformed, not a string */
        "'f':{'deleted':1},'k':'5@" SITE "=nosuch'",
        "'f':{'deleted':1},'k':'5@" SITE "=name;6@" SITE "=name'",
        "'f':{'deleted':1},'k':'5=name'",
        "'f':{'deleted':1},'k':{'name':'5@" SITE "'}",
    };
    char buf[512];
    char *json;
    struct sw_batch b;
    struct sw_err err;
    (void)state;

    json = J("{'v':1,'cursor':3,'more':false,'rows':[{'id':'" U1 "',"
             "'t':'cases','st':'A01','h':'9','w':'" SITE "',"
             "'f':{'deleted':1,'notes':'n'},'k':'5@" SITE "=name,phone;7@" SITE2
             "=notes'},{'id':'" U1 "','h':'10','f':{'deleted':1}}]}");
    assert_ok(codec_decode_pull_json(json, strlen(json), NULL, &b, &err), &err);
    free(json);
    assert_int_equal(b.n, 3);
    assert_string_equal(b.v[0].seen, "5@" SITE "=name,phone;7@" SITE2 "=notes");
    assert_null(b.v[1].seen); /* notes: not the tombstone */
    assert_null(b.v[2].seen); /* no "k": not said */
    {
        /* and back: encoded with the row, decoded the same */
        unsigned char *out = NULL;
        size_t len = 0;
        struct sw_batch d;
        assert_ok(codec_encode_pull(&b, &out, &len, &err), &err);
        assert_ok(codec_decode_pull(out, len, NULL, &d, &err), &err);
        free(out);
        assert_string_equal(d.v[0].seen, b.v[0].seen);
        assert_null(d.v[2].seen);
        batch_release(&d);
    }
    batch_release(&b);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf),
                 "{'v':1,'cursor':3,'more':false,'rows':[{'id':'" U1 "',"
                 "'t':'cases','st':'A01','h':'9','w':'" SITE "',%s}]}",
                 bad[i]);
        json = J(buf);
        assert_int_equal(
            codec_decode_pull_json(json, strlen(json), NULL, &b, &err),
            SW_EDATA);
        assert_msg_has(&err, "rows[0].k");
        batch_release(&b);
        free(json);
    }
}

static void test_decode_handwritten(void **state)
{
    char *json = J("{'v':1,'extra':{'future':[1,2]},'site':'" SITE "',"
                   "'from':7,'to':10,'rows':[{'b':{'mode':'5@" SITE2 "'},"
                   "'f':{'mode':'phone','case_id':'" U1 "','purpose':null,"
                   "'worker':'\\u5f20\\u4e09 \\\"w\\\"\\n'},"
                   "'q':7,'w':'" SITE "','h':'281474976710657','st':'A01',"
                   "'id':'" U2 "','t':'visits'}]}");
    struct sw_batch b;
    struct sw_err err;
    int vt = SW_T_VISITS;

    assert_ok(codec_decode_push_json(json, strlen(json), NULL, &b, &err), &err);
    assert_int_equal(b.n, 4);
    assert_int_equal(b.from, 7);
    assert_int_equal(b.to, 10);
    /* the order of "f", seq q, q+1, ... */
    assert_int_equal(b.v[0].col, col_of(vt, "mode"));
    assert_int_equal(b.v[1].col, col_of(vt, "case_id"));
    assert_int_equal(b.v[2].col, col_of(vt, "purpose"));
    assert_int_equal(b.v[3].col, col_of(vt, "worker"));
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(b.v[i].seq, 7 + (int64_t)i);
        assert_int_equal(b.v[i].tbl, SW_T_VISITS);
        assert_string_equal(b.v[i].id, U2);
        assert_string_equal(b.v[i].station, "A01");
        assert_int_equal(b.v[i].ver.hlc, hlc_pack(4294967296, 1));
        assert_string_equal(b.v[i].ver.site, SITE);
        assert_int_equal(b.v[i].base.hlc, i == 0 ? 5 : 0);
    }
    assert_string_equal(b.v[0].base.site, SITE2);
    assert_string_equal(b.v[0].text, "phone");
    assert_int_equal(b.v[2].vtype, SW_V_NULL);
    assert_string_equal(b.v[3].text, "张三 \"w\"\n");
    batch_release(&b);
    free(json);

    /* a pull: q is ignored, unknown top-level keys too; 1.0 is 1 */
    json = J("{'v':1.0,'cursor':42,'more':false,'x':null,'rows':["
             "{'t':'services','id':'" U3 "','st':'A01','h':'99','w':'" SITE2
             "','q':'whatever','f':{'minutes':30,'deleted':1e0}}]}");
    assert_ok(codec_decode_pull_json(json, strlen(json), NULL, &b, &err), &err);
    assert_int_equal(b.cursor, 42);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.v[0].vtype, SW_V_INT);
    assert_int_equal(b.v[0].ival, 30);
    assert_int_equal(b.v[1].ival, 1);
    assert_int_equal(b.v[1].seq, 0);
    batch_release(&b);
    free(json);
}

/* ---- grouping ------------------------------------------------------------ */

static const cJSON *row_at(const cJSON *root, int i)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    const cJSON *r = cJSON_GetArrayItem(rows, i);
    assert_non_null(r);
    return r;
}

static int nkeys(const cJSON *r, const char *key)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(r, key);
    return o ? cJSON_GetArraySize(o) : -1;
}

static void test_grouping_push(void **state)
{
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct sw_change c;
    char *json;
    cJSON *root;
    const cJSON *r;
    int64_t h1 = H(1732230000000, 0), h2 = H(1732230000000, 1);

    batch_init(&in);
    strcpy(in.site, SITE);
    in.from = 1;
    in.to = 10;
    /* row 0: three changes of U1 at h1, seq 1..3, one with a base */
    c = chg(SW_T_CASES, U1, "name", h1, SITE, 1);
    set_text(&c, "李四");
    put(&in, &c);
    c = chg(SW_T_CASES, U1, "risk_level", h1, SITE, 2);
    set_text(&c, "high");
    set_base(&c, H(1732220000000, 9), SITE2);
    put(&in, &c);
    c = chg(SW_T_CASES, U1, "notes", h1, SITE, 3);
    put(&in, &c);
    /* row 1: same row, same version, but seq jumps (5, not 4) */
    c = chg(SW_T_CASES, U1, "worker", h1, SITE, 5);
    set_text(&c, "王五");
    put(&in, &c);
    /* row 2: same column again: a new ROW even with consecutive seq */
    c = chg(SW_T_CASES, U1, "worker", h1, SITE, 6);
    set_text(&c, "赵六");
    put(&in, &c);
    /* row 3: another version of the same row */
    c = chg(SW_T_CASES, U1, "village", h2, SITE, 7);
    set_text(&c, "东村");
    put(&in, &c);
    /* row 4: another row */
    c = chg(SW_T_CASES, U3, "village", h2, SITE, 8);
    set_text(&c, "西村");
    put(&in, &c);
    /* row 5: same row and version, but a gap in the seqs (a push's
       versions are all the sender's site: change.h, batch_check) */
    c = chg(SW_T_CASES, U3, "address", h2, SITE, 10);
    put(&in, &c);

    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "rows")), 6);
    assert_true(strncmp(json, "{\"v\":1,", 7) == 0);

    r = row_at(root, 0);
    assert_int_equal(nkeys(r, "f"), 3);
    assert_int_equal(nkeys(r, "b"), 1);
    {
        char want[64];
        snprintf(want, sizeof(want), "%lld@" SITE2,
                 (long long)H(1732220000000, 9));
        assert_string_equal(
            cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(r, "b"), "risk_level")
                ->valuestring,
            want);
    }
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "q")->valuedouble, 1);
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "h")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(r, "f"), "notes")));

    r = row_at(root, 1);
    assert_int_equal(nkeys(r, "f"), 1);
    assert_int_equal(nkeys(r, "b"), -1); /* no base: no "b" */
    assert_int_equal(cJSON_GetObjectItemCaseSensitive(r, "q")->valuedouble, 5);
    r = row_at(root, 2);
    assert_int_equal(nkeys(r, "f"), 1);
    /* 6 follows row 1's 5: left out */
    assert_null(cJSON_GetObjectItemCaseSensitive(r, "q"));
    for (int i = 3; i < 6; i++)
        assert_int_equal(nkeys(row_at(root, i), "f"), 1);
    /* what a row shares with the one before is left out: t, st, w; the
       hlc is a difference ("d") from the previous row's */
    for (int i = 1; i < 6; i++) {
        r = row_at(root, i);
        assert_null(cJSON_GetObjectItemCaseSensitive(r, "t"));
        assert_null(cJSON_GetObjectItemCaseSensitive(r, "st"));
        assert_null(cJSON_GetObjectItemCaseSensitive(r, "h"));
        assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(r, "d")));
        assert_null(cJSON_GetObjectItemCaseSensitive(r, "w"));
    }
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(row_at(root, 3), "d")->valuedouble,
        h2 - h1);
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(row_at(root, 4), "d")->valuedouble, 0);
    assert_int_equal(
        cJSON_GetObjectItemCaseSensitive(row_at(root, 5), "q")->valuedouble,
        10);
    cJSON_Delete(root);

    /* the JSON itself decodes to the same changes */
    assert_ok(codec_decode_push_json(json, strlen(json), NULL, &out, &err),
              &err);
    assert_int_equal(out.n, in.n);
    for (size_t i = 0; i < in.n; i++)
        assert_change_eq(&in.v[i], &out.v[i], 1);
    batch_release(&out);
    free(json);
    free(body);
    batch_release(&in);
}

static void test_grouping_pull(void **state)
{
    struct sw_batch in;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct sw_change c;
    char *json;
    cJSON *root;
    int64_t h = H(1732230000000, 0);

    batch_init(&in);
    /* a pull groups regardless of seq */
    c = chg(SW_T_VISITS, U2, "mode", h, SITE, 50);
    set_text(&c, "online");
    put(&in, &c);
    c = chg(SW_T_VISITS, U2, "follow_up", h, SITE, 10);
    set_int(&c, 0);
    put(&in, &c);
    c = chg(SW_T_VISITS, U2, "next_visit_on", h, SITE, 99);
    set_text(&c, "2024-02-29");
    put(&in, &c);
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "rows")), 1);
    assert_int_equal(nkeys(row_at(root, 0), "f"), 3);
    assert_null(cJSON_GetObjectItemCaseSensitive(row_at(root, 0), "q"));
    cJSON_Delete(root);
    free(json);
    free(body);
    batch_release(&in);
}

/* ---- encoding refusals --------------------------------------------------- */

static void test_encode_refuses(void **state)
{
    struct sw_batch b;
    struct sw_change c;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    int64_t h = H(1732230000000, 0);

    batch_init(&b);
    strcpy(b.site, SITE);
    b.from = 1;
    b.to = 1;
    c = chg(SW_T_CASES, U1, "name", h, SITE, 1);
    set_text(&c, "x");
    put(&b, &c);
    assert_ok(codec_encode_push(&b, &body, &len, &err), &err);
    free(body);

    b.v[0].tbl = SW_NTABLES;
    body = (unsigned char *)"x";
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "table");
    assert_null(body);
    b.v[0].tbl = -1;
    assert_int_equal(codec_encode_pull(&b, &body, &len, &err), SW_EDATA);
    b.v[0].tbl = SW_T_CASES;

    b.v[0].col = sw_tables[SW_T_CASES].ncols;
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "column");
    b.v[0].col = -1;
    assert_int_equal(codec_encode_pull(&b, &body, &len, &err), SW_EDATA);
    b.v[0].col = col_of(SW_T_CASES, "name");

    /* a value the decoder would refuse */
    b.v[0].vtype = SW_V_INT;
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    b.v[0].vtype = SW_V_TEXT;
    b.v[0].text[0] = '\0'; /* name must not be empty */
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "cases.name");
    b.v[0].text[0] = 'x';

    /* seq outside from..to, bad range */
    b.v[0].seq = 6;
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "seq");
    assert_ok(codec_encode_pull(&b, &body, &len, &err), &err); /* no seq */
    free(body);
    b.v[0].seq = 1;
    b.from = 6;
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    b.from = 1;

    /* no version */
    b.v[0].ver.hlc = 0;
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    b.v[0].ver.hlc = h;
    b.site[0] = '\0';
    assert_int_equal(codec_encode_push(&b, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "site");
    batch_release(&b);
}

/* ---- decoding refusals --------------------------------------------------- */

#define TOP "'v':1,'site':'" SITE "','from':10,'to':11"
#define PUSH(rows) "{" TOP ",'rows':[" rows "]}"
/* a push whose changes are seqs from..to */
#define PUSH_SEQS(from, to, rows)                                              \
    "{'v':1,'site':'" SITE "','from':" from ",'to':" to ",'rows':[" rows "]}"
#define ROW(t, id, h, w, q, f)                                                 \
    "{'t':" t ",'id':" id ",'st':'A01','h':" h ",'w':" w ",'q':" q ",'f':{" f  \
    "}}"
#define RF(f) ROW("'cases'", "'" U1 "'", "'123456789'", "'" SITE "'", "10", f)
#define GOOD RF("'name':'x','gender':'male'")

struct bad_case {
    const char *json;
    int code;
    const char *want; /* in the message */
};

static const struct bad_case push_cases[] = {
    /* the anchor: the base body decodes */
    {PUSH(GOOD), 0, ""},
    /* authors */
    {PUSH_SEQS("10", "10",
               ROW("'cases'", "'" U1 "'", "'123456789','a':'x'", "'" SITE "'",
                   "10", "'name':'x'")),
     0, ""},
    {PUSH_SEQS("10", "10",
               ROW("'cases'", "'" U1 "'", "'123456789','a':5", "'" SITE "'",
                   "10", "'name':'x'")),
     SW_EDATA, "rows[0].a: not an author"},
    {PUSH_SEQS("10", "10",
               ROW("'cases'", "'" U1 "'", "'123456789','a':''", "'" SITE "'",
                   "10", "'name':'x'")),
     SW_EDATA, "rows[0].a: not an author"},
    {PUSH_SEQS("10", "10",
               ROW("'cases'", "'" U1 "'", "'123456789','a':'a\\tb'",
                   "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].a: not an author"},
    {PUSH_SEQS("10", "10",
               ROW("'cases'", "'" U1 "'", "'123456789','a':'x','a':'y'",
                   "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].a: duplicate key"},
    /* seqs must increase from row to row */
    {PUSH(GOOD "," GOOD), SW_EDATA, "rows[1].q: seq 10 does not follow 11"},
    /* no changes: the range says none either (issue 10: 1..1 with no rows
       crashed the server) */
    {PUSH(""), SW_EDATA, "no changes"},
    {PUSH_SEQS("1", "1", ""), SW_EDATA, "range 1..1 but no changes"},
    {PUSH_SEQS("0", "0", ""), 0, ""},
    /* the range is exactly the changes' seqs */
    {PUSH_SEQS("9", "11", GOOD), SW_EDATA, "does not match"},
    {PUSH_SEQS("10", "12", GOOD), SW_EDATA, "does not match"},
    /* a push carries the sender's own versions only */
    {PUSH(ROW("'cases'", "'" U1 "'", "'1'", "'" SITE2 "'", "10",
              "'name':'x','gender':'male'")),
     SW_EDATA, "a version of site " SITE2},
    /* not JSON */
    {"", SW_EDATA, "not JSON"},
    {"{", SW_EDATA, "not JSON"},
    {"hello", SW_EDATA, "not JSON"},
    {PUSH(GOOD) " x", SW_EDATA, "not JSON"},
    {PUSH(GOOD) "{}", SW_EDATA, "not JSON"},
    {PUSH(RF("'name':'\xff'")), SW_EDATA, "not JSON"},
    {PUSH(RF("'name':'\xe5\xbc'")), SW_EDATA, "not JSON"},
    {PUSH(RF("'name':'a\\u0000b'")), SW_EDATA, "not JSON"},
    {PUSH(RF("'name':'\\udc00'")), SW_EDATA, "not JSON"},
    {"[1,2]", SW_EDATA, "not a JSON object"},
    /* version */
    {"{'v':2,'site':'" SITE "','from':1,'to':2,'rows':[]}", SW_EDATA, "v:"},
    {"{'v':'1','site':'" SITE "','from':1,'to':2,'rows':[]}", SW_EDATA, "v:"},
    {"{'site':'" SITE "','from':1,'to':2,'rows':[]}", SW_EDATA, "v: missing"},
    {"{'v':1,'v':1,'site':'" SITE "','from':1,'to':2,'rows':[]}", SW_EDATA,
     "v: duplicate"},
    /* top level */
    {"{" TOP "}", SW_EDATA, "rows: missing"},
    {"{" TOP ",'rows':{}}", SW_EDATA, "rows: not an array"},
    {"{'v':1,'site':'-bad','from':1,'to':2,'rows':[]}", SW_EDATA, "site:"},
    {"{'v':1,'from':1,'to':2,'rows':[]}", SW_EDATA, "site: missing"},
    {"{'v':1,'site':'" SITE "','from':-1,'to':2,'rows':[]}", SW_EDATA, "from:"},
    {"{'v':1,'site':'" SITE "','from':1.5,'to':2,'rows':[]}", SW_EDATA,
     "from:"},
    {"{'v':1,'site':'" SITE "','from':3,'to':2,'rows':[]}", SW_EDATA, "to:"},
    {"{'v':1,'site':'" SITE "','from':1,'to':9007199254740992,'rows':[]}",
     SW_EDATA, "to:"},
    {"{'v':1,'site':'" SITE "','from':1,'to':'2','rows':[]}", SW_EDATA, "to:"},
    /* rows */
    {PUSH("1"), SW_EDATA, "rows[0]: not an object"},
    {PUSH(GOOD ",[]"), SW_EDATA, "rows[1]: not an object"},
    {PUSH(ROW("'nope'", "'" U1 "'", "'1'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].t: not a table: 'nope'"},
    {PUSH(ROW("1", "'" U1 "'", "'1'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].t"},
    {PUSH(ROW("'cases'", "'" U1 "x'", "'1'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].id"},
    {PUSH(ROW("'cases'", "'0190A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B'", "'1'",
              "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].id"},
    {PUSH(ROW("'cases'", "'" U1 "'", "123456789", "'" SITE "'", "10",
              "'name':'x'")),
     SW_EDATA, "rows[0].h: not an hlc string"},
    {PUSH(
         ROW("'cases'", "'" U1 "'", "'12x'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].h: not an hlc"},
    {PUSH(ROW("'cases'", "'" U1 "'", "'0'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].h"},
    {PUSH(ROW("'cases'", "'" U1 "'", "'-5'", "'" SITE "'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].h"},
    {PUSH(ROW("'cases'", "'" U1 "'", "'9223372036854775808'", "'" SITE "'",
              "10", "'name':'x'")),
     SW_EDATA, "rows[0].h"},
    {PUSH(ROW("'cases'", "'" U1 "'", "'1'", "'bad site'", "10", "'name':'x'")),
     SW_EDATA, "rows[0].w"},
    {PUSH(ROW("'cases'", "'" U1 "'", "'1'", "''", "10", "'name':'x'")),
     SW_EDATA, "rows[0].w"},
    {PUSH(
         ROW("'cases'", "'" U1 "'", "'1'", "'" SITE "'", "'10'", "'name':'x'")),
     SW_EDATA, "rows[0].q"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','f':{'name':'x'}}"),
     SW_EDATA, "rows[0].q: missing"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'-A','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].st"},
    {PUSH("{'t':'cases','id':'" U1 "','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].st: missing"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'z':1}"),
     SW_EDATA, "rows[0]: unexpected key 'z'"},
    {PUSH("{'t':'cases','t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].t: duplicate"},
    /* f */
    {PUSH(RF("")), SW_EDATA, "rows[0].f"},
    {PUSH(RF("'nope':1")), SW_EDATA, "rows[0].f.nope: not a column"},
    {PUSH(RF("'case_id':'" U1 "'")), SW_EDATA, "rows[0].f.case_id"},
    {PUSH(RF("'gender':'male','gender':'female'")), SW_EDATA,
     "rows[0].f.gender: duplicate"},
    {PUSH(RF("'gender':1")), SW_EDATA, "rows[0].f.gender: not a string"},
    {PUSH(RF("'gender':true")), SW_EDATA, "rows[0].f.gender"},
    {PUSH(RF("'gender':['male']")), SW_EDATA, "rows[0].f.gender"},
    {PUSH(RF("'gender':'x'")), SW_EDATA, "rows[0].f.gender: 'x' is not one"},
    {PUSH(RF("'name':null")), SW_EDATA, "rows[0].f.name: is required"},
    {PUSH(RF("'name':''")), SW_EDATA, "rows[0].f.name"},
    {PUSH(RF("'birth_date':'2023-02-29'")), SW_EDATA, "rows[0].f.birth_date"},
    {PUSH(RF("'id_number':'110105194912310021'")), SW_EDATA,
     "rows[0].f.id_number: check digit"},
    {PUSH(RF("'deleted':'1'")), SW_EDATA, "rows[0].f.deleted: not an integer"},
    {PUSH(RF("'deleted':2")), SW_EDATA, "rows[0].f.deleted: must be 0 or 1"},
    {PUSH(RF("'deleted':null")), SW_EDATA, "rows[0].f.deleted: cannot be null"},
    {PUSH(RF("'deleted':0.5")), SW_EDATA, "rows[0].f.deleted"},
    {PUSH(RF("'deleted':1e300")), SW_EDATA, "rows[0].f.deleted"},
    {PUSH_SEQS("10", "13",
               GOOD "," ROW("'cases'", "'" U1 "'", "'123456789'", "'" SITE "'",
                            "12", "'name':'y','gender':'x'")),
     SW_EDATA, "rows[1].f.gender"},
    /* b */
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'gender':'5@" SITE "'}}"),
     SW_EDATA, "rows[0].b.gender: not a key of f"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'name':5}}"),
     SW_EDATA, "rows[0].b.name"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'name':'5'}}"),
     SW_EDATA, "rows[0].b.name"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'name':'0@" SITE "'}}"),
     SW_EDATA, "rows[0].b.name"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'name':'5@'}}"),
     SW_EDATA, "rows[0].b.name"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':[]}"),
     SW_EDATA, "rows[0].b"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'},'b':{'name':'5@" SITE "','name':'6@" SITE
          "'}}"),
     SW_EDATA, "rows[0].b.name: duplicate"},
/* seq */
#define Q(from, to, q, f)                                                      \
    PUSH_SEQS(from, to, ROW("'cases'", "'" U1 "'", "'1'", "'" SITE "'", q, f))
    {Q("10", "20", "9", "'name':'x'"), SW_EDATA, "rows[0].q"},
    {Q("10", "20", "21", "'name':'x'"), SW_EDATA, "rows[0].q"},
    {Q("20", "20", "20", "'name':'x'"), 0, ""},
    {Q("10", "20", "20", "'name':'x'"), SW_EDATA, "does not match"},
    {Q("19", "20", "19", "'name':'x','gender':'male'"), 0, ""},
    {Q("10", "20", "20", "'name':'x','gender':'male'"), SW_EDATA,
     "rows[0].q: seq 20..21 is outside 10..20"},
    {Q("10", "20", "-1", "'name':'x'"), SW_EDATA, "rows[0].q"},
#undef Q
    /* what a row leaves out is the previous row's; the first has none */
    {PUSH_SEQS("10", "12", GOOD ",{'id':'" U3 "','d':5,'f':{'name':'y'}}"), 0,
     ""},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','d':-123456788,'f':{'name':'y'}}"),
     0, ""},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','d':-123456789,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].d: hlc out of range"},
    {PUSH_SEQS("10", "12", GOOD ",{'id':'" U3 "','d':'5','f':{'name':'y'}}"),
     SW_EDATA, "rows[1].d: not an integer"},
    {PUSH_SEQS("10", "12", GOOD ",{'id':'" U3 "','d':0.5,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].d: not an integer"},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','d':9007199254740992,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].d: not an integer"},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','h':'5','d':5,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1]: both h and d"},
    {PUSH_SEQS("10", "12", GOOD ",{'id':'" U3 "','f':{'name':'y'}}"), SW_EDATA,
     "rows[1].h: missing"},
    {PUSH(GOOD ",{'d':5,'f':{'name':'y'}}"), SW_EDATA, "rows[1].id: missing"},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','st':'-A','d':5,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].st"},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','w':'bad site','d':5,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].w"},
    {PUSH_SEQS("10", "12",
               GOOD ",{'id':'" U3 "','t':'visits','d':5,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].f.name: not a column of visits"},
    {PUSH_SEQS("10", "20",
               ROW("'cases'", "'" U1 "'", "'123456789'", "'" SITE "'", "19",
                   "'name':'x','gender':'male'") ",{'id':'" U3
                                                 "','d':1,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].q: seq 21..21 is outside 10..20"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','d':1,'w':'" SITE
          "','q':10,'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].d: no row before it"},
    {PUSH("{'id':'" U1 "','st':'A01','h':'1','w':'" SITE
          "','q':10,'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].t: missing"},
    {PUSH("{'t':'cases','id':'" U1 "','st':'A01','h':'1','q':10,"
          "'f':{'name':'x'}}"),
     SW_EDATA, "rows[0].w: missing"},
    {PUSH("{'t':'cases','id':'" U1
          "','st':'A01','h':'9223372036854775000','w':'" SITE
          "','q':10,'f':{'name':'x'}},{'id':'" U3
          "','d':1000,'f':{'name':'y'}}"),
     SW_EDATA, "rows[1].d: hlc out of range"},
};

static const struct bad_case pull_cases[] = {
    {"{'v':1,'cursor':5,'more':true,'rows':[" GOOD "]}", 0, ""},
    {"{'v':1,'cursor':5,'more':true,'rows':[]}", 0, ""},
    {"{'v':1,'more':true,'rows':[]}", SW_EDATA, "cursor: missing"},
    {"{'v':1,'cursor':-1,'more':true,'rows':[]}", SW_EDATA, "cursor:"},
    {"{'v':1,'cursor':'5','more':true,'rows':[]}", SW_EDATA, "cursor:"},
    {"{'v':1,'cursor':5,'rows':[]}", SW_EDATA, "more: missing"},
    {"{'v':1,'cursor':5,'more':1,'rows':[]}", SW_EDATA, "more:"},
    {"{'v':1,'cursor':5,'more':false}", SW_EDATA, "rows: missing"},
    {"{'v':0,'cursor':5,'more':false,'rows':[]}", SW_EDATA, "v:"},
    {"{'v':1,'cursor':5,'more':false,'rows':[{'t':'cases','id':'" U1
     "','st':'A01','h':1,'w':'" SITE "','f':{'name':'x'}}]}",
     SW_EDATA, "rows[0].h: not an hlc string"},
    {"{'v':1,'cursor':5,'more':false,'rows':[{'t':'cases','id':'" U1
     "','st':'A01','h':'1','w':'" SITE "','f':{'gender':'x'}}]}",
     SW_EDATA, "rows[0].f.gender"},
};

static void run_cases(const struct bad_case *cases, size_t n, int push)
{
    for (size_t i = 0; i < n; i++) {
        char *json = J(cases[i].json);
        struct sw_batch b;
        struct sw_err err;
        int rc;

        sw_err_clear(&err);
        rc = push ? codec_decode_push_json(json, strlen(json), NULL, &b, &err)
                  : codec_decode_pull_json(json, strlen(json), NULL, &b, &err);
        if (rc != cases[i].code)
            fail_msg("case %zu (%s): got %d (%s), want %d", i, json, rc,
                     err.msg, cases[i].code);
        if (rc) {
            assert_int_equal(err.code, rc);
            if (!strstr(err.msg, cases[i].want))
                fail_msg("case %zu (%s): message '%s' lacks '%s'", i, json,
                         err.msg, cases[i].want);
            assert_released(&b);
        }
        batch_release(&b);

        /* the same body deflated gives the same answer */
        {
            unsigned char *z = NULL;
            size_t zlen = 0;
            struct sw_err err2;
            assert_int_equal(
                codec_deflate(json, strlen(json), &z, &zlen, &err2), 0);
            rc = push ? codec_decode_push(z, zlen, NULL, &b, &err2)
                      : codec_decode_pull(z, zlen, NULL, &b, &err2);
            assert_int_equal(rc, cases[i].code);
            if (rc)
                assert_string_equal(err2.msg, err.msg);
            batch_release(&b);
            free(z);
        }
        free(json);
    }
}

/* A row that leaves out t, st, w, q and says d takes them from the one
** before; an encoded batch decodes to the same changes whatever it left
** out. */
static void test_decode_inherits(void **state)
{
    char *json = J(PUSH_SEQS("10", "14",
                             GOOD ",{'id':'" U3 "','d':-23,'f':{'name':'y',"
                                  "'gender':'female'}},{'id':'" U1
                                  "','w':'" SITE "','q':14,'d':0,"
                                  "'f':{'notes':null}}"));
    struct sw_batch b;
    struct sw_err err;

    (void)state;
    assert_ok(codec_decode_push_json(json, strlen(json), NULL, &b, &err), &err);
    assert_int_equal(b.n, 5);
    for (size_t i = 2; i < 5; i++) {
        assert_int_equal(b.v[i].tbl, SW_T_CASES);
        assert_string_equal(b.v[i].station, "A01");
    }
    assert_string_equal(b.v[2].id, U3);
    assert_int_equal(b.v[2].ver.hlc, 123456789 - 23);
    assert_string_equal(b.v[2].ver.site, SITE);
    assert_int_equal(b.v[2].seq, 12); /* follows on from 10, 11 */
    assert_int_equal(b.v[3].seq, 13);
    assert_string_equal(b.v[4].id, U1);
    assert_int_equal(b.v[4].ver.hlc, 123456789 - 23);
    assert_string_equal(b.v[4].ver.site, SITE);
    assert_int_equal(b.v[4].seq, 14);
    assert_int_equal(b.v[4].vtype, SW_V_NULL);
    batch_release(&b);
    free(json);
}

/*
** Authors: a row says "a" only when its author differs from the row
** before's (null when it has none after one that had); a version's fields
** with two authors are two rows; a body without "a" has no authors.
*/
static void test_author_roundtrip(void **state)
{
    struct sw_batch in, out;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct sw_change c;
    char *json;
    cJSON *root;
    int64_t h1 = H(1732230000000, 0), h2 = H(1732230000000, 1);
    static const char *const want[] = {"张三", NULL, "-", NULL, "李四", "-"};

    (void)state;
    batch_init(&in);
    strcpy(in.site, SITE);
    in.from = 1;
    in.to = 7;
    c = chg(SW_T_CASES, U1, "name", h1, SITE, 1); /* row 0: 张三 */
    set_text(&c, "王五");
    c.author = strdup("张三");
    put(&in, &c);
    c = chg(SW_T_CASES, U1, "notes", h1, SITE, 2);
    c.author = strdup("张三");
    put(&in, &c);
    c = chg(SW_T_CASES, U2, "notes", h2, SITE, 3); /* row 1: 张三 again */
    c.author = strdup("张三");
    put(&in, &c);
    c = chg(SW_T_CASES, U3, "notes", h2, SITE, 4); /* row 2: nobody */
    put(&in, &c);
    c = chg(SW_T_CASES, U1, "phone", h2, SITE, 5); /* row 3: nobody */
    put(&in, &c);
    c = chg(SW_T_CASES, U1, "village", h2, SITE, 6); /* row 4: same version, */
    c.author = strdup("李四");                       /* another author */
    put(&in, &c);
    c = chg(SW_T_CASES, U2, "phone", h2, SITE, 7); /* row 5: nobody */
    put(&in, &c);

    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    root = cJSON_Parse(json);
    assert_non_null(root);
    assert_int_equal(
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(root, "rows")), 6);
    for (int i = 0; i < 6; i++) {
        const cJSON *a = cJSON_GetObjectItemCaseSensitive(row_at(root, i), "a");
        if (want[i] && strcmp(want[i], "-") == 0) {
            assert_true(cJSON_IsNull(a));
        } else if (want[i]) {
            assert_true(cJSON_IsString(a));
            assert_string_equal(a->valuestring, want[i]);
        } else {
            assert_null(a); /* left out: the row before's */
        }
    }
    cJSON_Delete(root);
    free(json);
    assert_ok(codec_decode_push(body, len, NULL, &out, &err), &err);
    assert_int_equal(out.n, in.n);
    for (size_t i = 0; i < in.n; i++)
        assert_change_eq(&in.v[i], &out.v[i], 1);
    batch_release(&out);
    free(body);

    /* a pull carries them too */
    in.cursor = 9;
    assert_ok(codec_encode_pull(&in, &body, &len, &err), &err);
    assert_ok(codec_decode_pull(body, len, NULL, &out, &err), &err);
    for (size_t i = 0; i < in.n; i++)
        assert_change_eq(&in.v[i], &out.v[i], 0);
    batch_release(&out);
    free(body);

    /* a bad author is not sent */
    free(in.v[0].author);
    in.v[0].author = strdup("a\nb");
    assert_int_equal(codec_encode_push(&in, &body, &len, &err), SW_EDATA);
    assert_msg_has(&err, "author");
    batch_release(&in);

    /* a body from before authors: nobody wrote anything */
    json = J(
        PUSH_SEQS("10", "12", GOOD ",{'id':'" U3 "','d':1,'f':{'name':'y'}}"));
    assert_ok(codec_decode_push_json(json, strlen(json), NULL, &out, &err),
              &err);
    for (size_t i = 0; i < out.n; i++)
        assert_null(out.v[i].author);
    batch_release(&out);
    free(json);

    /* inherited from the row before, and cleared by null */
    json = J(PUSH_SEQS("10", "12",
                       "{'t':'cases','id':'" U1
                       "','st':'A01','h':'123456789','w':'" SITE
                       "','q':10,'a':'赵六','f':{'name':'x'}},"
                       "{'id':'" U2 "','d':1,'f':{'name':'y'}},"
                       "{'id':'" U3 "','d':1,'a':null,'f':{'name':'z'}}"));
    assert_ok(codec_decode_push_json(json, strlen(json), NULL, &out, &err),
              &err);
    assert_int_equal(out.n, 3);
    assert_string_equal(out.v[0].author, "赵六");
    assert_string_equal(out.v[1].author, "赵六");
    assert_null(out.v[2].author);
    batch_release(&out);
    free(json);
}

static void test_decode_refuses_push(void **state)
{
    run_cases(push_cases, sizeof(push_cases) / sizeof(push_cases[0]), 1);
}

static void test_decode_refuses_pull(void **state)
{
    run_cases(pull_cases, sizeof(pull_cases) / sizeof(pull_cases[0]), 0);
}

/* An embedded NUL byte in the text (not an escape) is not JSON either. */
static void test_decode_nul_byte(void **state)
{
    char *json = J(PUSH_SEQS("10", "10", RF("'name':'ab'")));
    char *p = strstr(json, "ab");
    struct sw_batch b;
    struct sw_err err;
    size_t n = strlen(json);

    assert_ok(codec_decode_push_json(json, n, NULL, &b, &err), &err);
    batch_release(&b);
    p[1] = '\0';
    assert_int_equal(codec_decode_push_json(json, n, NULL, &b, &err), SW_EDATA);
    assert_msg_has(&err, "not JSON");
    assert_released(&b);
    free(json);
}

/* Bodies that are broken as streams, through the decoder. */
static void test_decode_bad_stream(void **state)
{
    struct sw_batch in, b;
    unsigned char *body = NULL, *z2;
    size_t len = 0;
    struct sw_err err;

    sample_batch(&in);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    batch_release(&in);

    assert_int_equal(codec_decode_push(body, len - 3, NULL, &b, &err),
                     SW_EDATA);
    assert_msg_has(&err, "truncated");
    assert_released(&b);
    assert_int_equal(codec_decode_push(body, len / 2, NULL, &b, &err),
                     SW_EDATA);
    assert_released(&b);

    z2 = malloc(len + 4);
    assert_non_null(z2);
    memcpy(z2, body, len);
    memcpy(z2 + len, "junk", 4);
    assert_int_equal(codec_decode_push(z2, len + 4, NULL, &b, &err), SW_EDATA);
    assert_msg_has(&err, "after");
    assert_released(&b);

    z2[len / 2] ^= 0xa5;
    assert_int_equal(codec_decode_push(z2, len, NULL, &b, &err), SW_EDATA);
    assert_released(&b);

    /* a stream of something that is not UTF-8 */
    free(body);
    assert_ok(codec_deflate("\xc0\xaf", 2, &body, &len, &err), &err);
    assert_int_equal(codec_decode_pull(body, len, NULL, &b, &err), SW_EDATA);
    assert_msg_has(&err, "not JSON");
    free(body);
    free(z2);
}

/* ---- limits -------------------------------------------------------------- */

static void test_limit_compressed(void **state)
{
    struct sw_batch in, b;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct codec_limits lim = codec_default_limits;

    sample_batch(&in);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    lim.max_compressed = len;
    assert_ok(codec_decode_push(body, len, &lim, &b, &err), &err);
    assert_int_equal(b.n, in.n);
    batch_release(&b);
    lim.max_compressed = len - 1;
    assert_int_equal(codec_decode_push(body, len, &lim, &b, &err), SW_ETOOBIG);
    assert_int_equal(err.code, SW_ETOOBIG);
    assert_released(&b);

    /* the default: 4 MiB */
    assert_int_equal(codec_default_limits.max_compressed, 4u << 20);
    {
        size_t big = (4u << 20) + 1;
        unsigned char *junk = calloc(1, big);
        assert_non_null(junk);
        assert_int_equal(codec_decode_push(junk, big, NULL, &b, &err),
                         SW_ETOOBIG);
        assert_released(&b);
        free(junk);
    }
    free(body);
    batch_release(&in);
}

static void test_limit_inflated(void **state)
{
    struct sw_batch in, b;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct codec_limits lim = codec_default_limits;
    char *json;
    size_t jlen;

    sample_batch(&in);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    json = inflate_json(body, len);
    jlen = strlen(json);

    lim.max_inflated = jlen;
    assert_ok(codec_decode_push(body, len, &lim, &b, &err), &err);
    batch_release(&b);
    assert_ok(codec_decode_push_json(json, jlen, &lim, &b, &err), &err);
    batch_release(&b);

    lim.max_inflated = jlen - 1;
    assert_int_equal(codec_decode_push(body, len, &lim, &b, &err), SW_ETOOBIG);
    assert_released(&b);
    assert_int_equal(codec_decode_push_json(json, jlen, &lim, &b, &err),
                     SW_ETOOBIG);
    assert_released(&b);

    free(json);
    free(body);
    batch_release(&in);
}

static void test_limit_changes(void **state)
{
    struct sw_batch in, b;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    struct codec_limits lim = codec_default_limits;

    sample_batch(&in);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    lim.max_changes = in.n;
    assert_ok(codec_decode_push(body, len, &lim, &b, &err), &err);
    assert_int_equal(b.n, in.n);
    batch_release(&b);
    lim.max_changes = in.n - 1;
    assert_int_equal(codec_decode_push(body, len, &lim, &b, &err), SW_ETOOBIG);
    assert_msg_has(&err, "changes");
    assert_released(&b);
    lim.max_changes = 0;
    assert_int_equal(codec_decode_push(body, len, &lim, &b, &err), SW_ETOOBIG);
    assert_released(&b);
    free(body);
    batch_release(&in);
}

/* Many rows: the default limit of changes, and a push one over it. */
static void test_limit_changes_default(void **state)
{
    struct sw_batch in, b;
    unsigned char *body = NULL;
    size_t len = 0;
    struct sw_err err;
    size_t n = codec_default_limits.max_changes;

    assert_int_equal(n, 20000);
    batch_init(&in);
    strcpy(in.site, SITE);
    in.from = 1;
    in.to = (int64_t)n + 1;
    for (size_t i = 0; i <= n; i++) {
        /* one change per row: alternate versions so nothing groups */
        struct sw_change c =
            chg(SW_T_VISITS, U2, "follow_up", H(1732230000000, (int)(i % 2)),
                SITE, (int64_t)i + 1);
        set_int(&c, (int64_t)(i % 2));
        put(&in, &c);
    }
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    assert_int_equal(codec_decode_push(body, len, NULL, &b, &err), SW_ETOOBIG);
    assert_msg_has(&err, "rows[20000]");
    assert_released(&b);
    free(body);

    in.n--; /* exactly the limit */
    in.to = (int64_t)n;
    change_release(&in.v[in.n]);
    assert_ok(codec_encode_push(&in, &body, &len, &err), &err);
    assert_ok(codec_decode_push(body, len, NULL, &b, &err), &err);
    assert_int_equal(b.n, n);
    batch_release(&b);
    free(body);
    batch_release(&in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deflate_inflate_roundtrip),
        cmocka_unit_test(test_inflate_bound_exact),
        cmocka_unit_test(test_inflate_truncated),
        cmocka_unit_test(test_inflate_corrupt),
        cmocka_unit_test(test_inflate_trailing_garbage),
        cmocka_unit_test(test_inflate_zip_bomb),
        cmocka_unit_test(test_roundtrip_push),
        cmocka_unit_test(test_roundtrip_pull),
        cmocka_unit_test(test_pull_erase),
        cmocka_unit_test(test_pull_links),
        cmocka_unit_test(test_decode_handwritten),
        cmocka_unit_test(test_decode_seen),
        cmocka_unit_test(test_grouping_push),
        cmocka_unit_test(test_grouping_pull),
        cmocka_unit_test(test_decode_inherits),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_decode_refuses_push),
        cmocka_unit_test(test_decode_refuses_pull),
        cmocka_unit_test(test_decode_nul_byte),
        cmocka_unit_test(test_decode_bad_stream),
        cmocka_unit_test(test_author_roundtrip),
        cmocka_unit_test(test_limit_compressed),
        cmocka_unit_test(test_limit_inflated),
        cmocka_unit_test(test_limit_changes),
        cmocka_unit_test(test_limit_changes_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

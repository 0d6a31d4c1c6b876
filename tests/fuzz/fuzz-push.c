/*
** fuzz-push.c — a station's push body, decoded and applied to a county
** store (what POST /v1/push does after the token check): the codec's
** decoder, batch_check, and store_apply_push with the merge rule.
**
** Input: the push's JSON, or (first byte 0x78, a zlib header) the
** deflated body as it travels.  The sender is the replica the push
** names, registered for the station its site id begins with; the store
** already holds a case of station B02 (FUZZ_B02_CASE), so the refusals of
** another station's records are reached too.  The store goes back to its
** first state after each input.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fixture.h"
#include "store.h"

/* A case of another station, in the store from the start (a seed in
** tests/fuzz/corpus/push names it). */
#define FUZZ_B02_CASE "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"

static struct fixture F;
static struct store S;

/* Small bounds keep one input fast; the rules are the same. */
static const struct codec_limits LIM = {
    .max_compressed = 256u << 10,
    .max_inflated = 1u << 20,
    .max_changes = 2000,
};

static void setup(void)
{
    static const char b02[] =
        "{\"v\":1,\"site\":\"B02-fuzz\",\"from\":1,\"to\":3,\"rows\":[{\"t\":"
        "\"cases\",\"id\":\"" FUZZ_B02_CASE "\",\"st\":\"B02\",\"h\":"
        "\"117637869120307200\",\"w\":\"B02-fuzz\",\"q\":1,\"f\":{\"name\":"
        "\"x\",\"category\":\"other\",\"status\":\"open\"}}]}";
    struct sw_batch b;
    struct push_result res;
    struct sw_err err;

    memset(&err, 0, sizeof(err));
    fixture_open(&F, SW_ROLE_COUNTY);
    if (store_open(&S, F.db, &err) ||
        store_add_site(&S, "B02", "B02-fuzz", &err))
        fixture_die("county store", &err);
    if (codec_decode_push_json(b02, strlen(b02), NULL, &b, &err) ||
        store_apply_push(&S, "B02", "B02-fuzz", &b, &res, &err))
        fixture_die("B02's case", &err);
    batch_release(&b);
    fixture_snapshot(&F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_batch b;
    struct push_result res;
    struct sw_err err;
    char station[SW_CODE_MAX + 1];
    const char *dash;
    int rc, wrote = 0;

    if (!F.db)
        setup();
    memset(&err, 0, sizeof(err));
    if (size > 0 && data[0] == 0x78)
        rc = codec_decode_push(data, size, &LIM, &b, &err);
    else
        rc = codec_decode_push_json((const char *)data, size, &LIM, &b, &err);
    if (rc == 0) {
        /* the token's replica: the site the push names, of the station
           its id begins with (else the push is refused before the store
           is read, which the decoder alone covers) */
        dash = strchr(b.site, '-');
        if (dash && (size_t)(dash - b.site) <= SW_CODE_MAX) {
            memcpy(station, b.site, (size_t)(dash - b.site));
            station[dash - b.site] = '\0';
            if (sw_code_valid(station) && strcmp(station, "B02") != 0 &&
                store_add_site(&S, station, b.site, &err) == 0) {
                wrote = 1;
                rc = store_apply_push(&S, station, b.site, &b, &res, &err);
                if (rc == 0 && (res.acked < b.to || res.applied < 0))
                    abort(); /* an applied push acknowledges its range */
            }
        }
    } else if (b.n != 0 || b.v) {
        abort(); /* a refused batch is released */
    }
    batch_release(&b);
    if (wrote)
        fixture_reset(&F);
    return 0;
}

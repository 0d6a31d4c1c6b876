#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "exchange.h"

int exchange_push(struct replica *r, struct store *s, size_t limit,
                  int drop_ack, struct push_result *res, size_t *sent,
                  struct sw_err *err)
{
    struct sw_batch out, in;
    struct push_result pr;
    unsigned char *wire = NULL;
    size_t wlen = 0;
    int rc;

    batch_init(&out);
    batch_init(&in);
    memset(&pr, 0, sizeof(pr));
    if (sent)
        *sent = 0;
    rc = replica_seal(r, NULL, err);
    if (!rc)
        rc = replica_read_pending(r, 0, limit, &out, err);
    if (rc || out.n == 0)
        goto out;
    if (sent)
        *sent = out.n;
    rc = codec_encode_push(&out, &wire, &wlen, err);
    if (!rc)
        rc = codec_decode_push(wire, wlen, NULL, &in, err);
    if (!rc)
        rc = store_apply_push(s, r->station, r->site, &in, &pr, err);
    if (!rc && !drop_ack)
        rc = replica_ack(r, pr.acked, err);
out:
    if (res)
        *res = pr;
    free(wire);
    batch_release(&out);
    batch_release(&in);
    return rc;
}

int exchange_pull(struct store *s, struct replica *r, size_t limit, int times,
                  int *more, size_t *got, struct sw_err *err)
{
    struct sw_batch out, in;
    unsigned char *wire = NULL;
    size_t wlen = 0;
    int64_t cursor = 0;
    int rc;

    batch_init(&out);
    batch_init(&in);
    rc = replica_cursor(r, &cursor, err);
    if (!rc)
        rc = store_read_pull(s, r->station, r->site, cursor, limit, &out, err);
    if (!rc)
        rc = codec_encode_pull(&out, &wire, &wlen, err);
    if (!rc)
        rc = codec_decode_pull(wire, wlen, NULL, &in, err);
    for (int i = 0; !rc && i < times; i++)
        rc = replica_apply_pull(r, &in, NULL, err);
    if (more)
        *more = !rc && in.more;
    if (got)
        *got = in.n;
    free(wire);
    batch_release(&out);
    batch_release(&in);
    return rc;
}

int exchange_sync(struct replica *r, struct store *s, struct sw_err *err)
{
    size_t sent = 1;
    int more = 1, rc = 0;

    while (!rc && sent > 0)
        rc = exchange_push(r, s, 500, 0, NULL, &sent, err);
    while (!rc && more)
        rc = exchange_pull(s, r, 500, 1, &more, NULL, err);
    return rc;
}

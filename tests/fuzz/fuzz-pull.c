/*
** fuzz-pull.c — a county's pull answer, decoded and applied to a
** station's replica (what `swsync sync` does with GET /v1/pull): the
** codec's decoder, batch_check, and replica_apply_pull with the merge
** rule, the outbox sealed first.
**
** Input: the answer's JSON, or (first byte 0x78, a zlib header) the
** deflated body as it travels.  The replica is station A01's (site
** A01-fuzz) and holds a case with an unsent edit, so pulled changes meet
** local ones.  It goes back to its first state after each input.
*/
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "db.h"
#include "fixture.h"
#include "replica.h"

static struct fixture F;
static struct replica R;

static const struct codec_limits LIM = {
    .max_compressed = 256u << 10,
    .max_inflated = 1u << 20,
    .max_changes = 2000,
};

static void setup(void)
{
    struct sw_err err;
    long n = 0;

    memset(&err, 0, sizeof(err));
    fixture_open(&F, SW_ROLE_STATION);
    if (replica_open(&R, F.db, &err))
        fixture_die("replica", &err);
    /* one record sealed, one edit of it not yet */
    if (db_exec(F.db,
                "INSERT INTO cases (id, name, category, status) VALUES "
                "('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a6c', 'fuzz', 'other', "
                "'open')",
                &err) ||
        replica_seal(&R, &n, &err) ||
        db_exec(F.db,
                "UPDATE cases SET phone = '12345' WHERE id = "
                "'0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a6c'",
                &err))
        fixture_die("a local case", &err);
    fixture_snapshot(&F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sw_batch b;
    struct merge_stats st;
    struct sw_err err;
    int rc;

    if (!F.db)
        setup();
    memset(&err, 0, sizeof(err));
    if (size > 0 && data[0] == 0x78)
        rc = codec_decode_pull(data, size, &LIM, &b, &err);
    else
        rc = codec_decode_pull_json((const char *)data, size, &LIM, &b, &err);
    if (rc == 0) {
        rc = replica_apply_pull(&R, &b, &st, &err);
        if (R.bulk && replica_pull_end(&R, &err))
            fixture_die("indexes back", &err);
        batch_release(&b);
        fixture_reset(&F);
    } else if (b.n != 0 || b.v) {
        abort(); /* a refused batch is released */
    }
    return 0;
}

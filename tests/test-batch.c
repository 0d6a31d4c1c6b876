/*
** test-batch.c — batch_check(), the one rule for a consistent batch
** (change.h): every way a push or pull batch can be inconsistent is
** refused with SW_EDATA, and what the agent really sends passes.
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
#include <string.h>

#include "change.h"
#include "sw.h"
#include "table.h"

#define U1 "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
#define SITE "A01-k3x9qz"

static struct sw_change v[3];

/* A push of three changes, seqs 5, 6, 9, all of SITE. */
static struct sw_batch push3(void)
{
    struct sw_batch b;
    batch_init(&b);
    memset(v, 0, sizeof(v));
    for (int i = 0; i < 3; i++) {
        v[i].tbl = SW_T_CASES;
        snprintf(v[i].id, sizeof(v[i].id), "%s", U1);
        snprintf(v[i].station, sizeof(v[i].station), "A01");
        v[i].col = i;
        v[i].vtype = SW_V_NULL;
        v[i].ver.hlc = 1000 + i;
        snprintf(v[i].ver.site, sizeof(v[i].ver.site), "%s", SITE);
    }
    v[0].seq = 5;
    v[1].seq = 6;
    v[2].seq = 9;
    snprintf(b.site, sizeof(b.site), "%s", SITE);
    b.v = v; /* not batch_release()d: v is static */
    b.n = 3;
    b.from = 5;
    b.to = 9;
    return b;
}

static void refused(const struct sw_batch *b, int push, const char *want)
{
    struct sw_err err;
    sw_err_clear(&err);
    assert_int_equal(batch_check(b, push, &err), SW_EDATA);
    assert_int_equal(err.code, SW_EDATA);
    if (!strstr(err.msg, want))
        fail_msg("message '%s' lacks '%s'", err.msg, want);
}

static void test_good_push(void **state)
{
    struct sw_batch b = push3();
    struct sw_err err;
    (void)state;
    assert_int_equal(batch_check(&b, 1, &err), 0);
    b.n = 0; /* nothing pending: 0..0 */
    b.from = b.to = 0;
    assert_int_equal(batch_check(&b, 1, &err), 0);
}

static void test_empty_with_range(void **state)
{
    struct sw_batch b = push3();
    (void)state;
    b.n = 0;
    b.from = b.to = 1; /* the body that crashed the county (issue 10) */
    refused(&b, 1, "range 1..1 but no changes");
    b.from = 0;
    refused(&b, 1, "range 0..1 but no changes");
    b.v = NULL; /* an empty batch as batch_init leaves it */
    refused(&b, 1, "no changes");
}

static void test_range_vs_rows(void **state)
{
    struct sw_batch b = push3();
    (void)state;
    b.from = 4;
    refused(&b, 1, "does not match");
    b.from = 5;
    b.to = 10;
    refused(&b, 1, "does not match");
    b.from = 6;
    b.to = 5;
    refused(&b, 1, "bad seq range");
    b.from = -1;
    refused(&b, 1, "bad seq range");
    b.from = 5;
    b.to = INT64_C(9007199254740992);
    v[2].seq = b.to;
    refused(&b, 1, "bad seq range");
    b.v = NULL;
    refused(&b, 1, "none there");
}

static void test_seq_order(void **state)
{
    struct sw_batch b = push3();
    (void)state;
    v[1].seq = 5;
    refused(&b, 1, "changes[1]: seq 5 does not follow 5");
    v[1].seq = 10;
    refused(&b, 1, "changes[2]: seq 9 does not follow 10");
}

static void test_sites(void **state)
{
    struct sw_batch b = push3();
    (void)state;
    snprintf(v[1].ver.site, sizeof(v[1].ver.site), "COUNTY");
    refused(&b, 1, "changes[1]: a version of site COUNTY");
    snprintf(v[1].ver.site, sizeof(v[1].ver.site), "-bad");
    refused(&b, 1, "changes[1]: bad version");
    b = push3();
    b.site[0] = '\0';
    refused(&b, 1, "push: bad site");
}

static void test_change_shape(void **state)
{
    struct sw_batch b = push3();
    (void)state;
    v[2].tbl = SW_NTABLES;
    refused(&b, 1, "changes[2]: bad table index");
    v[2].tbl = -1;
    refused(&b, 0, "changes[2]: bad table index");
    b = push3();
    v[0].col = sw_tables[SW_T_CASES].ncols;
    refused(&b, 1, "changes[0]: bad column index");
    b = push3();
    v[0].id[3] = 'x';
    refused(&b, 1, "bad row id");
    b = push3();
    v[0].station[0] = '\0';
    refused(&b, 1, "bad station code");
    b = push3();
    v[0].ver.hlc = 0;
    refused(&b, 1, "bad version");
    b = push3();
    v[0].base.hlc = 5; /* a base without a site */
    refused(&b, 1, "bad base version");
    b = push3();
    v[0].vtype = SW_V_TEXT; /* no text */
    refused(&b, 1, "bad value type");
    v[0].vtype = 42;
    refused(&b, 0, "bad value type");
}

/* a seen list: only on a tombstone (deleted = 1), and well-formed */
static void test_seen(void **state)
{
    static char none[] = "", junk[] = "not a list";
    struct sw_batch b = push3();
    struct sw_err err;
    int del = sw_col_deleted(&sw_tables[SW_T_CASES]);
    (void)state;

    v[2].col = del;
    v[2].vtype = SW_V_INT;
    v[2].ival = 1;
    v[2].seen = none; /* saw nothing */
    sw_err_clear(&err);
    assert_int_equal(batch_check(&b, 1, &err), 0);
    v[2].seen = junk;
    refused(&b, 1, "changes[2]: bad seen list");
    v[2].seen = none;
    v[2].ival = 0; /* an undelete says nothing of what it saw */
    refused(&b, 1, "changes[2]: bad seen list");
    b = push3();
    v[1].seen = none; /* not the deleted column */
    refused(&b, 0, "changes[1]: bad seen list");
}

static void test_pull(void **state)
{
    struct sw_batch b = push3();
    struct sw_err err;
    (void)state;
    /* a pull answer carries other sites' versions and no range */
    snprintf(v[1].ver.site, sizeof(v[1].ver.site), "COUNTY");
    b.from = b.to = 0;
    b.cursor = 7;
    b.more = 1;
    assert_int_equal(batch_check(&b, 0, &err), 0);
    b.n = 0;
    assert_int_equal(batch_check(&b, 0, &err), 0);
    b.cursor = -1;
    refused(&b, 0, "bad cursor");
    b.cursor = 7;
    b.more = 2;
    refused(&b, 0, "more");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_push),
        cmocka_unit_test(test_empty_with_range),
        cmocka_unit_test(test_range_vs_rows),
        cmocka_unit_test(test_seq_order),
        cmocka_unit_test(test_sites),
        cmocka_unit_test(test_change_shape),
        cmocka_unit_test(test_seen),
        cmocka_unit_test(test_pull),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

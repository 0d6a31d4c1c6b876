/*
** test-hlc.c — the hybrid logical clock: packing, monotonicity, receive,
** drift bound, skew correction, text form.
*/
#include "config.h"

/* cmocka.h needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <string.h>

#include "change.h"
#include "hlc.h"

#define T0 INT64_C(1795330229253) /* 2026-11-22, ms */

static void test_pack(void **state)
{
    int64_t h = hlc_pack(T0, 7);
    (void)state;
    assert_int_equal(hlc_ms(h), T0);
    assert_int_equal(hlc_counter(h), 7);
    assert_true(hlc_pack(T0, HLC_COUNTER_MAX) < hlc_pack(T0 + 1, 0));
}

static void test_now_monotonic(void **state)
{
    struct hlc_clock c = {.last = 0, .offset_ms = 0, .max_drift_ms = 0};
    int64_t a, b, d;
    (void)state;
    a = hlc_now(&c, T0);
    assert_int_equal(a, hlc_pack(T0, 0));
    b = hlc_now(&c, T0); /* same millisecond: the counter moves */
    assert_int_equal(b, hlc_pack(T0, 1));
    d = hlc_now(&c, T0 - 5000); /* the wall clock went back */
    assert_true(d > b);
    assert_int_equal(hlc_ms(d), T0);
    assert_int_equal(hlc_now(&c, T0 + 10), hlc_pack(T0 + 10, 0));
}

static void test_counter_overflow(void **state)
{
    struct hlc_clock c = {.last = hlc_pack(T0, HLC_COUNTER_MAX),
                          .offset_ms = 0,
                          .max_drift_ms = 0};
    int64_t h;
    (void)state;
    h = hlc_now(&c, T0);
    assert_int_equal(h, hlc_pack(T0 + 1, 0));
}

/* A replica far behind still orders its writes after what it received. */
static void test_clock_behind(void **state)
{
    struct hlc_clock c = {.last = 0, .offset_ms = 0, .max_drift_ms = 0};
    int64_t remote = hlc_pack(T0, 3), h;
    (void)state;
    assert_int_equal(hlc_recv(&c, remote, T0 - INT64_C(86400000) * 365, NULL),
                     0);
    h = hlc_now(&c, T0 - INT64_C(86400000) * 365);
    assert_true(h > remote);
}

/* A replica far ahead: its writes order after what it received, and a
** skew correction brings its new writes back to the county's time. */
static void test_clock_ahead(void **state)
{
    struct hlc_clock c = {.last = 0, .offset_ms = 0, .max_drift_ms = 0};
    int64_t ahead = T0 + INT64_C(86400000) * 365 * 3, h;
    (void)state;
    assert_int_equal(hlc_recv(&c, hlc_pack(T0, 0), ahead, NULL), 0);
    h = hlc_now(&c, ahead);
    assert_true(h > hlc_pack(T0, 0));
    /* corrected: offset brings the wall clock back */
    c.last = 0;
    c.offset_ms = T0 - ahead;
    h = hlc_now(&c, ahead);
    assert_int_equal(hlc_ms(h), T0);
}

static void test_drift_bound(void **state)
{
    struct hlc_clock c = {
        .last = hlc_pack(T0, 0), .offset_ms = 0, .max_drift_ms = 60000};
    struct sw_err err;
    (void)state;
    /* 59 s ahead: fine */
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + 59000, 0), T0, &err), 0);
    assert_int_equal(c.last, hlc_pack(T0 + 59000, 0));
    /* 10 minutes ahead: refused, clock unchanged */
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + 600000, 0), T0, &err),
                     SW_EDATA);
    assert_non_null(strstr(err.msg, "ahead"));
    assert_int_equal(c.last, hlc_pack(T0 + 59000, 0));
    /* no bound: taken */
    c.max_drift_ms = 0;
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + 600000, 0), T0, &err), 0);
    assert_int_equal(c.last, hlc_pack(T0 + 600000, 0));
}

/* clamp: a version past the bound is taken, the clock stops at the bound */
static void test_drift_clamp(void **state)
{
    struct hlc_clock c = {
        .last = hlc_pack(T0, 0), .max_drift_ms = 60000, .clamp = 1};
    struct sw_err err;
    int64_t three_years = (int64_t)3 * 365 * 86400 * 1000;
    (void)state;
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + 59000, 0), T0, &err), 0);
    assert_int_equal(c.last, hlc_pack(T0 + 59000, 0));
    assert_int_equal(c.clamped, 0);
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + three_years, 7), T0, &err), 0);
    assert_int_equal(c.last, hlc_pack(T0 + 60000, 0));
    assert_int_equal(c.clamped, 1);
    assert_int_equal(c.clamped_ahead_ms, three_years);
    /* the next local version is just past the bound, not years ahead */
    assert_int_equal(hlc_now(&c, T0), hlc_pack(T0 + 60000, 1));
    /* a clock already past the bound is not pulled back */
    c.last = hlc_pack(T0 + 120000, 0);
    assert_int_equal(hlc_recv(&c, hlc_pack(T0 + 90000, 0), T0, &err), 0);
    assert_int_equal(c.last, hlc_pack(T0 + 120000, 0));
    assert_int_equal(c.clamped, 2);
}

static void test_text(void **state)
{
    char buf[HLC_STR_MAX + 1];
    int64_t v;
    int64_t h = hlc_pack(T0, 65535);
    (void)state;
    hlc_format(h, buf);
    assert_int_equal(hlc_parse(buf, &v), 0);
    assert_int_equal(v, h);
    /* beyond 2^53: a double would lose it, the string does not */
    assert_true(h > (INT64_C(1) << 53));
    assert_int_equal(hlc_parse("9223372036854775807", &v), 0);
    assert_int_equal(hlc_parse("9223372036854775808", &v), SW_EDATA);
    assert_int_equal(hlc_parse("", &v), SW_EDATA);
    assert_int_equal(hlc_parse("012", &v), SW_EDATA);
    assert_int_equal(hlc_parse("-1", &v), SW_EDATA);
    assert_int_equal(hlc_parse("12a", &v), SW_EDATA);
    assert_int_equal(hlc_parse(" 12", &v), SW_EDATA);
    assert_int_equal(hlc_parse("0", &v), 0);
}

static void test_version_order(void **state)
{
    struct sw_version a = {hlc_pack(T0, 1), "A-x"},
                      b = {hlc_pack(T0, 1), "B-y"};
    struct sw_version none = {0, ""};
    (void)state;
    assert_true(sw_version_cmp(&a, &b) < 0); /* tie on hlc: site decides */
    assert_true(sw_version_cmp(&b, &a) > 0);
    b.hlc = hlc_pack(T0, 0);
    assert_true(sw_version_cmp(&a, &b) > 0); /* hlc first */
    assert_true(sw_version_cmp(&none, &a) < 0);
    assert_true(sw_version_eq(&a, &a));
    assert_false(sw_version_eq(&a, &none));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack),
        cmocka_unit_test(test_now_monotonic),
        cmocka_unit_test(test_counter_overflow),
        cmocka_unit_test(test_clock_behind),
        cmocka_unit_test(test_clock_ahead),
        cmocka_unit_test(test_drift_bound),
        cmocka_unit_test(test_drift_clamp),
        cmocka_unit_test(test_text),
        cmocka_unit_test(test_version_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

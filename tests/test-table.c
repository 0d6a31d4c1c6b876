/*
** test-table.c — the table description, the C validator (sw_validate) and
** the SQL CHECK text generated from the same description (sw_sql_check).
**
** The key test is test_sql_check_agrees: for every column of every table
** and a large set of values, a one-column SQLite table built with the
** column's CHECK accepts a value exactly when sw_validate() does.
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <errno.h>
#include <sqlite3.h>

#include "sdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "sw.h"
#include "table.h"

/* ---- helpers ----------------------------------------------------------- */

/* One value to try on a column: the text, whether sw_validate should
** accept it (-1: no expectation, only C/SQL agreement is checked) and
** flags. */

struct vcase {
    char *v;
    int ok;
    int flags;
};

struct vlist {
    struct vcase *a;
    size_t n, cap;
};

static void vl_add(struct vlist *l, const char *v, int ok, int flags)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->a = realloc(l->a, l->cap * sizeof(*l->a));
        assert_non_null(l->a);
    }
    l->a[l->n].v = strdup(v);
    assert_non_null(l->a[l->n].v);
    l->a[l->n].ok = ok;
    l->a[l->n].flags = flags;
    l->n++;
}

static void vl_free(struct vlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->a[i].v);
    free(l->a);
    l->a = NULL;
    l->n = l->cap = 0;
}

/* s repeated n times (s may be a multi-byte character). */
static char *repeat(const char *s, int n)
{
    size_t len = strlen(s);
    char *p = malloc(len * (size_t)n + 1);
    assert_non_null(p);
    for (int i = 0; i < n; i++)
        memcpy(p + len * (size_t)i, s, len);
    p[len * (size_t)n] = '\0';
    return p;
}

static const struct sw_column *col_of(const char *table, const char *col)
{
    const struct sw_table *t = sw_table_by_name(table);
    int i;
    assert_non_null(t);
    i = sw_col_index(t, col);
    assert_true(i >= 0);
    return &t->cols[i];
}

/* sw_validate on TABLE.COL; returns its result, err filled. */
static int check(const char *table, const char *col, const char *v,
                 struct sw_err *err)
{
    sw_err_clear(err);
    return sw_validate(sw_table_by_name(table), col_of(table, col), v, err);
}

#define assert_valid(tb, cl, v)                                                \
    do {                                                                       \
        struct sw_err e_;                                                      \
        int rc_ = check(tb, cl, v, &e_);                                       \
        if (rc_ != 0)                                                          \
            fail_msg("%s.%s: '%s' refused: %s", tb, cl, v, e_.msg);            \
    } while (0)

#define assert_invalid(tb, cl, v)                                              \
    do {                                                                       \
        struct sw_err e_;                                                      \
        int rc_ = check(tb, cl, v, &e_);                                       \
        if (rc_ != SW_EDATA || e_.code != SW_EDATA)                            \
            fail_msg("%s.%s: '%s' accepted (rc %d)", tb, cl, v, rc_);          \
        if (strncmp(e_.msg, tb "." cl ": ", strlen(tb "." cl ": ")) != 0)      \
            fail_msg("message does not name %s.%s: %s", tb, cl, e_.msg);       \
    } while (0)

/* ---- the values ------------------------------------------------------- */

/*
** Values per check kind, with the expected verdict of sw_validate.
** Impossible days (2023-02-29, 2026-04-31) matter for the SQL side too:
** SQLite's date(x) echoes day 29-31 of any month unchanged, so the CHECK
** must compare with date(x, '+0 days'), which normalises them.
*/
struct kcase {
    enum sw_check kind;
    const char *v;
    int ok;
    int flags;
};

static const struct kcase kind_cases[] = {
    /* dates */
    {CK_DATE, "2024-02-29", 1, 0},
    {CK_DATE, "2000-02-29", 1, 0},
    {CK_DATE, "2026-01-01", 1, 0},
    {CK_DATE, "2026-12-31", 1, 0},
    {CK_DATE, "2026-04-30", 1, 0},
    {CK_DATE, "1900-02-28", 1, 0},
    {CK_DATE, "0001-01-01", 1, 0},
    {CK_DATE, "9999-12-31", 1, 0},
    {CK_DATE, "2023-02-29", 0, 0},
    {CK_DATE, "2026-02-30", 0, 0},
    {CK_DATE, "2026-02-31", 0, 0},
    {CK_DATE, "2026-04-31", 0, 0},
    {CK_DATE, "1900-02-29", 0, 0},
    {CK_DATE, "2026-13-01", 0, 0},
    {CK_DATE, "2026-00-10", 0, 0},
    {CK_DATE, "2026-01-00", 0, 0},
    {CK_DATE, "2026-01-32", 0, 0},
    {CK_DATE, "0000-01-01", 0, 0},
    {CK_DATE, "2026-1-01", 0, 0},
    {CK_DATE, "2026-01-1", 0, 0},
    {CK_DATE, "26-01-01", 0, 0},
    {CK_DATE, "", 0, 0},
    {CK_DATE, "2026/01/01", 0, 0},
    {CK_DATE, "20260101", 0, 0},
    {CK_DATE, "2026-01-01T10:00", 0, 0},
    {CK_DATE, " 2026-01-01", 0, 0},
    {CK_DATE, "2026-01-01 ", 0, 0},
    {CK_DATE, "abcd-ef-gh", 0, 0},
    {CK_DATE,
     "\xef\xbc\x92"
     "026-01-01",
     0, 0}, /* fullwidth 2 */
    {CK_DATE, "+2026-01-01", 0, 0},

    /* date-times */
    {CK_DATETIME, "2026-03-01", 1, 0},
    {CK_DATETIME, "2026-03-01T09:30", 1, 0},
    {CK_DATETIME, "2026-03-01T09:30:15", 1, 0},
    {CK_DATETIME, "2026-03-01T00:00", 1, 0},
    {CK_DATETIME, "2026-03-01T00:00:00", 1, 0},
    {CK_DATETIME, "2024-02-29T23:59:59", 1, 0},
    {CK_DATETIME, "2026-03-01T24:00", 0, 0},
    {CK_DATETIME, "2026-03-01T24:00:00", 0, 0},
    {CK_DATETIME, "2026-03-01T29:00", 0, 0},
    {CK_DATETIME, "2026-03-01T12:60", 0, 0},
    {CK_DATETIME, "2026-03-01T12:30:60", 0, 0},
    {CK_DATETIME, "2026-03-01T12:30:5", 0, 0},
    {CK_DATETIME, "2026-03-01T12:30:", 0, 0},
    {CK_DATETIME, "2026-03-01 09:30", 0, 0},
    {CK_DATETIME, "2026-03-01t09:30", 0, 0},
    {CK_DATETIME, "2026-03-01T9:30", 0, 0},
    {CK_DATETIME, "2026-03-01T09:3", 0, 0},
    {CK_DATETIME, "2026-03-01T09", 0, 0},
    {CK_DATETIME, "2026-03-01T", 0, 0},
    {CK_DATETIME, "2026-03-01T09-30", 0, 0},
    {CK_DATETIME, "2026-03-01T09:30Z", 0, 0},
    {CK_DATETIME, "2026-03-01T09:30:00Z", 0, 0},
    {CK_DATETIME, "2026-03-01T09:30:00.5", 0, 0},
    {CK_DATETIME, "2026-03-01T09:30+08:00", 0, 0},
    {CK_DATETIME, "2026-13-01T09:30", 0, 0},
    {CK_DATETIME, "2026-3-01T09:30", 0, 0},
    {CK_DATETIME, "2026-1-01", 0, 0},
    {CK_DATETIME, "", 0, 0},
    {CK_DATETIME, "2023-02-29", 0, 0},
    {CK_DATETIME, "2023-02-29T10:00", 0, 0},
    {CK_DATETIME, "2026-02-30T10:00:00", 0, 0},

    /* resident id numbers: check digits worked out by hand (GB 11643) */
    {CK_IDNUM, "11010519491231002X", 1, 0}, /* sum 167, 167%11=2 -> X */
    {CK_IDNUM, "440524188001010014", 1, 0}, /* sum 195, %11=8 -> 4 */
    {CK_IDNUM, "110101199003074477", 1, 0}, /* sum 214, %11=5 -> 7 */
    {CK_IDNUM, "110105194912310070", 1, 0}, /* sum 177, %11=1 -> 0 */
    {CK_IDNUM, "110105194912310011", 1, 0}, /* sum 165, %11=0 -> 1 */
    {CK_IDNUM, "11010519491231002x", 0, 0}, /* lower-case x */
    {CK_IDNUM, "110105194912310021", 0, 0}, /* wrong check digit */
    {CK_IDNUM, "110105194912310020", 0, 0},
    {CK_IDNUM, "440524188001010015", 0, 0},
    {CK_IDNUM, "110101199003074470", 0, 0},
    {CK_IDNUM, "11010519491231002", 0, 0},   /* 17 digits */
    {CK_IDNUM, "1101051949123100200", 0, 0}, /* 19 */
    {CK_IDNUM, "11010519491231002XX", 0, 0},
    {CK_IDNUM, "1101051949123100AX", 0, 0}, /* letters */
    {CK_IDNUM, "ABCDEFGHIJKLMNOPQR", 0, 0},
    {CK_IDNUM, "110105-94912310070", 0, 0},
    {CK_IDNUM, "11010519491231002Y", 0, 0},
    {CK_IDNUM, "11010519491231002 ", 0, 0},
    {CK_IDNUM, " 11010519491231002X", 0, 0},
    {CK_IDNUM, "", 0, 0},

    /* phones */
    {CK_PHONE, "13800138000", 1, 0},
    {CK_PHONE, "+8613800138000", 1, 0},
    {CK_PHONE, "+86 138-0013-8000", 1, 0},
    {CK_PHONE, "0755-12345678", 1, 0},
    {CK_PHONE, "110", 1, 0},
    {CK_PHONE, "12345678901234567890", 1, 0},  /* 20 */
    {CK_PHONE, "123456789012345678901", 0, 0}, /* 21 */
    {CK_PHONE, "12", 0, 0},
    {CK_PHONE, "+1", 0, 0},
    {CK_PHONE, "", 0, 0},
    {CK_PHONE, "abc", 0, 0},
    {CK_PHONE, "-13800138000", 0, 0},
    {CK_PHONE, " 13800138000", 0, 0},
    {CK_PHONE, "1+3800138000", 0, 0},
    {CK_PHONE, "138.0013.8000", 0, 0},
    {CK_PHONE, "(0755)12345678", 0, 0},
    {CK_PHONE, "138\t00138000", 0, 0},
    {CK_PHONE, "\xef\xbc\x91\xef\xbc\x93\xef\xbc\x98", 0, 0}, /* fullwidth */

    /* booleans (INT columns) */
    {CK_BOOL, "0", 1, 0},
    {CK_BOOL, "1", 1, 0},
    {CK_BOOL, "2", 0, 0},
    {CK_BOOL, "-1", 0, 0},
    {CK_BOOL, "", 0, 0},
    {CK_BOOL, "yes", 0, 0},
    {CK_BOOL, "true", 0, 0},
    {CK_BOOL, "0.5", 0, 0},

    /* counts (maxlen-dependent ones are generated) */
    {CK_COUNT, "0", 1, 0},
    {CK_COUNT, "1", 1, 0},
    {CK_COUNT, "59", 1, 0},
    {CK_COUNT, "-1", 0, 0},
    {CK_COUNT, "abc", 0, 0},
    {CK_COUNT, "", 0, 0},
    {CK_COUNT, "1.5", 0, 0},
    {CK_COUNT, "12abc", 0, 0},
    {CK_COUNT, "9223372036854775807", 0, 0},
    {CK_COUNT, "99999999999999999999", 0, 0},
    {CK_COUNT, "-9223372036854775808", 0, 0},

    /* money */
    {CK_MONEY, "0", 1, 0},
    {CK_MONEY, "150.5", 1, 0},
    {CK_MONEY, "150.50", 1, 0},
    {CK_MONEY, "0.01", 1, 0},
    {CK_MONEY, "0.00", 1, 0},
    {CK_MONEY, "1234567890", 1, 0},    /* 10 integer digits */
    {CK_MONEY, "1234567890.12", 1, 0}, /* 12 digits */
    {CK_MONEY, "12345678901", 0, 0},   /* 11 integer digits */
    {CK_MONEY, "12345678901.5", 0, 0},
    {CK_MONEY, "1.234", 0, 0},
    {CK_MONEY, ".5", 0, 0},
    {CK_MONEY, "5.", 0, 0},
    {CK_MONEY, "1e3", 0, 0},
    {CK_MONEY, "-1", 0, 0},
    {CK_MONEY, "+1", 0, 0},
    {CK_MONEY, "", 0, 0},
    {CK_MONEY, ".", 0, 0},
    {CK_MONEY, "1,000", 0, 0},
    {CK_MONEY, "1 000", 0, 0},
    {CK_MONEY, "150.5.0", 0, 0},
    {CK_MONEY, "150..5", 0, 0},
    {CK_MONEY, "150.50 ", 0, 0},
    {CK_MONEY,
     "\xc2\xa5"
     "150",
     0, 0}, /* yen sign */
    {CK_MONEY, "0x10", 0, 0},
    {CK_MONEY, "abc", 0, 0},

    /* case references */
    {CK_REF, "0190a4c2-7b3e-7c1d-8e2f-123456789abc", 1, 0},
    {CK_REF, "00000000-0000-0000-0000-000000000000", 1, 0},
    {CK_REF, "0190A4C2-7B3E-7C1D-8E2F-123456789ABC", 0, 0},
    {CK_REF, "0190a4c27b3e7c1d8e2f123456789abc", 0, 0},
    {CK_REF, "0190a4c2-7b3e-7c1d-8e2f-123456789ab", 0, 0},
    {CK_REF, "0190a4c2-7b3e-7c1d-8e2f-123456789abcd", 0, 0},
    {CK_REF, "0190a4c2-7b3e-7c1d-8e2f-123456789abg", 0, 0},
    {CK_REF, "{0190a4c2-7b3e-7c1d-8e2f-123456789abc}", 0, 0},
    {CK_REF, "0190a4c2_7b3e_7c1d_8e2f_123456789abc", 0, 0},
    {CK_REF, "", 0, 0},
};

/* Values tried on every column, with no expectation: only that C and SQL
** agree about them. */
static const char *const junk[] = {
    "",
    " ",
    "0",
    "1",
    "-1",
    "2",
    "abc",
    "NULL",
    "null",
    "'; DROP TABLE t; --",
    "2026-01-01",
    "2026-01-01T08:00",
    "2026-11-21T10:00:00+08:00",
    "2026-11-21T02:00:00Z",
    "2026-11-21 10:00",
    "2026/11/21",
    "13800138000",
    "11010519491231002X",
    "150.50",
    "100000",
    "home",
    "other",
    "open",
    "low",
    "\xe9\xab\x98",     /* 高 */
    "\xf0\x9f\x98\x80", /* U+1F600, 4 bytes */
    "line\nbreak",
    "0190a4c2-7b3e-7c1d-8e2f-123456789abc",
};

static const char HAN[] = "\xe5\xbc\xa0"; /* 张, 3 bytes */

/* Every case for column c: the per-kind ones and the generated ones. */
static void column_cases(const struct sw_column *c, struct vlist *l)
{
    char buf[64];
    char *s;

    for (size_t i = 0; i < sizeof(kind_cases) / sizeof(kind_cases[0]); i++)
        if (kind_cases[i].kind == c->check)
            vl_add(l, kind_cases[i].v, kind_cases[i].ok, kind_cases[i].flags);

    switch (c->check) {
    case CK_ENUM:
        for (const char *const *a = c->allowed; *a; a++) {
            vl_add(l, *a, 1, 0);
            snprintf(buf, sizeof(buf), " %s", *a);
            vl_add(l, buf, 0, 0);
            snprintf(buf, sizeof(buf), "%s ", *a);
            vl_add(l, buf, 0, 0);
            snprintf(buf, sizeof(buf), "%s", *a);
            for (char *p = buf; *p; p++)
                if (*p >= 'a' && *p <= 'z')
                    *p = (char)(*p - 'a' + 'A');
            vl_add(l, buf, 0, 0);
        }
        vl_add(l, "", 0, 0);
        vl_add(l, "unknown", 0, 0);
        vl_add(l, HAN, 0, 0);
        break;
    case CK_TEXT:
    case CK_NONEMPTY:
        vl_add(l, "", c->check == CK_TEXT, 0);
        vl_add(l, "a", 1, 0);
        vl_add(l, " ", 1, 0);
        vl_add(l, "\xe7\x8e\x8b\xe4\xba\x94 \"q\" 'q' \\ \n\t2", 1, 0);
        s = repeat("a", c->maxlen);
        vl_add(l, s, 1, 0);
        free(s);
        s = repeat("a", c->maxlen + 1);
        vl_add(l, s, 0, 0);
        free(s);
        /* lengths count characters, not bytes */
        s = repeat(HAN, c->maxlen);
        vl_add(l, s, 1, 0);
        free(s);
        s = repeat(HAN, c->maxlen + 1);
        vl_add(l, s, 0, 0);
        free(s);
        s = repeat("\xf0\x9f\x98\x80", c->maxlen);
        vl_add(l, s, 1, 0);
        free(s);
        s = repeat("\xf0\x9f\x98\x80", c->maxlen + 1);
        vl_add(l, s, 0, 0);
        free(s);
        break;
    case CK_COUNT:
        snprintf(buf, sizeof(buf), "%d", c->maxlen);
        vl_add(l, buf, 1, 0);
        snprintf(buf, sizeof(buf), "%d", c->maxlen - 1);
        vl_add(l, buf, 1, 0);
        snprintf(buf, sizeof(buf), "%d", c->maxlen + 1);
        vl_add(l, buf, 0, 0);
        break;
    default:
        break;
    }
}

/* ---- the description itself ------------------------------------------- */

static void test_description(void **state)
{
    (void)state;
    assert_string_equal(sw_tables[SW_T_CASES].name, "cases");
    assert_string_equal(sw_tables[SW_T_VISITS].name, "visits");
    assert_string_equal(sw_tables[SW_T_SERVICES].name, "services");
    assert_int_equal(sw_tables[SW_T_CASES].ref_col, -1);
    assert_int_equal(sw_tables[SW_T_VISITS].ref_col, 0);
    assert_int_equal(sw_tables[SW_T_SERVICES].ref_col, 0);
    assert_int_equal(sw_tables[SW_T_REFERRALS].ref_col, 0);
    assert_int_equal(sw_tables[SW_T_RESOURCES].ref_col, -1);
    /* the tables of a schema version are a prefix (wire numbers) */
    assert_int_equal(sw_ntables_at(1), 3);
    assert_int_equal(sw_ntables_at(2), 3);
    assert_int_equal(sw_ntables_at(3), SW_NTABLES);
    assert_int_equal(sw_ntables_at(DB_SCHEMA_VERSION), SW_NTABLES);
    assert_true(sw_ntables_at(SW_SCHEMA_OLDEST) >= 3);
    for (int t = 1; t < SW_NTABLES; t++)
        assert_true(sw_tables[t - 1].since <= sw_tables[t].since);
    /* the first county-owned table: the resource directory */
    assert_true(sw_county_owned(&sw_tables[SW_T_RESOURCES]));
    for (int t = 0; t < SW_T_RESOURCES; t++)
        assert_false(sw_county_owned(&sw_tables[t]));

    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        int del = sw_col_deleted(tb);

        assert_int_equal(sw_table_index(tb), t);
        assert_ptr_equal(sw_table_by_name(tb->name), tb);
        assert_ptr_equal(sw_table_by_noun(tb->noun), tb);
        /* the tombstone is the last field, an INT bool, not settable */
        assert_int_equal(del, tb->ncols - 1);
        assert_string_equal(tb->cols[del].name, "deleted");
        assert_int_equal(tb->cols[del].type, SW_INT);
        assert_int_equal(tb->cols[del].check, CK_BOOL);
        assert_true(tb->cols[del].flags & SW_COL_SYSTEM);
        if (tb->ref_col >= 0) {
            const struct sw_column *r = &tb->cols[tb->ref_col];
            assert_string_equal(r->name, "case_id");
            assert_int_equal(r->check, CK_REF);
            assert_true(r->flags & SW_COL_REQUIRED);
            assert_true(r->flags & SW_COL_FIXED);
        }
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            assert_int_equal(sw_col_index(tb, c->name), i);
            /* identity columns are not fields */
            assert_string_not_equal(c->name, "id");
            assert_string_not_equal(c->name, "rid");
            assert_string_not_equal(c->name, "station");
            if (c->check == CK_ENUM)
                assert_true(c->allowed && c->allowed[0]);
            if (c->check == CK_TEXT || c->check == CK_NONEMPTY ||
                c->check == CK_COUNT)
                assert_true(c->maxlen > 0);
            assert_int_equal(c->type,
                             (c->check == CK_BOOL || c->check == CK_COUNT)
                                 ? SW_INT
                                 : SW_TEXT);
            /* a default must itself be valid */
            if (c->dflt && strcmp(c->dflt, "@today") != 0) {
                struct sw_err e;
                assert_int_equal(sw_validate(tb, c, c->dflt, &e), 0);
            }
        }
    }
    assert_null(sw_table_by_name("case"));
    assert_null(sw_table_by_name(NULL));
    assert_null(sw_table_by_noun("cases"));
    assert_null(sw_table_by_noun(NULL));
    assert_int_equal(sw_col_index(&sw_tables[0], "nope"), -1);
    assert_int_equal(sw_col_index(&sw_tables[0], NULL), -1);
}

/* ---- sw_validate ------------------------------------------------------- */

/* Every case of every column: sw_validate's verdict is the expected one,
** and a refusal is SW_EDATA with a message "TABLE.COLUMN: ...". */
static void test_validate_all_columns(void **state)
{
    int bad = 0, n = 0;
    (void)state;

    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            struct vlist l = {NULL, 0, 0};
            char prefix[128];

            snprintf(prefix, sizeof(prefix), "%s.%s: ", tb->name, c->name);
            column_cases(c, &l);
            assert_true(l.n >= 2);
            for (size_t k = 0; k < l.n; k++) {
                struct sw_err e;
                int rc;

                sw_err_clear(&e);
                rc = sw_validate(tb, c, l.a[k].v, &e);
                n++;
                if ((rc == 0) != l.a[k].ok) {
                    print_message("# %s'%.40s': expected %s, got rc %d %s\n",
                                  prefix, l.a[k].v,
                                  l.a[k].ok ? "valid" : "invalid", rc, e.msg);
                    bad++;
                } else if (rc != 0 &&
                           (rc != SW_EDATA || e.code != SW_EDATA ||
                            strncmp(e.msg, prefix, strlen(prefix)) != 0)) {
                    print_message("# %s'%.40s': code %d/%d message '%s'\n",
                                  prefix, l.a[k].v, rc, e.code, e.msg);
                    bad++;
                }
            }
            vl_free(&l);
        }
    }
    assert_true(n > 300);
    assert_int_equal(bad, 0);
}

static void test_dates(void **state)
{
    (void)state;
    assert_valid("cases", "birth_date", "2024-02-29");
    assert_invalid("cases", "birth_date", "2023-02-29");
    assert_invalid("cases", "birth_date", "2026-13-01");
    assert_invalid("cases", "birth_date", "2026-1-01");
    assert_invalid("cases", "birth_date", "");
    assert_invalid("cases", "birth_date", "2026-02-30");
    assert_valid("visits", "next_visit_on", "2026-03-01");
    assert_valid("services", "service_on", "2000-02-29");
    assert_invalid("services", "service_on", "2100-02-29");
    assert_valid("visits", "visited_at", "2026-03-01T09:30");
    assert_valid("visits", "visited_at", "2026-03-01T09:30:59");
    assert_valid("visits", "visited_at", "2026-03-01T23:59");
    assert_invalid("visits", "visited_at", "2026-03-01T24:00");
    assert_invalid("visits", "visited_at", "2026-03-01T12:60");
    assert_invalid("visits", "visited_at", "2026-03-01T12:30:60");
    assert_invalid("visits", "visited_at", "2026-02-30T12:00");
}

static void test_enums(void **state)
{
    struct sw_err e;
    (void)state;
    assert_valid("cases", "gender", "female");
    assert_valid("cases", "category", "left_behind_child");
    assert_valid("cases", "risk_level", "high");
    assert_valid("cases", "status", "closed");
    assert_valid("visits", "mode", "online");
    assert_invalid("cases", "gender", "Female");
    assert_invalid("cases", "risk_level", "extreme");
    assert_invalid("visits", "mode", "email");
    assert_invalid("cases", "status", "");
    /* the message lists what is allowed */
    check("cases", "risk_level", "extreme", &e);
    assert_non_null(strstr(e.msg, "extreme"));
    assert_non_null(strstr(e.msg, "low, medium, high"));
}

static void test_idnum(void **state)
{
    struct sw_err e;
    (void)state;
    assert_valid("cases", "id_number", "11010519491231002X");
    assert_valid("cases", "id_number", "440524188001010014");
    assert_invalid("cases", "id_number", "110105194912310021");
    assert_invalid("cases", "id_number", "11010519491231002");
    assert_invalid("cases", "id_number", "1101051949123100AX");
    /* a wrong check digit is told apart from a wrong shape */
    check("cases", "id_number", "110105194912310021", &e);
    assert_non_null(strstr(e.msg, "check digit is wrong"));
    assert_non_null(strstr(e.msg, "should end in X"));
    check("cases", "id_number", "1101051949123100AX", &e);
    assert_null(strstr(e.msg, "check digit is wrong"));
}

static void test_idnum_check_char(void **state)
{
    (void)state;
    assert_int_equal(sw_idnum_check_char("11010519491231002"), 'X');
    assert_int_equal(sw_idnum_check_char("44052418800101001"), '4');
    assert_int_equal(sw_idnum_check_char("11010119900307447"), '7');
    assert_int_equal(sw_idnum_check_char("11010519491231007"), '0');
    assert_int_equal(sw_idnum_check_char("11010519491231001"), '1');
    /* only the first 17 characters count */
    assert_int_equal(sw_idnum_check_char("11010519491231002X"), 'X');
    assert_int_equal(sw_idnum_check_char("110105194912310025"), 'X');
    /* not 17 digits */
    assert_int_equal(sw_idnum_check_char("1101051949123100"), 0);
    assert_int_equal(sw_idnum_check_char("1101051949123100A"), 0);
    assert_int_equal(sw_idnum_check_char(""), 0);
    assert_int_equal(sw_idnum_check_char("abcdefghijklmnopq"), 0);
    /* every check character that sw_idnum_check_char gives is accepted,
       and every other final character refused */
    for (int last = 0; last < 10; last++) {
        char id[19] = "11010519491231002";
        char want;
        id[16] = (char)('0' + last);
        want = sw_idnum_check_char(id);
        assert_true((want >= '0' && want <= '9') || want == 'X');
        for (const char *p = "0123456789X"; *p; p++) {
            struct sw_err e;
            id[17] = *p;
            id[18] = '\0';
            assert_int_equal(check("cases", "id_number", id, &e) == 0,
                             *p == want);
        }
    }
}

static void test_phone_money_count_bool(void **state)
{
    (void)state;
    assert_valid("cases", "phone", "+86 138-0013-8000");
    assert_invalid("cases", "phone", "12");
    assert_invalid("cases", "phone", "phone");
    assert_valid("services", "amount", "0");
    assert_valid("services", "amount", "150.5");
    assert_valid("services", "amount", "150.50");
    assert_invalid("services", "amount", "1.234");
    assert_invalid("services", "amount", ".5");
    assert_invalid("services", "amount", "5.");
    assert_invalid("services", "amount", "1e3");
    assert_invalid("services", "amount", "-1");
    assert_valid("services", "minutes", "0");
    assert_valid("services", "minutes", "100000");
    assert_invalid("services", "minutes", "-1");
    assert_invalid("services", "minutes", "100001");
    assert_invalid("services", "minutes", "abc");
    assert_valid("visits", "follow_up", "0");
    assert_valid("visits", "follow_up", "1");
    assert_invalid("visits", "follow_up", "2");
    assert_invalid("visits", "follow_up", "yes");
}

static void test_text_lengths(void **state)
{
    char *s;
    (void)state;
    /* 100 Chinese characters (300 bytes) are a name; 101 are not */
    s = repeat(HAN, 100);
    assert_valid("cases", "name", s);
    free(s);
    s = repeat(HAN, 101);
    assert_invalid("cases", "name", s);
    free(s);
    assert_invalid("cases", "name", "");
    assert_valid("cases", "village", "");
    s = repeat(HAN, 50);
    assert_valid("visits", "worker", s);
    free(s);
    s = repeat(HAN, 51);
    assert_invalid("visits", "worker", s);
    free(s);
    s = repeat(HAN, 4000);
    assert_valid("services", "notes", s);
    free(s);
    s = repeat("a", 4001);
    assert_invalid("services", "notes", s);
    free(s);
    assert_invalid("services", "service_type", "");
}

static void test_required_null(void **state)
{
    (void)state;
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            struct sw_err e;
            int rc;
            sw_err_clear(&e);
            rc = sw_validate(tb, c, NULL, &e);
            /* required fields, and the tombstone (0 or 1, never
               unknown), refuse NULL */
            if (c->flags & (SW_COL_REQUIRED | SW_COL_SYSTEM)) {
                char want[128];
                snprintf(want, sizeof(want), "%s.%s: is required", tb->name,
                         c->name);
                assert_int_equal(rc, SW_EDATA);
                assert_string_equal(e.msg, want);
            } else {
                assert_int_equal(rc, 0);
            }
        }
    }
    assert_int_equal(check("cases", "name", NULL, NULL), SW_EDATA);
    assert_int_equal(check("cases", "category", NULL, NULL), SW_EDATA);
    assert_int_equal(check("visits", "case_id", NULL, NULL), SW_EDATA);
    assert_int_equal(check("services", "service_type", NULL, NULL), SW_EDATA);
    assert_int_equal(check("cases", "phone", NULL, NULL), 0);
}

/* Invalid UTF-8 is refused by every TEXT column, whatever its check. */
static void test_invalid_utf8(void **state)
{
    static const char *const bad[] = {
        "\xff",
        "abc\xc3",          /* truncated */
        "\xc3\x28",         /* bad continuation */
        "\xc0\xaf",         /* overlong '/' */
        "\xe0\x80\xaf",     /* overlong */
        "\xed\xa0\x80",     /* surrogate */
        "\xf4\x90\x80\x80", /* above U+10FFFF */
        "\xe5\xbc",         /* half a 张 */
        "2026-01-01\x80",   /* a date with a stray byte */
        "\20013800138000",  /* a phone with one (octal \200: 0x80) */
    };
    (void)state;
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            if (c->type != SW_TEXT)
                continue;
            for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                struct sw_err e;
                char want[128];
                snprintf(want, sizeof(want), "%s.%s: not valid UTF-8", tb->name,
                         c->name);
                assert_int_equal(sw_validate(tb, c, bad[k], &e), SW_EDATA);
                assert_string_equal(e.msg, want);
            }
        }
    }
    /* and valid multi-byte text is fine */
    assert_valid("cases", "notes", "\xf0\x9f\x98\x80 \xe5\xbc\xa0");
}

/* The reference: decode each sequence to its code point and refuse an
** overlong form, a surrogate or a point past U+10FFFF. */
static int utf8_ref(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned long cp;
        size_t n;
        if (s[i] < 0x80) {
            i++;
            continue;
        } else if ((s[i] & 0xe0) == 0xc0) {
            cp = s[i] & 0x1f, n = 1;
        } else if ((s[i] & 0xf0) == 0xe0) {
            cp = s[i] & 0x0f, n = 2;
        } else if ((s[i] & 0xf8) == 0xf0) {
            cp = s[i] & 0x07, n = 3;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
            (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += n + 1;
    }
    return 1;
}

/* sw_utf8_valid agrees with the reference on every sequence of up to
** three bytes, on four-byte ones around each lead byte's bounds, and
** wherever the sequence stands against its 8-byte ASCII runs. */
static void test_utf8_exhaustive(void **state)
{
    unsigned char buf[64];
    long checked = 0;
    (void)state;
    for (unsigned pre = 0; pre <= 9; pre++) {
        memset(buf, 'a', pre);
        for (unsigned b0 = 1; b0 < 256; b0++) {
            for (unsigned b1 = 0; b1 < 256; b1++) {
                unsigned b2lo = 0, b2hi = 0;
                if (b0 >= 0xe0 && b1 >= 0x80 && b1 < 0xc0)
                    b2lo = 1, b2hi = 255; /* a third byte matters */
                if (b1 == 0)
                    b2hi = 0;
                for (unsigned b2 = b2lo; b2 <= b2hi; b2++) {
                    size_t n = pre;
                    buf[n++] = (unsigned char)b0;
                    if (b1)
                        buf[n++] = (unsigned char)b1;
                    if (b1 && b2)
                        buf[n++] = (unsigned char)b2;
                    if (b0 >= 0xf0 && b2 >= 0x80 && b2 < 0xc0)
                        buf[n++] = 0x80 + (unsigned char)(b2 & 0x3f);
                    memset(buf + n, 'z', 9);
                    n += (b0 + b1) % 10;
                    buf[n] = '\0';
                    if (sw_utf8_valid((const char *)buf) != utf8_ref(buf, n))
                        fail_msg("%u ASCII, then %02x %02x %02x: %d", pre, b0,
                                 b1, b2, sw_utf8_valid((const char *)buf));
                    checked++;
                }
            }
        }
    }
    assert_true(checked > 1000000);
}

/* The error struct is optional. */
static void test_err_optional(void **state)
{
    const struct sw_table *t = sw_table_by_name("cases");
    (void)state;
    assert_int_equal(
        sw_validate(t, col_of("cases", "birth_date"), "nope", NULL), SW_EDATA);
    assert_int_equal(
        sw_validate(t, col_of("cases", "birth_date"), "2026-01-01", NULL), 0);
}

/* ---- the SQL CHECK agrees with sw_validate ------------------------------ */

/* A canonical decimal int64 (what SQLite prints and the codec sends). */
static int canonical_int(const char *s, long long *out)
{
    char back[32];
    char *end;
    long long v;
    if (!*s)
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end || errno)
        return 0;
    snprintf(back, sizeof(back), "%lld", v);
    if (strcmp(back, s) != 0)
        return 0;
    *out = v;
    return 1;
}

/*
** Does a one-column table with c's CHECK take v?  TEXT columns get v
** bound as text; INT columns as an integer when v is one, else as text.
** v NULL binds NULL.
*/
static int sql_accepts(const struct sw_column *c, const char *v)
{
    sdb *db = NULL;
    sdb_stmt *st = NULL;
    struct sw_buf sb;
    char *sql;
    long long iv;
    int rc, ok = 0;

    assert_int_equal(sdb_sqlite_open(":memory:", &db), SDB_OK);
    sb_init(&sb);
    sb_addf(&sb, "CREATE TABLE t(%s %s ", c->name,
            c->type == SW_INT ? "INTEGER" : "TEXT");
    sw_sql_check(&sb, c);
    sb_adds(&sb, ")");
    sql = sb_detach(&sb, NULL);
    assert_non_null(sql);
    rc = sdb_exec5(db, sql, NULL, NULL, NULL);
    if (rc != SDB_OK)
        fail_msg("%s: %s", sql, sdb_errmsg(db));
    free(sql);
    assert_int_equal(
        sdb_prepare_v2(db, "INSERT INTO t VALUES (?1)", -1, &st, NULL), SDB_OK);
    if (!v)
        sdb_bind_null(st, 1);
    else if (c->type == SW_INT && canonical_int(v, &iv))
        sdb_bind_int64(st, 1, iv);
    else
        sdb_bind_text(st, 1, v, -1, SDB_TRANSIENT);
    rc = sdb_step(st);
    if (rc == SDB_DONE)
        ok = 1;
    else if (rc == SQLITE_CONSTRAINT)
        ok = 0;
    else
        fail_msg("%s '%s': sqlite error %d %s", c->name, v, rc, sdb_errmsg(db));
    sdb_finalize(st);
    if (ok && v && c->type == SW_TEXT) {
        /* what went in is what is stored */
        assert_int_equal(sdb_prepare_v2(db, "SELECT * FROM t", -1, &st, NULL),
                         SDB_OK);
        assert_int_equal(sdb_step(st), SDB_ROW);
        assert_string_equal((const char *)sdb_column_text(st, 0), v);
        sdb_finalize(st);
    }
    sdb_close(db);
    return ok;
}

/* Compare C and SQL on every case of every column.  Returns the number
** of disagreements (printed); *n counts the cases compared. */
static int compare_all(int *n)
{
    int bad = 0;
    *n = 0;
    for (int t = 0; t < SW_NTABLES; t++) {
        const struct sw_table *tb = &sw_tables[t];
        for (int i = 0; i < tb->ncols; i++) {
            const struct sw_column *c = &tb->cols[i];
            struct vlist l = {NULL, 0, 0};

            column_cases(c, &l);
            for (size_t k = 0; k < sizeof(junk) / sizeof(junk[0]); k++)
                vl_add(&l, junk[k], -1, 0);
            for (size_t k = 0; k < l.n; k++) {
                const char *v = l.a[k].v;
                int c_ok, s_ok;
                /* UTF-8 validity is the one rule SQL cannot see: no case
                   here is invalid UTF-8 (test_invalid_utf8 covers it) */
                assert_true(sw_utf8_valid(v));
                c_ok = sw_validate(tb, c, v, NULL) == 0;
                s_ok = sql_accepts(c, v);
                (*n)++;
                if (c_ok != s_ok) {
                    print_message("# %s.%s '%.40s': sw_validate %s, "
                                  "SQL CHECK %s\n",
                                  tb->name, c->name, v,
                                  c_ok ? "accepts" : "refuses",
                                  s_ok ? "accepts" : "refuses");
                    bad++;
                }
            }
            vl_free(&l);
        }
    }
    return bad;
}

/* ---- date-times as other programs write them (sw_normalize) ------------- */

/*
** RFC 3339 with an offset is brought to the station's local time (TZ),
** and the form stored is one both sw_validate and the SQL CHECK take;
** the offset forms themselves are refused by both (never stored).
*/
static void test_normalize_rfc3339(void **state)
{
    static const struct {
        const char *in, *want; /* want NULL: returned unchanged */
    } cases[] = {
        {"2026-11-21T10:00:00+08:00", "2026-11-21T10:00:00"},
        {"2026-11-21T02:00:00Z", "2026-11-21T10:00:00"},
        {"2026-11-21T02:00:00z", "2026-11-21T10:00:00"},
        {"2026-11-21T02:00Z", "2026-11-21T10:00:00"},
        {"2026-11-21T20:00:00.123-08:00", "2026-11-22T12:00:00"},
        {"2026-12-31T20:00:00-05:30", "2027-01-01T09:30:00"},
        {"2024-02-28T20:00:00-08:00", "2024-02-29T12:00:00"},
        {"2026-11-21t10:00:00+08:00", "2026-11-21T10:00:00"},
        {"2026-11-21 10:00:00+08:00", "2026-11-21T10:00:00"},
        {"2026-11-21 10:00", "2026-11-21T10:00:00"},
        {"2026/11/21", "2026-11-21"},
        {"2026/1/5 9:05", "2026-01-05T09:05:00"},
        {"2026-11-21T10:00:00.5", "2026-11-21T10:00:00"},
        /* unchanged: already stored forms, or not a form we take */
        {"2026-11-21", NULL},
        {"2026-11-21T10:00", NULL},
        {"2026-11-21T10:00:00", NULL},
        {"2026-11-21T10:00:00+08", NULL},
        {"2026-11-21T10:00:00+0800", NULL},
        {"2026-11-21T24:00:00Z", NULL},
        {"2026-11-21T10:60:00Z", NULL},
        {"2026-11-21T10:00:00+24:00", NULL},
        {"2026-02-30T10:00:00+08:00", NULL},
        {"2026-11-21T10:00:00+08:00x", NULL},
        {"2026-11-21T10:00:00.+08:00", NULL},
        {"2026-11-21X10:00:00Z", NULL},
        {"", NULL},
    };
    const struct sw_table *t = sw_table_by_name("visits");
    const struct sw_column *c = col_of("visits", "visited_at");
    const struct sw_column *d = col_of("visits", "next_visit_on");
    char buf[SW_NORM_MAX];
    char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

    (void)state;
    setenv("TZ", "CST-8", 1);
    tzset();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = sw_normalize(c, cases[i].in, buf);
        if (!cases[i].want) {
            if (got != cases[i].in)
                fail_msg("'%s': changed to '%s'", cases[i].in, got);
            /* what stays as it was: C and SQL agree on it */
            assert_int_equal(sw_validate(t, c, got, NULL) == 0,
                             sql_accepts(c, got));
            continue;
        }
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("'%s': got '%s', want '%s'", cases[i].in, got,
                     cases[i].want);
        assert_int_equal(sw_validate(t, c, got, NULL), 0);
        assert_true(sql_accepts(c, got));
        /* the raw offset form is never what is stored */
        if (strpbrk(cases[i].in + 10, "Zz+") ||
            (strlen(cases[i].in) > 11 && strchr(cases[i].in + 11, '-'))) {
            assert_int_not_equal(sw_validate(t, c, cases[i].in, NULL), 0);
            assert_false(sql_accepts(c, cases[i].in));
        }
    }
    /* dates: only YYYY/M/D is rewritten */
    assert_string_equal(sw_normalize(d, "2026/3/9", buf), "2026-03-09");
    assert_string_equal(sw_normalize(d, "2026-03-09", buf), "2026-03-09");
    assert_string_equal(sw_normalize(d, "2026/3/9 10:00", buf),
                        "2026/3/9 10:00");
    assert_null(sw_normalize(d, NULL, buf));
    /* other columns are never touched */
    assert_string_equal(sw_normalize(col_of("cases", "name"), "2026/3/9", buf),
                        "2026/3/9");
    if (old)
        setenv("TZ", old, 1);
    else
        unsetenv("TZ");
    tzset();
    free(old);
}

static void test_sql_check_agrees(void **state)
{
    int n, bad;
    (void)state;
    bad = compare_all(&n);
    assert_true(n > 800);
    assert_int_equal(bad, 0);
}

/*
** NULL: the SQL CHECK refuses NULL for a required column without a
** default, as sw_validate does, so that another program cannot leave one
** out (issue 18); a defaulted one is filled by the station's trigger
** (test-merge); every other column takes NULL.  The merge builds records field
*by field with
** the CHECKs off and checks in C.
*/
static void test_sql_check_null(void **state)
{
    (void)state;
    for (int t = 0; t < SW_NTABLES; t++)
        for (int i = 0; i < sw_tables[t].ncols; i++) {
            const struct sw_column *c = &sw_tables[t].cols[i];
            int req = (c->flags & SW_COL_REQUIRED) &&
                      !(c->flags & SW_COL_SYSTEM) && !c->dflt;
            assert_int_equal(sw_col_sql_required(c), req);
            assert_int_equal(sql_accepts(c, NULL), !req);
        }
}

/*
** Integer spellings.  The agreement table binds an INT column's value as
** an integer only when it is a canonical decimal integer (what SQLite
** and the codec produce).  Other numeric spellings are left out of it:
** SQLite's INTEGER affinity turns text such as '1e3' or ' 5' into the
** integer before the CHECK sees it, so the CHECK judges the number while
** sw_validate judges the text.  This test pins both halves down.
*/
static void test_int_spellings(void **state)
{
    static const char *const count_bad[] = {"+5",  " 5", "5 ",  "1e3",
                                            "1.0", "5.", "0x10"};
    static const char *const bool_bad[] = {"01", "00",  "-0", "+1",
                                           " 1", "1.0", "1e0"};
    (void)state;
    for (size_t i = 0; i < sizeof(count_bad) / sizeof(count_bad[0]); i++)
        assert_invalid("services", "minutes", count_bad[i]);
    for (size_t i = 0; i < sizeof(bool_bad) / sizeof(bool_bad[0]); i++) {
        assert_invalid("visits", "follow_up", bool_bad[i]);
        assert_invalid("cases", "deleted", bool_bad[i]);
    }
    /* the affinity conversion that keeps them out of the table */
    assert_true(sql_accepts(col_of("services", "minutes"), "1e3"));
    assert_true(sql_accepts(col_of("visits", "follow_up"), "01"));
    /* while text that is no number stays text and is refused */
    assert_false(sql_accepts(col_of("services", "minutes"), "12abc"));
    assert_false(sql_accepts(col_of("visits", "follow_up"), "yes"));
}

/* The CHECK text is about the column's own name only, and valid SQL for
** every column (also checked by every sql_accepts call). */
static void test_sql_check_text(void **state)
{
    (void)state;
    for (int t = 0; t < SW_NTABLES; t++)
        for (int i = 0; i < sw_tables[t].ncols; i++) {
            const struct sw_column *c = &sw_tables[t].cols[i];
            struct sw_buf sb;
            char *s, head[80];
            sb_init(&sb);
            sw_sql_check(&sb, c);
            s = sb_detach(&sb, NULL);
            assert_non_null(s);
            snprintf(head, sizeof(head),
                     sw_col_sql_required(c) ? "CHECK (%s IS NOT NULL AND ("
                                            : "CHECK (%s IS NULL OR (",
                     c->name);
            assert_int_equal(strncmp(s, head, strlen(head)), 0);
            assert_true(sqlite3_complete(s) == 0); /* no stray ';' */
            free(s);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_description),
        cmocka_unit_test(test_validate_all_columns),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_enums),
        cmocka_unit_test(test_idnum),
        cmocka_unit_test(test_idnum_check_char),
        cmocka_unit_test(test_phone_money_count_bool),
        cmocka_unit_test(test_text_lengths),
        cmocka_unit_test(test_required_null),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_exhaustive),
        cmocka_unit_test(test_err_optional),
        cmocka_unit_test(test_sql_check_agrees),
        cmocka_unit_test(test_normalize_rfc3339),
        cmocka_unit_test(test_sql_check_null),
        cmocka_unit_test(test_int_spellings),
        cmocka_unit_test(test_sql_check_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

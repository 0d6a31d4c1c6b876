/*
** test-search.c — pinyin initials from the generated Unihan table
** (polyphonic surnames by every reading) and the ranking of case search.
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <sqlite3.h>

#include "sdb.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pinyin.h"
#include "search.h"
#include "sw.h"

#define BIT(c) (1u << ((c) - 'a'))

static unsigned mask_of(const char *utf8)
{
    unsigned cp = 0;
    const unsigned char *p = (const unsigned char *)utf8;
    /* three-byte UTF-8 (the BMP Han characters used here) */
    assert_int_equal(p[0] & 0xf0, 0xe0);
    cp = ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
    return pinyin_mask(cp);
}

static void test_table(void **state)
{
    (void)state;
    /* generated from Unihan: tens of thousands of characters, sorted */
    assert_true(pinyin_table_len > 20000);
    for (unsigned i = 1; i < pinyin_table_len; i++)
        assert_true(pinyin_table[i - 1].cp < pinyin_table[i].cp);
    /* the direct index says what the sorted table says */
    for (unsigned i = 0, k = 0; i < PINYIN_BMP_END - PINYIN_BMP_START; i++) {
        unsigned cp = PINYIN_BMP_START + i, want = 0;
        while (k < pinyin_table_len && pinyin_table[k].cp < cp)
            k++;
        if (k < pinyin_table_len && pinyin_table[k].cp == cp)
            want = pinyin_table[k].mask;
        assert_int_equal(pinyin_bmp[i], want);
    }
}

static void test_initials(void **state)
{
    char buf[16];
    (void)state;
    assert_string_equal(pinyin_initials("张三", buf, sizeof(buf)), "zs");
    assert_int_equal(mask_of("张"), BIT('z'));
    assert_int_equal(mask_of("三"), BIT('s'));
    /* polyphonic surnames: every reading counts */
    assert_int_equal(mask_of("单"), BIT('d') | BIT('c') | BIT('s'));
    assert_int_equal(mask_of("曾"), BIT('z') | BIT('c'));
    assert_true(mask_of("解") & BIT('x'));
    assert_true(mask_of("解") & BIT('j'));
    assert_true(mask_of("仇") & BIT('q'));
    assert_true(mask_of("仇") & BIT('c'));
    assert_true(mask_of("查") & BIT('z'));
    assert_true(mask_of("区") & BIT('o'));
    assert_true(mask_of("区") & BIT('q'));
    /* tone-marked first letters (ōu, ān, é) */
    assert_int_equal(mask_of("欧"), BIT('o'));
    assert_int_equal(mask_of("安"), BIT('a'));
    assert_true(mask_of("鹅") & BIT('e'));
    assert_int_equal(pinyin_mask('Q'), BIT('q'));
    assert_int_equal(pinyin_mask(0x3002), 0); /* 。 */
    assert_int_equal(pinyin_mask(0x1F600), 0);
}

static void test_initials_match(void **state)
{
    (void)state;
    assert_int_equal(search_initials_match("张三", "zs"), SR_INITIALS);
    assert_int_equal(search_initials_match("张三丰", "zs"), SR_INITIALS_PREFIX);
    assert_int_equal(search_initials_match("张三丰", "sf"), SR_INITIALS_PART);
    assert_int_equal(search_initials_match("张三", "zsf"), 0);
    assert_int_equal(search_initials_match("张三", "zx"), 0);
    /* 单 as a surname is shàn: found by s, and by d */
    assert_int_equal(search_initials_match("单德林", "sdl"), SR_INITIALS);
    assert_int_equal(search_initials_match("单德林", "ddl"), SR_INITIALS);
    assert_int_equal(search_initials_match("曾小明", "zxm"), SR_INITIALS);
    assert_int_equal(search_initials_match("曾小明", "cxm"), SR_INITIALS);
    /* a middle dot is no character of the initials */
    assert_int_equal(search_initials_match("买买提·艾力", "mmtal"),
                     SR_INITIALS);
}

/* A cases table with the columns search reads. */
static sdb *fixture(void)
{
    static const char *const rows[][7] = {
        /* station, name, id_number, phone, village, address, deleted */
        {"A", "王小明", NULL, "13900001111", "东村", NULL, "0"},
        {"A", "张三丰", NULL, NULL, NULL, NULL, "0"},
        {"A", "张三", "11010519491231002X", "138-0013-8000", "西村", NULL, "0"},
        {"B", "李四", NULL, NULL, "张三村", NULL, "0"},
        {"A", "赵六", NULL, NULL, NULL, "张三路 8 号", "0"},
        {"A", "周七", NULL, "021 1101 0519", NULL, NULL, "0"},
        {"A", "张三", NULL, NULL, NULL, NULL, "1"}, /* deleted */
    };
    sdb *db;
    sdb_stmt *st;
    assert_int_equal(sdb_sqlite_open(":memory:", &db), SDB_OK);
    assert_int_equal(
        sdb_exec5(db,
                  "CREATE TABLE cases (rid INTEGER PRIMARY KEY, station, "
                  "name, id_number, phone, village, address, deleted)",
                  NULL, NULL, NULL),
        SDB_OK);
    assert_int_equal(sdb_prepare_v2(db,
                                    "INSERT INTO cases (station, name, "
                                    "id_number, phone, village, address, "
                                    "deleted) VALUES (?,?,?,?,?,?,?)",
                                    -1, &st, NULL),
                     SDB_OK);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        for (int c = 0; c < 6; c++)
            sdb_bind_text(st, c + 1, rows[i][c], -1, SDB_STATIC);
        sdb_bind_int(st, 7, atoi(rows[i][6]));
        assert_int_equal(sdb_step(st), SDB_DONE);
        sdb_reset(st);
    }
    sdb_finalize(st);
    return db;
}

/* The rids found for text, as "rid:rank rid:rank ...". */
static char *found(sdb *db, const char *text, const char *station, int limit,
                   int *total)
{
    struct search_hit *h = NULL;
    struct sw_err err;
    static char out[512];
    int n = 0;
    size_t used = 0;
    assert_int_equal(
        search_cases(db, text, station, limit, &h, &n, total, &err), 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(out + used, sizeof(out) - used, "%s%lld:%s",
                                 i ? " " : "", (long long)h[i].rid,
                                 search_rank_name(h[i].rank));
    free(h);
    return out;
}

static void test_ranking(void **state)
{
    sdb *db = fixture();
    struct search_hit *h = NULL;
    struct sw_err err;
    int n, total;
    (void)state;
    /* whole name first, then the name's start, then other fields; the
       deleted 张三 (rid 7) never */
    assert_string_equal(found(db, "张三", NULL, 0, NULL),
                        "3:name 2:name_prefix 4:village 5:address");
    /* initials: whole name before a name's start */
    assert_string_equal(found(db, "zs", NULL, 0, NULL),
                        "3:initials 2:initials_prefix");
    assert_string_equal(found(db, "ZS", NULL, 0, NULL),
                        "3:initials 2:initials_prefix");
    /* the whole ID number (any case of X) beats everything */
    assert_string_equal(found(db, "11010519491231002x", NULL, 0, NULL),
                        "3:id_number");
    /* part of an ID number, and digits found in a phone with separators;
       the whole phone (digits compared) first */
    assert_string_equal(found(db, "13800138000", NULL, 0, NULL), "3:phone");
    assert_string_equal(found(db, "110105", NULL, 0, NULL),
                        "3:id_number_part 6:phone_part");
    /* --station, --limit, and the total before the limit */
    assert_string_equal(found(db, "张三", "B", 0, NULL), "4:village");
    assert_string_equal(found(db, "张三", NULL, 2, &total),
                        "3:name 2:name_prefix");
    assert_int_equal(total, 4);
    assert_string_equal(found(db, "  东村 ", NULL, 0, NULL), "1:village");
    assert_string_equal(found(db, "nobody", NULL, 0, &total), "");
    assert_int_equal(total, 0);
    /* an empty text is a usage error */
    assert_int_equal(search_cases(db, "  ", NULL, 0, &h, &n, NULL, &err),
                     SW_EUSAGE);
    assert_null(h);
    sdb_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_initials),
        cmocka_unit_test(test_initials_match),
        cmocka_unit_test(test_ranking),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

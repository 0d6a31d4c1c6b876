/*
** test-labels.c — the one table of labels (labels.c): every field and
** every choice value has a Chinese and an English label, labels read
** back to codes, FIELD=VALUE input takes them, and messages name fields
** with their Chinese label when the language is Chinese.
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "records.h"
#include "sw.h"
#include "table.h"

/* Every field has a label other than its name, in both languages, and
** no two fields of a table share a Chinese label (input by label would
** be ambiguous). */
static void test_every_field_labelled(void **state)
{
    (void)state;
    for (int i = 0; i < SW_NTABLES; i++) {
        const struct sw_table *t = &sw_tables[i];
        assert_string_not_equal(labels_table(t, SW_LANG_ZH), t->name);
        for (int c = -2; c < t->ncols; c++) {
            const char *zh = labels_field(t, c, SW_LANG_ZH);
            const char *en = labels_field(t, c, SW_LANG_EN);
            const char *name = c == -2   ? "station"
                               : c == -1 ? "id"
                                         : t->cols[c].name;
            assert_string_not_equal(zh, name);
            assert_string_not_equal(en, name);
            assert_true((unsigned char)zh[0] >= 0x80); /* Chinese */
            assert_int_equal(labels_field_col(t, zh), c);
            assert_int_equal(labels_field_col(t, en), c);
            assert_int_equal(labels_field_col(t, name), c);
            for (int d = c + 1; d < t->ncols; d++)
                assert_string_not_equal(zh, labels_field(t, d, SW_LANG_ZH));
        }
    }
    assert_string_equal(labels_field(&sw_tables[SW_T_CASES], 2, SW_LANG_ZH),
                        "出生日期");
    assert_string_equal(labels_table(&sw_tables[SW_T_CASES], SW_LANG_ZH),
                        "个案");
    assert_int_equal(labels_field_col(&sw_tables[SW_T_CASES], "nonesuch"), -3);
}

/* Every code of every choice field has labels that read back to it. */
static void test_every_choice_labelled(void **state)
{
    (void)state;
    for (int i = 0; i < SW_NTABLES; i++) {
        const struct sw_table *t = &sw_tables[i];
        for (int c = 0; c < t->ncols; c++) {
            const struct sw_column *col = &t->cols[c];
            if (col->check != CK_ENUM)
                continue;
            for (const char *const *a = col->allowed; *a; a++) {
                const char *zh = labels_choice(col, *a, SW_LANG_ZH);
                const char *en = labels_choice(col, *a, SW_LANG_EN);
                assert_string_not_equal(zh, *a);
                assert_ptr_equal(labels_choice_code(col, zh), *a);
                assert_ptr_equal(labels_choice_code(col, en), *a);
                assert_ptr_equal(labels_choice_code(col, *a), *a);
            }
        }
    }
}

static void test_choice_examples(void **state)
{
    const struct sw_table *cs = &sw_tables[SW_T_CASES];
    const struct sw_table *vs = &sw_tables[SW_T_VISITS];
    const struct sw_column *cat = &cs->cols[sw_col_index(cs, "category")];
    const struct sw_column *risk = &cs->cols[sw_col_index(cs, "risk_level")];
    const struct sw_column *mode = &vs->cols[sw_col_index(vs, "mode")];
    const struct sw_column *name = &cs->cols[sw_col_index(cs, "name")];
    (void)state;
    assert_string_equal(labels_choice_code(cat, "独居老人"), "elderly_alone");
    assert_string_equal(labels_choice_code(risk, "高"), "high");
    assert_string_equal(labels_choice_code(mode, "入户"), "home");
    assert_string_equal(labels_choice(cat, "elderly_alone", SW_LANG_ZH),
                        "独居老人");
    /* unknown: the code itself; no code for an unknown text */
    assert_string_equal(labels_choice(cat, "martian", SW_LANG_ZH), "martian");
    assert_null(labels_choice_code(cat, "火星人"));
    assert_null(labels_choice_code(risk, "入户")); /* another field's label */
    assert_null(labels_choice_code(name, "高"));   /* not a choice field */
    assert_string_equal(records_input_value(risk, "高"), "high");
    assert_string_equal(records_input_value(name, "高"), "高");
}

/* case add's arguments take Chinese values and Chinese field names. */
static void test_parse_assigns(void **state)
{
    const struct sw_table *cs = &sw_tables[SW_T_CASES];
    char a0[] = "name=张三", a1[] = "category=独居老人", a2[] = "风险等级=高";
    char *argv[] = {a0, a1, a2};
    struct rec_assign as[32];
    struct sw_err err;
    (void)state;
    memset(&err, 0, sizeof(err));
    assert_int_equal(records_parse_assigns(cs, 3, argv, as, &err), 3);
    assert_string_equal(cs->cols[as[1].col].name, "category");
    assert_string_equal(as[1].value, "elderly_alone");
    assert_string_equal(cs->cols[as[2].col].name, "risk_level");
    assert_string_equal(as[2].value, "high");
}

/* Messages name a field with its Chinese label in Chinese only. */
static void test_messages(void **state)
{
    const struct sw_table *cs = &sw_tables[SW_T_CASES];
    const struct sw_column *bd = &cs->cols[sw_col_index(cs, "birth_date")];
    const struct sw_column *cat = &cs->cols[sw_col_index(cs, "category")];
    struct sw_err err;
    char buf[160];
    (void)state;
    labels_set_lang(SW_LANG_ZH);
    assert_string_equal(labels_qualified(buf, sizeof(buf), cs, bd),
                        "cases.birth_date（出生日期）");
    assert_int_equal(sw_validate(cs, bd, "1950-02-30", &err), SW_EDATA);
    assert_non_null(strstr(err.msg, "cases.birth_date（出生日期）"));
    assert_int_equal(sw_validate(cs, cat, "elderly", &err), SW_EDATA);
    assert_non_null(strstr(err.msg, "elderly_alone（独居老人）"));
    labels_set_lang(SW_LANG_EN);
    assert_string_equal(labels_qualified(buf, sizeof(buf), cs, bd),
                        "cases.birth_date");
    assert_int_equal(sw_validate(cs, bd, "1950-02-30", &err), SW_EDATA);
    assert_non_null(strstr(err.msg, "cases.birth_date:"));
    assert_null(strstr(err.msg, "出生日期"));
}

/* The locale decides as gettext does. */
static void test_locale_lang(void **state)
{
    (void)state;
    unsetenv("LC_ALL");
    unsetenv("LC_MESSAGES");
    setenv("LANGUAGE", "zh_CN:en", 1);
    assert_non_null(setlocale(LC_ALL, "C"));
    assert_int_equal(labels_locale_lang(), SW_LANG_EN); /* C ignores it */
    assert_non_null(setlocale(LC_ALL, "C.UTF-8"));
    assert_int_equal(labels_locale_lang(), SW_LANG_ZH);
    setenv("LANGUAGE", "en_GB:zh_CN", 1);
    assert_int_equal(labels_locale_lang(), SW_LANG_EN);
    unsetenv("LANGUAGE");
    assert_int_equal(labels_locale_lang(), SW_LANG_EN); /* C.UTF-8 */
    setlocale(LC_ALL, "C");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_field_labelled),
        cmocka_unit_test(test_every_choice_labelled),
        cmocka_unit_test(test_choice_examples),
        cmocka_unit_test(test_parse_assigns),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_locale_lang),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

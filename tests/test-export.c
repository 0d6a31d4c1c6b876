/*
** test-export.c — the CSV module (writing, reading, encodings), export,
** the monthly report, import and the station's local audit trail, on
** real replica files in a mkdtemp() directory; and the pull answer's
** optional "remaining" in the codec.
*/
#include "config.h"

/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include "sdb.h"
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "change.h"
#include "codec.h"
#include "csv.h"
#include "db.h"
#include "export.h"
#include "import.h"
#include "labels.h"
#include "localaudit.h"
#include "report.h"

/* ---- fixture: a station replica of station A ------------------------------
 */

struct fx {
    char dir[256];
    char path[512];
    sdb *db;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    struct sw_err e;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/swsync-test-export-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/station.db", f->dir);
    if (db_create(f->path, SW_ROLE_STATION, &f->db, &e))
        return -1;
    if (db_config_set(f->db, "station", "A", &e))
        return -1;
    labels_set_lang(SW_LANG_EN);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    db_close(f->db);
    db_remove(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A file's text via open_memstream: run fn, return what it wrote. */
static char *mem_text(FILE **fp, char **buf, size_t *len)
{
    *fp = open_memstream(buf, len);
    assert_non_null(*fp);
    return NULL;
}

static int q_int(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int v;
    assert_int_equal(sdb_prepare_v2(db, sql, -1, &st, NULL), SDB_OK);
    assert_int_equal(sdb_step(st), SDB_ROW);
    v = sdb_column_int(st, 0);
    sdb_finalize(st);
    return v;
}

static const struct import_opts opts_plain = {NULL, 0, 0, "A", "2026-12-01"};

/* Import text into t with o; the result code, res filled. */
static int imp(struct fx *f, const char *table, const char *text,
               const struct import_opts *o, struct import_result *res,
               struct sw_err *e)
{
    import_result_init(res);
    return import_csv(f->db, sw_table_by_name(table), text, strlen(text), o,
                      NULL, res, e);
}

/* ---- CSV
 * --------------------------------------------------------------------- */

static void test_csv_put(void **state)
{
    FILE *fp;
    char *buf = NULL;
    size_t len = 0;
    (void)state;
    mem_text(&fp, &buf, &len);
    csv_put(fp, "plain", 1);
    csv_put(fp, "a,b", 0);
    csv_put(fp, "say \"hi\"", 0);
    csv_put(fp, "two\nlines", 0);
    csv_put(fp, NULL, 0);
    csv_put(fp, "cr\r", 0);
    csv_put(fp, "张三", 0);
    csv_end(fp);
    fclose(fp);
    assert_string_equal(
        buf,
        "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,\"cr\r\",张三\r\n");
    free(buf);
}

static void test_csv_read(void **state)
{
    static const char text[] = "a,b,c\r\n"
                               "\r\n"
                               "1,\"x, y\",\"say \"\"hi\"\"\"\n"
                               "2,\"two\r\nlines\",\n"
                               "3,,last";
    struct csv_reader r;
    struct sw_err e;
    (void)state;
    csv_reader_init(&r, text, strlen(text));
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(r.nf, 3);
    assert_string_equal(r.fields[2], "c");
    assert_int_equal(r.rec_line, 1);
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(r.rec_line, 3); /* the blank line 2 skipped */
    assert_string_equal(r.fields[1], "x, y");
    assert_string_equal(r.fields[2], "say \"hi\"");
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(r.rec_line, 4);
    assert_string_equal(r.fields[1], "two\r\nlines");
    assert_string_equal(r.fields[2], "");
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(r.rec_line, 6); /* the quoted newline counts */
    assert_int_equal(r.nf, 3);
    assert_string_equal(r.fields[2], "last");
    assert_int_equal(csv_next(&r, &e), 0);
    csv_reader_release(&r);

    csv_reader_init(&r, "a\n\"open,\nstill", 14);
    assert_int_equal(csv_next(&r, &e), 1);
    assert_int_equal(csv_next(&r, &e), -1);
    assert_int_equal(e.code, SW_EDATA);
    assert_string_equal(e.msg, "line 2: a quoted field is never closed");
    csv_reader_release(&r);
}

/* UTF-8 text as GB18030 bytes, malloc'd. */
static char *to_gb(const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open("GB18030", "UTF-8");
    size_t inleft = strlen(utf8), left = inleft * 2 + 8;
    char *out = malloc(left), *o = out, *in = (char *)utf8;
    assert_true(cd != (iconv_t)-1);
    assert_non_null(out);
    assert_int_not_equal(iconv(cd, &in, &inleft, &o, &left), (size_t)-1);
    iconv_close(cd);
    *outlen = (size_t)(o - out);
    return out;
}

static void test_csv_encodings(void **state)
{
    static const char text[] = "姓名,类别\n张三,独居老人\n";
    char *out = NULL, *gb;
    size_t n, gblen;
    const char *used = NULL;
    struct sw_err e;
    char bom[64];
    (void)state;

    snprintf(bom, sizeof(bom), CSV_BOM "%s", "a,b\n");
    assert_int_equal(csv_to_utf8(bom, strlen(bom), NULL, &out, &n, &used, &e),
                     0);
    assert_string_equal(out, "a,b\n"); /* BOM dropped */
    assert_string_equal(used, "utf-8");
    free(out);

    gb = to_gb(text, &gblen);
    assert_true(gblen != strlen(text));
    assert_int_equal(csv_to_utf8(gb, gblen, NULL, &out, &n, &used, &e), 0);
    assert_string_equal(used, "gb18030");
    assert_string_equal(out, text);
    free(out);
    assert_int_equal(csv_to_utf8(gb, gblen, "gb18030", &out, &n, &used, &e), 0);
    assert_string_equal(out, text);
    free(out);
    assert_int_equal(csv_to_utf8(gb, gblen, "utf-8", &out, &n, &used, &e),
                     SW_EDATA);
    assert_string_equal(e.msg, "line 1: not valid UTF-8 text");
    assert_null(out);
    assert_int_equal(csv_to_utf8(gb, gblen, "latin1", &out, &n, &used, &e),
                     SW_EUSAGE);
    free(gb);
}

/* ---- the local audit trail
 * ---------------------------------------------------- */

static void test_audit_local(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    char who[AUDIT_LOCAL_WHO_MAX + 1];

    audit_local_cli_who(who);
    assert_memory_equal(who, "cli:", 4);
    assert_int_equal(audit_local(f->db, who, "export", "x\ny\tz", &e), 0);
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM local_audit WHERE action = "
                           "'export' AND detail = 'x y z' AND at > 0"),
                     1);
    assert_int_not_equal(
        sdb_exec5(f->db, "UPDATE local_audit SET who = 'x'", 0, 0, 0), SDB_OK);
    assert_int_not_equal(sdb_exec5(f->db, "DELETE FROM local_audit", 0, 0, 0),
                         SDB_OK);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM local_audit"), 1);

    /* a replica made before the table existed gets it at its next open */
    assert_int_equal(sdb_exec5(f->db, "DROP TABLE local_audit", 0, 0, 0),
                     SDB_OK);
    db_close(f->db);
    f->db = NULL;
    assert_int_equal(db_open(f->path, SW_ROLE_STATION, &f->db, &e), 0);
    assert_int_equal(audit_local(f->db, "w", "login", NULL, &e), 0);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM local_audit"), 1);
}

/* ---- import
 * ------------------------------------------------------------------- */

static void test_import_bad_rows(void **state)
{
    struct fx *f = *state;
    struct import_result res;
    struct sw_err e;
    static const char text[] = "name,category,birth_date,notes\n"
                               "good,other,,\n"
                               "bad date,other,1950-02-30,\"a\nb\"\n"
                               "bad cat,nope,,\n"
                               ",other,,\n";

    assert_int_equal(imp(f, "cases", text, &opts_plain, &res, &e), SW_EDATA);
    assert_string_equal(e.msg, "3 of 4 rows have problems; nothing imported");
    assert_string_equal(
        res.problems.buf,
        "line 3: cases.birth_date: not a valid date (YYYY-MM-DD): "
        "'1950-02-30'\n"
        "line 5: cases.category: 'nope' is not one of elderly_alone, "
        "left_behind_child, disabled, low_income, other\n"
        "line 6: cases.name: is required\n");
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM cases"), 0);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM outbox"), 0);
    import_result_release(&res);

    /* skip_bad: the good one only */
    {
        struct import_opts o = opts_plain;
        o.skip_bad = 1;
        assert_int_equal(imp(f, "cases", text, &o, &res, &e), 0);
        assert_int_equal(res.inserted, 1);
        assert_int_equal(res.bad, 3);
        import_result_release(&res);
    }
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM cases"), 1);
}

static void test_import_defaults_and_again(void **state)
{
    struct fx *f = *state;
    struct import_result res;
    struct sw_err e;
    static const char text[] = "姓名,类别,风险等级,身份证号\n"
                               "张三,独居老人,高,11010519491231002x\n"
                               "李四,other,,\n";
    struct import_opts dry = opts_plain;

    labels_set_lang(SW_LANG_ZH);
    dry.dry_run = 1;
    assert_int_equal(imp(f, "cases", text, &dry, &res, &e), 0);
    assert_int_equal(res.inserted, 2);
    import_result_release(&res);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM cases"), 0);

    assert_int_equal(imp(f, "cases", text, &opts_plain, &res, &e), 0);
    assert_int_equal(res.inserted, 2);
    import_result_release(&res);
    /* add's defaults: risk low, status open, opened today (opts) */
    assert_int_equal(q_int(f->db,
                           "SELECT count(*) FROM cases WHERE name = '李四' AND "
                           "risk_level = 'low' AND status = 'open' AND "
                           "opened_on = '2026-12-01' AND station = 'A'"),
                     1);
    assert_int_equal(
        q_int(f->db, "SELECT count(*) FROM cases WHERE name = '张三' AND "
                     "category = 'elderly_alone' AND risk_level = 'high' AND "
                     "id_number = '11010519491231002X'"),
        1);
    /* again: the ID number finds 张三; 李四 (no ID number, no birth date)
       cannot be matched and is added again — documented */
    assert_int_equal(imp(f, "cases", text, &opts_plain, &res, &e), 0);
    assert_int_equal(res.unchanged, 1);
    assert_int_equal(res.inserted, 1);
    import_result_release(&res);
    assert_int_equal(
        q_int(f->db, "SELECT count(*) FROM cases WHERE name = '张三'"), 1);

    /* a visit by the case's ID number, twice: one visit */
    for (int i = 0; i < 2; i++) {
        assert_int_equal(imp(f, "visits",
                             "身份证号,走访时间,方式\n"
                             "11010519491231002X,2026-11-21T10:00Z,入户\n",
                             &opts_plain, &res, &e),
                         0);
        import_result_release(&res);
    }
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM visits"), 1);
    assert_int_equal(imp(f, "visits",
                         "身份证号,方式\n110105194912310012,入户\n",
                         &opts_plain, &res, &e),
                     SW_EDATA);
    assert_non_null(strstr(res.problems.buf,
                           "line 2: cases.id_number（身份证号）: check digit"));
    import_result_release(&res);
    labels_set_lang(SW_LANG_EN);
}

/* ---- export and the report
 * ---------------------------------------------------- */

static void exec(sdb *db, const char *sql)
{
    char *msg = NULL;
    if (sdb_exec5(db, sql, NULL, NULL, &msg) != SDB_OK)
        fail_msg("%s: %s", sql, msg);
}

static void test_export_csv(void **state)
{
    struct fx *f = *state;
    struct export_opts o = {NULL, NULL, NULL, EXPORT_CSV, 1, SW_LANG_EN};
    struct sw_err e;
    FILE *fp;
    char *buf = NULL;
    size_t len = 0;
    long n = -1;

    exec(f->db, "INSERT INTO cases (id, station, name, category, risk_level, "
                "status, opened_on, notes) VALUES "
                "('01900000-0000-7000-8000-000000000001', 'A', 'x', 'other', "
                "'low', 'open', '2026-11-02', 'a,\"b\"\nc'),"
                "('01900000-0000-7000-8000-000000000002', 'A', 'y', 'other', "
                "'low', 'open', '2026-12-02', NULL)");
    o.to = "2026-11-30";
    mem_text(&fp, &buf, &len);
    assert_int_equal(
        export_write(f->db, &sw_tables[SW_T_CASES], &o, fp, &n, &e), 0);
    fclose(fp);
    assert_int_equal(n, 1);
    assert_string_equal(buf, CSV_BOM
                        "id,station,name,gender,birth_date,id_number,phone,"
                        "village,address,category,risk_level,status,worker,"
                        "opened_on,closed_on,notes,guardian_name,"
                        "guardian_relation,guardian_phone,hukou_type\r\n"
                        "01900000-0000-7000-8000-000000000001,A,x,,,,,,,other,"
                        "low,open,,2026-11-02,,\"a,\"\"b\"\"\nc\",,,,\r\n");
    free(buf);
    o.from = "2026-12-01";
    assert_int_equal(
        export_write(f->db, &sw_tables[SW_T_CASES], &o, stdout, &n, &e),
        SW_EUSAGE);
}

static void test_report_month(void **state)
{
    struct fx *f = *state;
    struct report r;
    struct sw_err e;

    exec(f->db,
         "INSERT INTO cases (id, station, name, category, risk_level, status, "
         "opened_on, closed_on) VALUES "
         "('01900000-0000-7000-8000-000000000001','A','a','other','high',"
         "'open','2025-03-01',NULL),"
         "('01900000-0000-7000-8000-000000000002','A','b','disabled','low',"
         "'closed','2025-01-01','2025-03-31'),"
         "('01900000-0000-7000-8000-000000000003','B','c','other','high',"
         "'open','2025-03-05',NULL);"
         "INSERT INTO visits (id, station, case_id, visited_at, mode, "
         "next_visit_on) VALUES "
         "('01900000-0000-7000-8000-00000000000a','A',"
         "'01900000-0000-7000-8000-000000000001','2025-03-01T09:00','home',"
         "'2025-03-15'),"
         "('01900000-0000-7000-8000-00000000000b','A',"
         "'01900000-0000-7000-8000-000000000001','2025-03-15','phone',NULL),"
         "('01900000-0000-7000-8000-00000000000c','A',"
         "'01900000-0000-7000-8000-000000000002','2025-03-20','home',"
         "'2025-03-25');"
         "INSERT INTO services (id, station, case_id, service_on, "
         "service_type, amount) VALUES "
         "('01900000-0000-7000-8000-0000000000a1','A',"
         "'01900000-0000-7000-8000-000000000001','2025-03-02','x','0.10'),"
         "('01900000-0000-7000-8000-0000000000a2','A',"
         "'01900000-0000-7000-8000-000000000001','2025-03-03','x','0.20')");
    assert_int_equal(report_month(f->db, "2025-03", "A", &r, &e), 0);
    assert_int_equal(r.new_total, 1);
    assert_int_equal(r.closed_total, 1);
    assert_int_equal(r.visits_total, 3);
    assert_int_equal(r.visits[0], 2); /* home */
    assert_int_equal(r.nservices, 1);
    assert_int_equal(r.services[0].count, 2);
    assert_int_equal(r.services[0].cents, 30); /* 0.1 + 0.2, exactly */
    assert_int_equal(r.followups_due, 2);      /* done: a later visit only */
    assert_int_equal(r.followups_done, 1);
    assert_int_equal(r.nunvisited, 0); /* visited 03-15 */
    assert_string_equal(r.last, "2025-03-31");
    report_release(&r);
    /* all stations: B's high-risk case was never visited */
    assert_int_equal(report_month(f->db, "2025-03", NULL, &r, &e), 0);
    assert_int_equal(r.new_total, 2);
    assert_int_equal(r.nunvisited, 1);
    assert_string_equal(r.unvisited[0].name, "c");
    assert_null(r.unvisited[0].last_visit);
    report_release(&r);
    assert_int_equal(report_month(f->db, "2025-3", NULL, &r, &e), SW_EUSAGE);
    report_release(&r);
    assert_int_equal(report_month(f->db, "2024-02", NULL, &r, &e), 0);
    assert_string_equal(r.last, "2024-02-29");
    report_release(&r);
}

/* ---- the pull answer's "remaining"
 * -------------------------------------------- */

static void test_pull_remaining(void **state)
{
    struct sw_batch b, d;
    unsigned char *out = NULL;
    size_t len = 0;
    struct sw_err e;
    (void)state;

    batch_init(&b);
    assert_int_equal(b.remaining, -1);
    b.cursor = 7;
    b.more = 1;
    b.remaining = 12345;
    assert_int_equal(codec_encode_pull(&b, &out, &len, &e), 0);
    assert_int_equal(codec_decode_pull(out, len, NULL, &d, &e), 0);
    assert_int_equal(d.remaining, 12345);
    batch_release(&d);
    free(out);
    b.remaining = -1;
    assert_int_equal(codec_encode_pull(&b, &out, &len, &e), 0);
    assert_int_equal(codec_decode_pull(out, len, NULL, &d, &e), 0);
    assert_int_equal(d.remaining, -1);
    batch_release(&d);
    free(out);
    batch_release(&b);
    {
        static const char bad[] =
            "{\"v\":1,\"cursor\":1,\"more\":true,\"remaining\":-3,\"rows\":[]}";
        assert_int_equal(codec_decode_pull_json(bad, strlen(bad), NULL, &d, &e),
                         SW_EDATA);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_put),
        cmocka_unit_test(test_csv_read),
        cmocka_unit_test(test_csv_encodings),
        cmocka_unit_test(test_pull_remaining),
        cmocka_unit_test_setup_teardown(test_audit_local, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_bad_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_defaults_and_again, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_export_csv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_month, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

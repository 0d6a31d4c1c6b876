/*
** test-console.c — what the station console stands on, without HTTP:
** workers and sessions (sync/workers.c), record writes (sync/edit.c),
** today's work (sync/desk.c) and the shared web layer's form decoding,
** origin check and CSRF tokens (sync/web/form.c, session.c).
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "desk.h"
#include "edit.h"
#include "form.h"
#include "session.h"
#include "sw.h"
#include "table.h"
#include "workers.h"

struct fx {
    char dir[256], path[512];
    sdb *db;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    const char *tmp = getenv("TMPDIR");
    struct sw_err e;
    if (!f)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/swsync-test-console-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/r.db", f->dir);
    if (db_create(f->path, SW_ROLE_STATION, &f->db, &e) ||
        db_config_set(f->db, "station", "A01", &e) ||
        db_config_set(f->db, "site", "A01-abcdef", &e))
        return -1;
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

static int64_t q_int(sdb *db, const char *sql)
{
    sdb_stmt *st;
    int64_t v = -1;
    if (sdb_prepare_v2(db, sql, -1, &st, NULL) == SDB_OK &&
        sdb_step(st) == SDB_ROW)
        v = sdb_column_int64(st, 0);
    sdb_finalize(st);
    return v;
}

/* ---- workers and sessions ------------------------------------------------ */

static void test_workers(void **state)
{
    struct fx *f = *state;
    struct sw_err e;
    char cookie[ACCT_COOKIE_LEN + 1], cookie2[ACCT_COOKIE_LEN + 1];
    char who[ACCT_NAME_MAX + 1];
    enum workers_state st;
    struct acct_limits lim = {60 * 1000, 3600 * 1000};
    int ok;

    assert_int_equal(workers_add(f->db, "li", "short", &e), SW_EDATA);
    assert_int_equal(workers_add(f->db, "li si", "long enough pw", &e),
                     SW_EDATA);
    assert_int_equal(workers_add(f->db, "li", "long enough pw", &e), 0);
    assert_int_equal(workers_add(f->db, "li", "another one pw", &e),
                     SW_ECANTCREAT);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM workers"), 1);

    /* a wrong password, an unknown name: no session */
    assert_int_equal(
        workers_login(f->db, "li", "wrong password", &lim, &ok, cookie, &e), 0);
    assert_false(ok);
    assert_int_equal(
        workers_login(f->db, "wang", "long enough pw", &lim, &ok, cookie, &e),
        0);
    assert_false(ok);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM worker_sessions"), 0);

    assert_int_equal(
        workers_login(f->db, "li", "long enough pw", &lim, &ok, cookie, &e), 0);
    assert_true(ok);
    assert_true(acct_cookie_wellformed(cookie));
    assert_int_equal(workers_session(f->db, cookie, &lim, who, &st, &e), 0);
    assert_int_equal(st, WORKERS_VALID);
    assert_string_equal(who, "li");

    /* idle for longer than the limit: expired, and stays so */
    sdb_exec5(f->db,
              "UPDATE worker_sessions SET last_used = last_used - "
              "61000",
              NULL, NULL, NULL);
    assert_int_equal(workers_session(f->db, cookie, &lim, who, &st, &e), 0);
    assert_int_equal(st, WORKERS_EXPIRED);
    assert_string_equal(who, "");
    /* a cookie not given out: none */
    memset(cookie2, 'a', ACCT_COOKIE_LEN);
    cookie2[ACCT_COOKIE_LEN] = '\0';
    assert_int_equal(workers_session(f->db, cookie2, &lim, who, &st, &e), 0);
    assert_int_equal(st, WORKERS_NONE);

    /* a new sign-in purges the expired session */
    assert_int_equal(
        workers_login(f->db, "li", "long enough pw", &lim, &ok, cookie2, &e),
        0);
    assert_true(ok);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM worker_sessions"), 1);

    /* the password change keeps this session, checks the old one */
    assert_int_equal(workers_set_password(f->db, "li", "wrong password",
                                          "new password 1", cookie2, &ok, &e),
                     0);
    assert_false(ok);
    assert_int_equal(workers_set_password(f->db, "li", "long enough pw",
                                          "new password 1", cookie2, &ok, &e),
                     0);
    assert_true(ok);
    assert_int_equal(workers_session(f->db, cookie2, &lim, who, &st, &e), 0);
    assert_int_equal(st, WORKERS_VALID);

    /* sign-out, removal */
    assert_int_equal(workers_logout(f->db, cookie2, &e), 0);
    assert_int_equal(workers_session(f->db, cookie2, &lim, who, &st, &e), 0);
    assert_int_equal(st, WORKERS_NONE);
    assert_int_equal(
        workers_login(f->db, "li", "new password 1", &lim, &ok, cookie, &e), 0);
    assert_true(ok);
    assert_int_equal(workers_remove(f->db, "li", &e), 0);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM worker_sessions"), 0);
    assert_int_equal(workers_remove(f->db, "li", &e), SW_EDATA);
}

/* ---- edits and today's work ---------------------------------------------- */

static void add(struct fx *f, const struct sw_table *t, const char *const *kv,
                char id[SW_UUID_LEN + 1])
{
    const char *vals[32] = {NULL};
    struct sw_err e;
    for (int i = 0; kv[i]; i += 2)
        vals[sw_col_index(t, kv[i])] = kv[i + 1];
    assert_int_equal(edit_add(f->db, t, vals, "2026-12-02", id, &e), 0);
}

static void test_edit_and_due(void **state)
{
    struct fx *f = *state;
    const struct sw_table *ct = &sw_tables[SW_T_CASES];
    const struct sw_table *vt = &sw_tables[SW_T_VISITS];
    char a[SW_UUID_LEN + 1], b[SW_UUID_LEN + 1], v[SW_UUID_LEN + 1];
    const char *vals[32] = {NULL};
    unsigned char given[32] = {0};
    struct desk_rows r;
    struct sw_err e;
    int found;
    char *rec[32], from[32];

    /* a required field missing: nothing written */
    vals[sw_col_index(ct, "name")] = "张三";
    assert_int_equal(edit_add(f->db, ct, vals, "2026-12-02", a, &e), SW_EDATA);
    assert_non_null(strstr(e.msg, "category"));
    /* a bad value: nothing written */
    vals[sw_col_index(ct, "category")] = "elderly_alone";
    vals[sw_col_index(ct, "opened_on")] = "2026-02-30";
    assert_int_equal(edit_add(f->db, ct, vals, "2026-12-02", a, &e), SW_EDATA);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM cases"), 0);

    add(f, ct,
        (const char *const[]){"name", "张三", "category", "elderly_alone",
                              "risk_level", "high", NULL},
        a);
    add(f, ct, (const char *const[]){"name", "李四", "category", "other", NULL},
        b);
    assert_int_equal(q_int(f->db, "SELECT count(*) FROM cases WHERE opened_on "
                                  "= '2026-12-02' AND status = 'open'"),
                     2);

    /* a's visit asks for the next one by 12-01: due; b's older visit did,
    ** but a later one does not: not due */
    add(f, vt,
        (const char *const[]){"case_id", a, "mode", "home", "visited_at",
                              "2026-11-20", "next_visit_on", "2026-12-01",
                              "findings", "好", NULL},
        v);
    add(f, vt,
        (const char *const[]){"case_id", b, "mode", "home", "visited_at",
                              "2026-11-01", "next_visit_on", "2026-11-10",
                              NULL},
        v);
    add(f, vt,
        (const char *const[]){"case_id", b, "mode", "phone", "visited_at",
                              "2026-11-10", NULL},
        v);
    assert_int_equal(desk_due(f->db, "2026-12-02", 100, &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(desk_cell(&r, 0, 0), a);
    assert_string_equal(desk_cell(&r, 0, 6), "好");
    desk_rows_release(&r);
    assert_int_equal(desk_due(f->db, "2026-11-30", 100, &r, &e), 0);
    assert_int_equal(r.n, 0);
    desk_rows_release(&r);

    /* high risk, visited 11-20: stale since 12-01, not since 11-15 */
    assert_int_equal(desk_stale_high(f->db, "2026-12-01", 100, &r, &e), 0);
    assert_int_equal(r.n, 1);
    desk_rows_release(&r);
    assert_int_equal(desk_stale_high(f->db, "2026-11-15", 100, &r, &e), 0);
    assert_int_equal(r.n, 0);
    desk_rows_release(&r);

    /* closing a's case takes it off the due list */
    memset((void *)vals, 0, sizeof(vals));
    vals[sw_col_index(ct, "status")] = "closed";
    given[sw_col_index(ct, "status")] = 1;
    assert_int_equal(edit_set(f->db, ct, a, vals, given, &e), 0);
    assert_int_equal(desk_due(f->db, "2026-12-02", 100, &r, &e), 0);
    assert_int_equal(r.n, 0);
    desk_rows_release(&r);
    assert_int_equal(desk_open_by_category(f->db, &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(desk_cell(&r, 0, 0), "other");
    desk_rows_release(&r);

    /* a fixed field cannot change; a deleted record is gone for edits */
    memset(given, 0, sizeof(given));
    given[sw_col_index(vt, "case_id")] = 1;
    assert_int_equal(edit_set(f->db, vt, v, vals, given, &e), SW_EDATA);
    assert_int_equal(edit_delete(f->db, ct, b, &e), 0);
    assert_int_equal(edit_delete(f->db, ct, b, &e), SW_EDATA);
    assert_int_equal(desk_record(f->db, ct, b, rec, from, &found, &e), 0);
    assert_true(found);
    assert_string_equal(rec[sw_col_deleted(ct)], "1");
    desk_vals_free(ct, rec);

    /* search goes through search.c */
    assert_int_equal(desk_search(f->db, "zs", 10, &r, &e), 0);
    assert_int_equal(r.n, 1);
    assert_string_equal(desk_cell(&r, 0, 1), "张三");
    desk_rows_release(&r);
}

/* ---- the web layer ---------------------------------------------------------
 */

static void test_form(void **state)
{
    struct form f;
    const char body[] = "name=%E5%BC%A0%E4%B8%89&x=a+b&empty=&csrf=1";
    (void)state;

    memset(&f, 0, sizeof(f));
    assert_int_equal(form_parse(&f, body, strlen(body)), 0);
    assert_string_equal(form_get(&f, "name"), "张三");
    assert_string_equal(form_get(&f, "x"), "a b");
    assert_string_equal(form_get(&f, "empty"), "");
    assert_null(form_get(&f, "nope"));
    form_release(&f);
    memset(&f, 0, sizeof(f));
    assert_int_equal(form_parse(&f, "a=%00", 5), -1); /* a NUL */
    form_release(&f);
    memset(&f, 0, sizeof(f));
    assert_int_equal(form_parse(&f, "a=%ff", 5), -1); /* not UTF-8 */
    form_release(&f);
    memset(&f, 0, sizeof(f));
    assert_int_equal(form_parse(&f, "a=%4", 4), -1); /* a bad escape */
    form_release(&f);

    assert_true(form_origin_ok("127.0.0.1:8765", NULL, NULL));
    assert_true(
        form_origin_ok("127.0.0.1:8765", "http://127.0.0.1:8765", NULL));
    assert_false(
        form_origin_ok("127.0.0.1:8765", "http://127.0.0.1:8766", NULL));
    assert_false(form_origin_ok("127.0.0.1:8765", "null", NULL));
    assert_true(
        form_origin_ok("127.0.0.1:8765", NULL, "http://127.0.0.1:8765/case/1"));
    assert_false(
        form_origin_ok("127.0.0.1:8765", NULL, "http://127.0.0.1:87650/"));
    assert_true(form_local_path_ok("/case/1", "/"));
    assert_false(form_local_path_ok("//evil.example/", "/"));
    assert_false(form_local_path_ok("http://evil.example/", "/"));
}

static void test_csrf(void **state)
{
    char c1[ACCT_COOKIE_LEN + 1], c2[ACCT_COOKIE_LEN + 1];
    char t1[ACCT_CSRF_LEN + 1], h[ACCT_HASH_HEX_LEN + 1];
    struct sw_err e;
    (void)state;

    assert_int_equal(acct_cookie_new(c1, &e), 0);
    assert_int_equal(acct_cookie_new(c2, &e), 0);
    assert_string_not_equal(c1, c2);
    acct_csrf(c1, t1);
    assert_int_equal(strlen(t1), ACCT_CSRF_LEN);
    assert_true(acct_csrf_ok(c1, t1));
    assert_false(acct_csrf_ok(c2, t1));
    assert_false(acct_csrf_ok(c1, NULL));
    assert_false(acct_csrf_ok(c1, c1));
    assert_int_equal(acct_cookie_hash(c1, h, &e), 0);
    assert_string_not_equal(h, c1);
    assert_int_equal(strlen(h), ACCT_HASH_HEX_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_edit_and_due, setup, teardown),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_csrf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

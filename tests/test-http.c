/*
** test-http.c — the agent's HTTP answers to exit codes (the table in
** docs/protocol.md), transport failures to exit codes, the one-line error
** built from a county's JSON error, and the cleaning of server text
** before it reaches a terminal.  No network.
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

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "codec.h"
#include "http.h"
#include "sw.h"

static void assert_has(const char *got, const char *want)
{
    if (!strstr(got, want))
        fail_msg("'%s' does not contain '%s'", got, want);
}

/* ---- status -> exit code ---------------------------------------------- */

static void test_status_table(void **state)
{
    (void)state;
    assert_int_equal(http_status_exit(200, NULL), 0);
    assert_int_equal(http_status_exit(400, "bad_request"), 65);
    assert_int_equal(http_status_exit(401, "unauthorized"), 77);
    assert_int_equal(http_status_exit(401, NULL), 77);
    assert_int_equal(http_status_exit(403, "forbidden"), 77);
    assert_int_equal(http_status_exit(404, "not_found"), 69);
    assert_int_equal(http_status_exit(405, "method_not_allowed"), 69);
    assert_int_equal(http_status_exit(415, NULL), 69);
    assert_int_equal(http_status_exit(409, "version_mismatch"), 69);
    assert_int_equal(http_status_exit(409, "site_mismatch"), 77);
    assert_int_equal(http_status_exit(409, NULL), 69);
    assert_int_equal(http_status_exit(413, "too_large"), SW_ETOOBIG);
    assert_int_equal(http_status_exit(429, "busy"), 75);
    assert_int_equal(http_status_exit(503, "busy"), 75);
    assert_int_equal(http_status_exit(500, "internal"), 75);
}

static void test_status_others(void **state)
{
    (void)state;
    /* proxies in between: temporary */
    assert_int_equal(http_status_exit(502, NULL), 75);
    assert_int_equal(http_status_exit(504, NULL), 75);
    assert_int_equal(http_status_exit(408, NULL), 75);
    /* not a county we can talk to */
    assert_int_equal(http_status_exit(301, NULL), 69);
    assert_int_equal(http_status_exit(302, NULL), 69);
    assert_int_equal(http_status_exit(418, NULL), 69);
    assert_int_equal(http_status_exit(204, NULL), 69);
    assert_int_equal(http_status_exit(0, NULL), 69);
}

/* ---- curl failure -> exit code ---------------------------------------- */

static void test_curl_codes(void **state)
{
    (void)state;
    assert_int_equal(http_curl_exit(CURLE_OK), 0);
    assert_int_equal(http_curl_exit(CURLE_COULDNT_CONNECT), 75);
    assert_int_equal(http_curl_exit(CURLE_COULDNT_RESOLVE_HOST), 75);
    assert_int_equal(http_curl_exit(CURLE_OPERATION_TIMEDOUT), 75);
    assert_int_equal(http_curl_exit(CURLE_RECV_ERROR), 75);
    assert_int_equal(http_curl_exit(CURLE_SEND_ERROR), 75);
    assert_int_equal(http_curl_exit(CURLE_GOT_NOTHING), 75);
    assert_int_equal(http_curl_exit(CURLE_PARTIAL_FILE), 75);
    assert_int_equal(http_curl_exit(CURLE_SSL_CONNECT_ERROR), 75);
    assert_int_equal(http_curl_exit(CURLE_PEER_FAILED_VERIFICATION), 78);
    assert_int_equal(http_curl_exit(CURLE_SSL_CACERT_BADFILE), 78);
    assert_int_equal(http_curl_exit(CURLE_UNSUPPORTED_PROTOCOL), 78);
    assert_int_equal(http_curl_exit(CURLE_URL_MALFORMAT), 78);
    assert_int_equal(http_curl_exit(CURLE_OUT_OF_MEMORY), 70);
}

/* ---- the error line ---------------------------------------------------- */

static struct http_resp resp(long status, const char *body)
{
    struct http_resp r;
    memset(&r, 0, sizeof(r));
    r.status = status;
    r.retry_after = -1;
    if (body) {
        r.body = (unsigned char *)strdup(body);
        assert_non_null(r.body);
        r.len = strlen(body);
    }
    return r;
}

static void test_answer_fail_json(void **state)
{
    struct http_resp r =
        resp(401, "{\"error\":\"unauthorized\",\"message\":\"revoked\"}");
    struct sw_err err;
    (void)state;

    assert_int_equal(http_answer_fail(&r, "hello", &err), 77);
    assert_int_equal(err.code, 77);
    assert_has(err.msg, "hello: county answered 401 unauthorized: revoked");
    assert_has(err.msg, "token");
    assert_null(strchr(err.msg, '\n'));
    http_resp_release(&r);

    r = resp(409, "{\"error\":\"site_mismatch\",\"message\":\"bound\"}");
    assert_int_equal(http_answer_fail(&r, "hello", &err), 77);
    assert_has(err.msg, "409 site_mismatch: bound");
    http_resp_release(&r);

    r = resp(503, "{\"error\":\"busy\",\"message\":\"later\"}");
    r.retry_after = 120;
    assert_int_equal(http_answer_fail(&r, "pull", &err), 75);
    assert_has(err.msg, "120 s");
    http_resp_release(&r);
}

static void test_answer_fail_not_json(void **state)
{
    struct http_resp r = resp(502, "<html>Bad Gateway</html>");
    struct sw_err err;
    (void)state;

    assert_int_equal(http_answer_fail(&r, "push", &err), 75);
    assert_has(err.msg, "push: county answered 502");
    http_resp_release(&r);

    r = resp(404, NULL);
    assert_int_equal(http_answer_fail(&r, "hello", &err), 69);
    assert_has(err.msg, "404");
    http_resp_release(&r);

    /* a wrong path (a web server's 415): the fix is named */
    r = resp(415, NULL);
    assert_int_equal(http_answer_fail(&r, "hello", &err), 69);
    assert_has(err.msg, "415");
    assert_has(err.msg, "with no path");
    http_resp_release(&r);
}

static void test_answer_fail_deflated(void **state)
{
    const char *j = "{\"error\":\"too_large\",\"message\":\"over 4 MiB\"}";
    unsigned char *z = NULL;
    size_t zlen = 0;
    struct http_resp r;
    struct sw_err err;
    (void)state;

    assert_int_equal(codec_deflate(j, strlen(j), &z, &zlen, NULL), 0);
    memset(&r, 0, sizeof(r));
    r.status = 413;
    r.body = z;
    r.len = zlen;
    r.deflated = 1;
    assert_int_equal(http_answer_fail(&r, "push", &err), SW_ETOOBIG);
    assert_has(err.msg, "413 too_large: over 4 MiB");
    http_resp_release(&r);
}

static void test_answer_fail_hostile_text(void **state)
{
    /* escape sequences and newlines from a server must not reach the
    ** terminal or split the one-line message; long text is cut */
    char body[2048];
    struct http_resp r;
    struct sw_err err;
    (void)state;

    snprintf(body, sizeof(body),
             "{\"error\":\"bad\\u001b[2Jx\",\"message\":\"a\\nb\\r\\u009b"
             "c%0600d\"}",
             0);
    r = resp(400, body);
    assert_int_equal(http_answer_fail(&r, "push", &err), 65);
    assert_null(strchr(err.msg, '\n'));
    assert_null(strchr(err.msg, '\r'));
    assert_null(strchr(err.msg, '\x1b'));
    assert_null(strstr(err.msg, "\xc2\x9b"));
    assert_has(err.msg, "a?b??c000");
    assert_true(strlen(err.msg) < 400);
    http_resp_release(&r);
}

/* ---- cleaning text ----------------------------------------------------- */

static void test_clean_text(void **state)
{
    char out[16];
    (void)state;

    http_clean_text("plain", 5, out, sizeof(out));
    assert_string_equal(out, "plain");
    http_clean_text("a\tb\x7f", 4, out, sizeof(out));
    assert_string_equal(out, "a?b?");
    /* UTF-8 is kept: 张三 */
    http_clean_text("\xe5\xbc\xa0\xe4\xb8\x89", 6, out, sizeof(out));
    assert_string_equal(out, "\xe5\xbc\xa0\xe4\xb8\x89");
    /* invalid and overlong sequences become '?' */
    http_clean_text("\xff\xc0\xaf", 3, out, sizeof(out));
    assert_string_equal(out, "???");
    /* a truncated sequence at the end */
    http_clean_text("ab\xe5\xbc", 4, out, sizeof(out));
    assert_string_equal(out, "ab??");
    /* never a cut character: 5 x 3 bytes into 15 bytes of room */
    http_clean_text("\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0\xe5\xbc\xa0"
                    "\xe5\xbc\xa0",
                    15, out, 15);
    assert_int_equal(strlen(out), 12);
    /* stops at len and at NUL */
    http_clean_text("abcdef", 3, out, sizeof(out));
    assert_string_equal(out, "abc");
    http_clean_text("ab\0cd", 5, out, sizeof(out));
    assert_string_equal(out, "ab");
    /* n = 1: just the terminator */
    http_clean_text("abc", 3, out, 1);
    assert_string_equal(out, "");
}

/* ---- the client refuses a bad URL without touching the network ---------- */

static void test_open_bad_url(void **state)
{
    struct http_opts o;
    struct http *h = (struct http *)1;
    struct sw_err err;
    (void)state;

    memset(&o, 0, sizeof(o));
    o.server = "ftp://county.example";
    o.token = "sw1_x";
    o.max_body = 1024;
    assert_int_equal(http_open(&h, &o, &err), SW_ECONFIG);
    assert_null(h);
    assert_null(strstr(err.msg, "sw1_x"));

    o.server = "https://county.example/";
    assert_int_equal(http_open(&h, &o, &err), 0);
    assert_non_null(h);
    http_close(h);
    http_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_table),
        cmocka_unit_test(test_status_others),
        cmocka_unit_test(test_curl_codes),
        cmocka_unit_test(test_answer_fail_json),
        cmocka_unit_test(test_answer_fail_not_json),
        cmocka_unit_test(test_answer_fail_deflated),
        cmocka_unit_test(test_answer_fail_hostile_text),
        cmocka_unit_test(test_clean_text),
        cmocka_unit_test(test_open_bad_url),
    };
    int rc;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}

/*
** fuzz-hello-ans.c — the county's answer to POST /v1/hello as `swsync
** sync` reads it and acts on it: agent/cmd-sync.c's hello() and
** after_hello() (static there: the file is included), on a station's
** replica, with the HTTP client replaced by one that answers 200 with the
** input.
**
** Input: the answer's JSON, or (first byte 0x78, a zlib header) a
** deflated answer.  The replica goes back to its first state after each
** input.
*/
#include "../../agent/cmd-sync.c"

#include "fixture.h"

/* ---- the HTTP client, replaced ------------------------------------------ */

static const uint8_t *answer;
static size_t answer_len;

int http_open(struct http **out, const struct http_opts *o, struct sw_err *err)
{
    (void)o;
    (void)err;
    *out = NULL;
    return 0;
}

void http_close(struct http *h)
{
    (void)h;
}

void http_set_max_body(struct http *h, size_t max_body)
{
    (void)h;
    (void)max_body;
}

static int answer_with(struct http_resp *res)
{
    memset(res, 0, sizeof(*res));
    res->status = 200;
    res->retry_after = -1;
    res->body = malloc(answer_len + 1);
    if (!res->body)
        abort();
    if (answer_len)
        memcpy(res->body, answer, answer_len);
    res->body[answer_len] = '\0';
    res->len = answer_len;
    res->deflated = answer_len > 0 && answer[0] == 0x78;
    res->sent_ms = sw_now_ms();
    res->recv_ms = res->sent_ms + 5;
    return 0;
}

int http_post(struct http *h, const char *what, const char *path,
              const char *ctype, int deflated, const void *body, size_t len,
              struct http_resp *res, struct sw_err *err)
{
    (void)h, (void)what, (void)path, (void)ctype, (void)deflated, (void)body;
    (void)len, (void)err;
    return answer_with(res);
}

int http_get(struct http *h, const char *what, const char *path,
             struct http_resp *res, struct sw_err *err)
{
    (void)h, (void)what, (void)path, (void)err;
    return answer_with(res);
}

void http_resp_release(struct http_resp *res)
{
    if (res) {
        free(res->body);
        res->body = NULL;
    }
}

int http_answer_fail(const struct http_resp *res, const char *what,
                     struct sw_err *err)
{
    return sw_fail(err, SW_EUNAVAIL, "%s: county answered %ld", what,
                   res->status);
}

/* main.c's, which is not linked */
const struct cmd *cmd_find(const char *name)
{
    (void)name;
    return NULL;
}

void cmd_print_help(const struct cmd *c)
{
    (void)c;
}

/* ---- the target -----------------------------------------------------------
 */

static struct fixture F;
static struct cmd_ctx ctx;
static struct sync first; /* its replica opened once: statements kept */

static void setup(void)
{
    fixture_open(&F, SW_ROLE_STATION);
    ctx.db = F.db;
    ctx.quiet = 1;
    first.ctx = &ctx;
    first.err = &ctx.err;
    first.quiet = 1;
    first.hi.max_body = DEFAULT_MAX_BODY;
    first.hi.push_changes = PROTO_PUSH_CHANGES;
    first.hi.pull_limit = PROTO_PULL_DEFAULT;
    first.hi.pull_lim = codec_default_limits;
    if (replica_open(&first.r, F.db, &ctx.err))
        fixture_die("replica", &ctx.err);
    fixture_snapshot(&F);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct sync s;
    int rc;

    if (!F.db)
        setup();
    answer = data;
    answer_len = size;
    memset(&ctx.err, 0, sizeof(ctx.err));
    s = first; /* as cmd_sync() has it before the hello */
    rc = hello(&s);
    if (rc == 0) {
        /* what the rest of the sync relies on */
        if (s.hi.push_changes < 1 || s.hi.pull_limit < 1 ||
            s.hi.pull_limit > PROTO_PULL_MAX || s.hi.max_body < 1 ||
            s.hi.max_body > PROTO_CEIL_MAX_BODY ||
            s.hi.pull_lim.max_compressed > PROTO_CEIL_MAX_BODY ||
            s.hi.pull_lim.max_inflated > PROTO_CEIL_MAX_INFLATED ||
            s.hi.pull_lim.max_changes > PROTO_CEIL_MAX_CHANGES)
            abort();
        rc = after_hello(&s);
        fixture_reset(&F);
    }
    return 0;
}

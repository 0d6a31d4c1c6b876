/*
** swsync sync — one exchange with the county server (docs/protocol.md):
** hello, then push the sealed outbox in batches, then pull until the
** county has nothing more.
**
** Every step that changes the replica is its own transaction (the engine
** sees to that), so a sync cut anywhere leaves the replica consistent: a
** push batch the county acknowledged is forgotten and never resent; one
** whose answer was lost stays pending and is resent next time, and the
** county skips what it already applied by outbox sequence.  A pulled batch
** and its cursor are stored together or not at all.
**
** Only one sync runs at a time on one replica: a second one finds the
** lock "<db>.lock" taken and exits 75 at once (cron tries again later).
**
** Recorded in the replica's config: last_attempt (ms), last_sync (ms, on
** success), last_error (text; removed on success), skew_ms (this PC's
** clock minus the county's, as measured by the hello).
*/
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cmd.h"
#include "codec.h"
#include "db.h"
#include "hlc.h"
#include "http.h"
#include "links.h"
#include "proto.h"
#include "replica.h"

/* Defaults when the hello does not say (docs/protocol.md; the rest of
** the protocol's numbers are sync/proto.h's). */
#define DEFAULT_MAX_BODY (4u << 20)
/* Room for the answer's framing above max_body. */
#define BODY_MARGIN (64u << 10)
/* The hello's own answer is small. */
#define HELLO_MAX PROTO_HELLO_MAX_ANSWER

#define TOKEN_MAX 512
#define TOKEN_FILE_MAX 4096
#define MAX_SECONDS 86400
/* Pulled versions further ahead of the county's clock (measured at
** hello) than its max_drift_ms do not move this replica's clock: the
** bound when the county gives none, and the most we take from it. */
#define PULL_DRIFT_DEFAULT_MS (600 * 1000)
#define PULL_DRIFT_CEIL_MS (86400 * 1000)

static const char SQL_DEL_CONFIG[] = "DELETE FROM config WHERE key = ?1";
static const char SQL_PENDING_COUNT[] = "SELECT count(*) FROM pending";

struct hello {
    int64_t server_ms;            /* the county's clock */
    int64_t acked;                /* highest outbox seq of ours it applied */
    int64_t max_drift_ms;         /* 0: not given */
    int64_t conflicts_mark;       /* -1: not given */
    int64_t offset_ms;            /* server_ms - midpoint of our send/receive */
    size_t max_body;              /* the county's bound on a request body */
    size_t push_changes;          /* changes in one push */
    size_t pull_limit;            /* fields asked for in one pull */
    struct codec_limits pull_lim; /* our bound on a pull answer */
};

/* A column backfill after a migration (see backfill()). */
struct backfill {
    int64_t since, after, upto;
};

struct sync {
    struct cmd_ctx *ctx;
    struct sw_err *err;
    int quiet;
    int tty;          /* progress on stderr, which is a terminal */
    int progress_len; /* length of the progress line shown, 0: none */
    /* the phase the progress line shows: its changes in all (-1: not
       known), bytes on the wire so far, when it started */
    int64_t total;
    size_t bytes;
    int64_t t0;
    const char *cacert_opt;
    long timeout_s;
    struct replica r;
    int r_open;
    struct http *h;
    struct hello hi;
    int echo; /* pull our own writes too (restored from a backup) */
    long pushed, pulled, conflicts, clamped;
};

/* ---- small helpers ------------------------------------------------------ */

/* Seconds 0..MAX_SECONDS, digits only. */
static int parse_secs(const char *s, long *out)
{
    long v = 0;
    if (!s || !*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > MAX_SECONDS)
            return -1;
    }
    *out = v;
    return 0;
}

static int config_set_int(sdb *db, const char *key, int64_t v,
                          struct sw_err *err)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", (long long)v);
    return db_config_set(db, key, buf, err);
}

static int config_del(sdb *db, const char *key, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_DEL_CONFIG, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, key, -1, SDB_STATIC);
    rc = sdb_step(st) == SDB_DONE ? 0 : db_fail(err, db, "config");
    sdb_finalize(st);
    return rc;
}

/* A duration: digits with an optional unit s, m, h or d (default s), e.g.
** 24h, 90m, 2d.  Into ms; up to 365 days. */
static int parse_duration_ms(const char *s, int64_t *out)
{
    int64_t v = 0, unit = 1000;
    const char *p = s;
    if (!s || *s < '0' || *s > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        v = v * 10 + (*p - '0');
        if (v > 365LL * 86400)
            return -1;
    }
    if (*p == 'm')
        unit = 60000;
    else if (*p == 'h')
        unit = 3600000;
    else if (*p == 'd')
        unit = 86400000;
    else if (*p != 's' && *p != '\0')
        return -1;
    if (*p && p[1])
        return -1;
    if (v * unit > 365LL * 86400000)
        return -1;
    *out = v * unit;
    return 0;
}

/* The time --quiet's warning decisions use: the clock, or for tests only
** the environment variable SWSYNC_NOW_MS (ms since the epoch).  Versions
** and the recorded times never use it. */
static int64_t quiet_now_ms(void)
{
    const char *e = getenv("SWSYNC_NOW_MS");
    if (e && *e) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (*end == '\0' && v > 0)
            return (int64_t)v;
    }
    return sw_now_ms();
}

static int config_get_int(sdb *db, const char *key, int64_t *out)
{
    char *v = NULL, *end;
    int ok = 0;
    if (db_config_get(db, key, &v, NULL) == 0 && v && *v) {
        long long n = strtoll(v, &end, 10);
        if (*end == '\0') {
            *out = (int64_t)n;
            ok = 1;
        }
    }
    free(v);
    return ok;
}

/* A temporary failure (75) under --quiet: silent while the last
** successful sync (else the first attempt) is younger than warn_after,
** then one line a day (the last warning's time is kept in the replica's
** config as last_warned).  Empties err's message when silent. */
static void quiet_temp_failure(sdb *db, int64_t warn_after, struct sw_err *err)
{
    struct sw_err scratch;
    int64_t now = quiet_now_ms(), since = 0, warned = 0;
    char msg[sizeof(err->msg)], when[32] = "never";
    int synced = config_get_int(db, "last_sync", &since);

    sw_err_clear(&scratch);
    if (!synced && !config_get_int(db, "first_attempt", &since))
        since = now;
    if (now - since < warn_after) {
        err->msg[0] = '\0';
        return;
    }
    if (config_get_int(db, "last_warned", &warned) && now - warned < 86400000 &&
        now >= warned) {
        err->msg[0] = '\0';
        return;
    }
    config_set_int(db, "last_warned", now, &scratch);
    if (synced) {
        time_t t = (time_t)(since / 1000);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
    }
    memcpy(msg, err->msg, sizeof(msg));
    sw_fail(
        err, SW_ETEMP,
        _("no successful sync for %lld hours (last: %s); still failing: %s"),
        (long long)((now - since) / 3600000), when, msg);
}

/* Put "what: text: " before err's message.  Returns code. */
static int prefix_err(struct sw_err *err, int code, const char *what,
                      const char *text)
{
    char msg[SW_ERRMSG_MAX];
    if (!err)
        return code;
    memcpy(msg, err->msg, sizeof(msg));
    return sw_fail(err, code, "%s: %s: %s", what, text, msg);
}

/* "3 days", "5 hours", "12 minutes", "40 seconds" into buf. */
static void human_ms(int64_t ms, char *buf, size_t n)
{
    int64_t s = (ms < 0 ? -ms : ms) / 1000;
    if (s >= 2 * 86400)
        snprintf(buf, n, _("%lld days"), (long long)(s / 86400));
    else if (s >= 2 * 3600)
        snprintf(buf, n, _("%lld hours"), (long long)(s / 3600));
    else if (s >= 120)
        snprintf(buf, n, _("%lld minutes"), (long long)(s / 60));
    else
        snprintf(buf, n, _("%lld seconds"), (long long)s);
}

/* 1234567 bytes as "1.2 MB" (kB below 1 MB). */
static void human_bytes(double b, char *buf, size_t n)
{
    if (b >= 1e6)
        snprintf(buf, n, "%.1f MB", b / 1e6);
    else
        snprintf(buf, n, "%.0f kB", b / 1e3 + 0.5);
}

/* Start a phase of the progress line: total changes (-1: unknown). */
static void progress_start(struct sync *s, int64_t total)
{
    s->total = total;
    s->bytes = 0;
    s->t0 = sw_now_ms();
}

/*
** On a terminal, one line rewritten in place: what is done of how much,
** bytes so far of the estimated whole (bytes per change so far times the
** changes), the rate and the time left:
**   pulling: 12000 of 100000 changes (12%), 1.2 of 9.8 MB, 800/s, 2 min left
** Under cron (not a terminal, or --quiet) nothing.
*/
static void progress(struct sync *s, const char *what, long n)
{
    char line[200], b1[32], b2[32];
    size_t k = 0;
    int64_t el = sw_now_ms() - s->t0;
    double rate = el > 0 ? (double)n * 1000.0 / (double)el : 0;
    int len;

    if (!s->tty)
        return;
    if (s->total >= n && s->total > 0)
        k += (size_t)snprintf(line + k, sizeof(line) - k,
                              _("%s: %ld of %lld changes (%d%%)"), what, n,
                              (long long)s->total,
                              (int)((double)n * 100.0 / (double)s->total));
    else
        k += (size_t)snprintf(line + k, sizeof(line) - k, _("%s: %ld changes"),
                              what, n);
    human_bytes((double)s->bytes, b1, sizeof(b1));
    if (s->total >= n && n > 0) {
        human_bytes((double)s->bytes * (double)s->total / (double)n, b2,
                    sizeof(b2));
        k += (size_t)snprintf(line + k, sizeof(line) - k, _(", %s of %s"), b1,
                              b2);
    } else {
        k += (size_t)snprintf(line + k, sizeof(line) - k, ", %s", b1);
    }
    if (el >= 1000 && rate > 0) {
        k += (size_t)snprintf(line + k, sizeof(line) - k, ", %.0f/s", rate);
        if (s->total > n) {
            char left[32];
            human_ms((int64_t)((double)(s->total - n) / rate * 1000.0), left,
                     sizeof(left));
            snprintf(line + k, sizeof(line) - k, _(", %s left"), left);
        }
    }
    len = fprintf(stderr, "\r%s", line);
    if (len > 0 && len - 1 < s->progress_len)
        fprintf(stderr, "%*s", s->progress_len - (len - 1), "");
    if (len > 0 && len - 1 > s->progress_len)
        s->progress_len = len - 1;
    fflush(stderr);
}

static void progress_clear(struct sync *s)
{
    if (!s->tty || s->progress_len == 0)
        return;
    fprintf(stderr, "\r%*s\r", s->progress_len, "");
    fflush(stderr);
    s->progress_len = 0;
}

/* ---- lock, jitter, token ------------------------------------------------ */

/*
** Take the sync lock: "<db>.lock", flock'd exclusively.  *fd stays open
** (and the lock held) until closed.  Taken: SW_ETEMP at once.
*/
static int take_lock(const char *db_path, int *fd, struct sw_err *err)
{
    struct sw_buf path;
    int f, rc = 0;

    *fd = -1;
    sb_init(&path);
    sb_adds(&path, db_path);
    sb_adds(&path, ".lock");
    if (path.oom)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    f = open(path.buf, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
             0600);
    if (f < 0) {
        rc = sw_fail(err, SW_ECANTCREAT, _("lock file %s: %s"), path.buf,
                     strerror(errno));
    } else if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            rc = sw_fail(err, SW_ETEMP,
                         _("another sync of %s is running (lock %s)"), db_path,
                         path.buf);
        else
            rc = sw_fail(err, SW_EIO, _("lock file %s: %s"), path.buf,
                         strerror(errno));
        close(f);
    } else {
        *fd = f;
    }
    sb_release(&path);
    return rc;
}

/* Sleep a random 0..max_s seconds (millisecond steps). */
static void jitter(long max_s)
{
    uint32_t r = 0;
    struct timespec ts;
    uint64_t ms;

    if (max_s <= 0 || sw_random(&r, sizeof(r)))
        return;
    ms = (uint64_t)r % ((uint64_t)max_s * 1000 + 1);
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/*
** Read the token from path into out[TOKEN_MAX + 1], whitespace stripped.
** The file must be a private regular file.  Nothing of the token goes
** into an error message.
*/
static int read_token(const char *path, char *out, struct sw_err *err)
{
    char buf[TOKEN_FILE_MAX + 1];
    size_t len = 0, a, b;
    struct stat st;
    int fd, rc = 0;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return sw_fail(err, SW_ECONFIG, _("token file %s: %s"), path,
                       strerror(errno));
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return sw_fail(err, SW_ECONFIG, _("token file %s: not a regular file"),
                       path);
    }
    if (st.st_mode & 077) {
        close(fd);
        return sw_fail(err, SW_ECONFIG,
                       _("token file %s: readable by others (mode %03o); "
                         "run chmod 600 on it"),
                       path, (unsigned)(st.st_mode & 0777));
    }
    while (len < sizeof(buf)) {
        ssize_t got = read(fd, buf + len, sizeof(buf) - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = sw_fail(err, SW_ECONFIG, _("token file %s: %s"), path,
                         strerror(errno));
            break;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    a = 0;
    b = len;
    while (a < b && (buf[a] == ' ' || (buf[a] >= '\t' && buf[a] <= '\r')))
        a++;
    while (b > a &&
           (buf[b - 1] == ' ' || (buf[b - 1] >= '\t' && buf[b - 1] <= '\r')))
        b--;
    if (rc) {
        /* told already */
    } else if (b == a) {
        rc = sw_fail(err, SW_ECONFIG, _("token file %s is empty"), path);
    } else if (len == sizeof(buf) || b - a > TOKEN_MAX) {
        rc = sw_fail(err, SW_ECONFIG,
                     _("token file %s: too long to be a token"), path);
    } else {
        for (size_t i = a; i < b && !rc; i++)
            if (buf[i] < 0x21 || buf[i] > 0x7e)
                rc = sw_fail(err, SW_ECONFIG,
                             _("token file %s: not a token (it holds spaces "
                               "or other characters a token has not)"),
                             path);
    }
    if (!rc) {
        memcpy(out, buf + a, b - a);
        out[b - a] = '\0';
    }
    explicit_bzero(buf, sizeof(buf));
    return rc;
}

/* ---- reading answers ---------------------------------------------------- */

/*
** o[key] as an integer >= min (and < 2^53).  Absent: 0 and *out unchanged
** unless required.  what names the answer in the message.
*/
static int json_int(const cJSON *o, const char *key, int required, int64_t min,
                    int64_t *out, const char *what, struct sw_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double d;

    if (!v || cJSON_IsNull(v)) {
        if (required)
            return sw_fail(err, SW_EUNAVAIL,
                           _("%s: the county's answer has no \"%s\""), what,
                           key);
        return 0;
    }
    d = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
    if (!cJSON_IsNumber(v) || !(d >= (double)min) || d > 9007199254740992.0 ||
        (double)(int64_t)d != d)
        return sw_fail(err, SW_EUNAVAIL,
                       _("%s: the county's answer has a bad \"%s\""), what,
                       key);
    *out = (int64_t)d;
    return 0;
}

/* Parse a 200 answer's body as a JSON object (inflating if deflated). */
static int answer_json(const struct http_resp *res, const char *what,
                       size_t max_inflated, cJSON **out, struct sw_err *err)
{
    unsigned char *plain = NULL;
    const char *body = (const char *)res->body;
    size_t len = res->len;
    int rc = 0;

    *out = NULL;
    if (res->encoded)
        return sw_fail(err, SW_EUNAVAIL,
                       _("%s: the county's answer has an unknown "
                         "Content-Encoding"),
                       what);
    if (res->deflated) {
        rc =
            codec_inflate(res->body, res->len, max_inflated, &plain, &len, err);
        if (rc)
            return prefix_err(err, rc, what, "the county's answer");
        body = (const char *)plain;
    }
    *out = body ? cJSON_ParseWithLength(body, len) : NULL;
    free(plain);
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return sw_fail(err, SW_EUNAVAIL,
                       _("%s: the county's answer is not a JSON object (is the "
                         "server URL a swsync county server?)"),
                       what);
    }
    return 0;
}

/* ---- the steps ---------------------------------------------------------- */

static int hello(struct sync *s)
{
    struct sw_err *err = s->err;
    struct http_resp res;
    struct proto_hello_answer a;
    cJSON *ans = NULL;
    char *body;
    int64_t mid;
    int rc;

    memset(&res, 0, sizeof(res));
    body = proto_hello_request(s->r.site, s->r.station, sw_now_ms());
    if (!body)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    rc = http_post(s->h, "hello", "/v1/hello", "application/json", 0, body,
                   strlen(body), &res, err);
    free(body);
    if (!rc && res.status != 200) {
        rc = http_answer_fail(&res, "hello", err);
        /* an older county that does not know our schema: say which side
           to upgrade (docs/protocol.md, "Versions") */
        if (res.status == 409 && strstr(err->msg, "version_mismatch"))
            rc = proto_hello_refused(err->msg, err);
    }
    if (!rc)
        rc = answer_json(&res, "hello", HELLO_MAX, &ans, err);
    if (!rc)
        rc = proto_hello_read(ans, &a, err);
    if (rc)
        goto out;
    s->hi.server_ms = a.server_ms;
    s->hi.acked = a.acked;
    s->hi.max_drift_ms = a.max_drift_ms;
    s->hi.conflicts_mark = a.conflicts_mark;
    if (a.max_body)
        s->hi.max_body = a.max_body;
    if (a.push_changes)
        s->hi.push_changes = a.push_changes;
    if (a.pull_limit)
        s->hi.pull_limit = a.pull_limit;
    /* a pull answer may be as big as the county's bounds, never less
    ** than our defaults */
    if (a.max_inflated > s->hi.pull_lim.max_inflated)
        s->hi.pull_lim.max_inflated = a.max_inflated;
    if (a.max_changes > s->hi.pull_lim.max_changes)
        s->hi.pull_lim.max_changes = a.max_changes;
    if (a.max_changes && s->hi.push_changes > a.max_changes)
        s->hi.push_changes = a.max_changes;
    if (s->hi.max_body > s->hi.pull_lim.max_compressed)
        s->hi.pull_lim.max_compressed = s->hi.max_body;
    http_set_max_body(s->h, s->hi.pull_lim.max_compressed + BODY_MARGIN);

    mid = res.sent_ms + (res.recv_ms - res.sent_ms) / 2;
    s->hi.offset_ms = s->hi.server_ms - mid;
    s->r.offset_ms = s->hi.offset_ms;
    s->r.max_drift_ms =
        s->hi.max_drift_ms > 0 ? s->hi.max_drift_ms : PULL_DRIFT_DEFAULT_MS;
    if (s->r.max_drift_ms > PULL_DRIFT_CEIL_MS)
        s->r.max_drift_ms = PULL_DRIFT_CEIL_MS;
out:
    cJSON_Delete(ans);
    http_resp_release(&res);
    return rc;
}

/*
** After the hello: remember the skew, raise the outbox sequence above what
** the county has (a replica restored from an old backup), forget what it
** has already applied, and pull the replica's clock back to the county's
** time if it ran away into the future.
*/
static int after_hello(struct sync *s)
{
    sdb *db = s->ctx->db;
    struct sw_err *err = s->err;
    int64_t hlc = 0;
    int rc;

    rc = config_set_int(db, "skew_ms", -s->hi.offset_ms, err);
    if (!rc) {
        /* the county has applied more of ours than we ever sent: this
           file was restored from an older backup.  Our later writes are
           at the county only; pull everything again, our own included. */
        int64_t seq_max = 0;
        rc = replica_seq_max(&s->r, &seq_max, err);
        if (!rc && s->hi.acked > seq_max) {
            s->echo = 1;
            rc = replica_reset_cursor(&s->r, err);
            if (!rc && !s->quiet)
                fprintf(stderr,
                        _("swsync: the county has %lld changes from this "
                          "replica, it remembers %lld (restored from a "
                          "backup?): fetching every record again\n"),
                        (long long)s->hi.acked, (long long)seq_max);
        }
    }
    if (!rc)
        rc = replica_seq_floor(&s->r, s->hi.acked, err);
    if (!rc)
        rc = replica_ack(&s->r, s->hi.acked, err);
    if (rc || s->hi.max_drift_ms <= 0)
        return rc;

    rc = db_begin(db, err);
    if (!rc)
        rc = db_get_hlc(db, &hlc, err);
    if (!rc && hlc_ms(hlc) > s->hi.server_ms + s->hi.max_drift_ms)
        rc = db_set_hlc(db, hlc_pack(s->hi.server_ms, 0), err);
    else
        hlc = 0; /* nothing to reset */
    if (rc) {
        db_rollback(db);
        return rc;
    }
    rc = db_commit(db, err);
    if (!rc && hlc && !s->quiet) {
        char ahead[32];
        human_ms(hlc_ms(hlc) - s->hi.server_ms, ahead, sizeof(ahead));
        printf(_("sync: this replica's clock was %s ahead of the county's; "
                 "reset to the county's time\n"),
               ahead);
    }
    return rc;
}

/* Read the push answer's counts. */
static int push_answer(struct sync *s, const struct http_resp *res,
                       const struct sw_batch *b, int64_t *acked)
{
    struct sw_err *err = s->err;
    struct proto_push_answer a;
    cJSON *ans = NULL;
    int rc;

    rc = answer_json(res, "push", HELLO_MAX, &ans, err);
    if (!rc)
        rc = proto_push_read(ans, &a, err);
    cJSON_Delete(ans);
    if (rc)
        return rc;
    *acked = a.acked;
    if (*acked < b->from)
        return sw_fail(err, SW_EUNAVAIL,
                       _("push: the county acknowledged through %lld, not "
                         "the changes %lld..%lld sent"),
                       (long long)*acked, (long long)b->from, (long long)b->to);
    s->conflicts += (long)a.conflicts;
    s->clamped += (long)a.clamped;
    if (a.stream_from >= 0 && a.stream_to > a.stream_from && !s->echo)
        return replica_skip_own(&s->r, a.stream_from, a.stream_to, err);
    return 0;
}

/*
** Push everything pending, in batches of up to push_changes.  A batch the
** county finds too large (413), or that would be over its max_body, is
** halved, down to one change.
*/
static int push(struct sync *s)
{
    struct sw_err *err = s->err;
    size_t limit = s->hi.push_changes;
    int rc;

    rc = replica_seal(&s->r, NULL, err);
    if (!rc) {
        /* values the county could never take wait in the outbox: say so
           (status shows it too) */
        char note[SW_ERRMSG_MAX + 32];
        if (s->r.held) {
            snprintf(note, sizeof(note), "%ld: %.500s", s->r.held,
                     s->r.held_msg);
            rc = db_config_set(s->ctx->db, "held_back", note, err);
            if (!rc && !s->quiet)
                fprintf(stderr,
                        _("swsync: %ld changed fields wait until their "
                          "record is fixed; the first: %s\n"),
                        s->r.held, s->r.held_msg);
        } else {
            rc = db_config_set(s->ctx->db, "held_back", "", err);
        }
    }
    if (!rc && s->tty) {
        int64_t total = -1;
        sdb_stmt *st;
        if (db_prepare(s->ctx->db, SQL_PENDING_COUNT, &st, NULL) == 0) {
            if (sdb_step(st) == SDB_ROW)
                total = sdb_column_int64(st, 0);
            sdb_finalize(st);
        }
        progress_start(s, total);
    }
    while (!rc) {
        struct sw_batch b;
        struct http_resp res;
        unsigned char *wire = NULL;
        size_t wlen = 0;
        int64_t acked = 0;
        int too_big = 0;

        batch_init(&b);
        memset(&res, 0, sizeof(res));
        rc = replica_read_pending(&s->r, 0, limit, &b, err);
        if (rc || b.n == 0) {
            batch_release(&b);
            break;
        }
        rc = codec_encode_push(&b, &wire, &wlen, err);
        if (!rc && wlen > s->hi.max_body) {
            too_big = 1;
        } else if (!rc) {
            rc = http_post(s->h, "push", "/v1/push", "application/json", 1,
                           wire, wlen, &res, err);
            if (!rc && res.status == 413)
                too_big = 1;
            else if (!rc && res.status != 200)
                rc = http_answer_fail(&res, "push", err);
            else if (!rc)
                rc = push_answer(s, &res, &b, &acked);
            if (!rc && !too_big) {
                rc = replica_ack(&s->r, acked, err);
                for (size_t i = 0; !rc && i < b.n; i++)
                    if (b.v[i].seq <= acked)
                        s->pushed++;
                s->bytes += wlen;
                if (b.n == limit) /* likely more to come */
                    progress(s, _("pushing"), s->pushed);
            }
        }
        if (!rc && too_big) {
            if (b.n > 1)
                limit = b.n / 2;
            else
                rc = sw_fail(err, SW_ETOOBIG,
                             _("push: change %lld is too large for the county "
                               "even alone (%zu bytes deflated)"),
                             (long long)b.from, wlen);
        }
        free(wire);
        http_resp_release(&res);
        batch_release(&b);
    }
    return rc;
}

/*
** Pull until the county says there is no more.  An answer over our bound
** (bytes, inflated bytes or changes) is asked for again with half the
** limit, down to one field.
*/
static int pull_run(struct sync *s, const struct backfill *bf)
{
    struct sw_err *err = s->err;
    int64_t cursor = 0;
    int more = 1, rc;

    if (bf) {
        cursor = bf->after;
        rc = 0;
    } else {
        rc = replica_cursor(&s->r, &cursor, err);
    }
    progress_start(s, -1);
    while (!rc && more) {
        struct sw_batch b;
        struct merge_stats st;
        struct http_resp res;
        struct proto_pull_query q;
        char path[160 + SW_LINK_DIGEST_MAX];
        char links[SW_LINK_DIGEST_MAX + 1];

        batch_init(&b);
        memset(&st, 0, sizeof(st));
        /* the digest of the link notices held: the county sends its set
           when it differs (sync/links.h) */
        rc = links_known(s->r.db, links, err);
        if (rc)
            break;
        /* on a terminal, ask how many remain, for the progress line */
        memset(&q, 0, sizeof(q));
        q.after = cursor;
        q.limit = (int64_t)s->hi.pull_limit;
        q.echo = s->echo && !bf;
        q.count = s->tty && !bf;
        q.schema = PROTO_SCHEMA;
        if (bf) {
            q.backfill = bf->since;
            q.upto = bf->upto;
        }
        q.links = bf ? NULL : links;
        proto_pull_path(path, sizeof(path), &q);
        rc = http_get(s->h, "pull", path, &res, err);
        if (!rc && res.status != 200)
            rc = http_answer_fail(&res, "pull", err);
        if (!rc && res.encoded)
            rc = sw_fail(err, SW_EUNAVAIL,
                         _("pull: the county's answer has an unknown "
                           "Content-Encoding"));
        if (!rc) {
            rc = res.deflated
                     ? codec_decode_pull(res.body, res.len, &s->hi.pull_lim, &b,
                                         err)
                     : codec_decode_pull_json((const char *)res.body, res.len,
                                              &s->hi.pull_lim, &b, err);
            if (rc)
                rc = prefix_err(err, rc, "pull", "bad batch from the county");
        }
        if (rc == SW_ETOOBIG && s->hi.pull_limit > 1) {
            /* over our bound: ask for fewer fields */
            s->hi.pull_limit /= 2;
            sw_err_clear(err);
            rc = 0;
            http_resp_release(&res);
            batch_release(&b);
            continue;
        }
        if (!rc && b.more && b.cursor <= cursor)
            rc = sw_fail(err, SW_EUNAVAIL,
                         _("pull: the county says more remain but its cursor "
                           "did not move past %lld"),
                         (long long)cursor);
        if (!rc)
            rc = replica_apply_pull_key(&s->r, &b, &st,
                                        bf ? "backfill_after" : "cursor", err);
        if (!rc) {
            s->pulled += (long)b.n;
            s->conflicts += st.conflicts;
            s->bytes += res.len;
            /* what is left: the county's count, else unknown */
            s->total = b.remaining >= 0 && !bf ? s->pulled + b.remaining : -1;
            cursor = b.cursor;
            more = b.more;
            if (more)
                progress(s, _("pulling"), s->pulled);
        }
        http_resp_release(&res);
        batch_release(&b);
    }
    if (s->r.bulk) {
        /* a long pull: the indexes back, also after a failure */
        struct sw_err e2;
        int rc2 = replica_pull_end(&s->r, rc ? &e2 : err);
        if (!rc)
            rc = rc2;
    }
    return rc;
}

static int pull(struct sync *s)
{
    return pull_run(s, NULL);
}

/*
** A replica migrated to a newer schema (sync/db.c) notes the columns it
** skipped: config backfill_since (the schema it had), backfill_upto (its
** cursor then) and backfill_after (how far the backfill got).  After the
** ordinary pull, fetch those columns' values written up to backfill_upto,
** then forget the note (docs/protocol.md, "Versions").
*/
static int backfill(struct sync *s)
{
    static const char *const keys[] = {"backfill_since", "backfill_after",
                                       "backfill_upto"};
    int64_t v[3] = {0, 0, 0};
    struct backfill bf;
    int rc = 0;

    for (int i = 0; i < 3 && !rc; i++) {
        char *t = NULL;
        rc = db_config_get(s->ctx->db, keys[i], &t, s->err);
        if (!rc && !t) {
            free(t);
            return 0; /* nothing to fetch */
        }
        v[i] = t ? strtoll(t, NULL, 10) : 0;
        free(t);
    }
    if (rc)
        return rc;
    bf.since = v[0];
    bf.after = v[1];
    bf.upto = v[2];
    if (bf.since >= 1 && bf.since < PROTO_SCHEMA && bf.after < bf.upto) {
        if (!s->quiet)
            fprintf(stderr,
                    _("swsync: fetching the fields schema %d added to the "
                      "records this replica already holds\n"),
                    PROTO_SCHEMA);
        rc = pull_run(s, &bf);
    }
    for (int i = 0; i < 3 && !rc; i++)
        rc = config_del(s->ctx->db, keys[i], s->err);
    return rc;
}

/*
** Pulled versions were far ahead of the county's clock (a wrong or
** malicious county): they were stored as the county sent them, so that
** the replica still equals the county, but this replica's clock was not
** moved past the bound.  Say so (best effort): in the replica's config
** ("clock_clamped", shown by status) and, unless --quiet, on stdout.
*/
static void note_clamped(struct sync *s)
{
    char ahead[32], bound[32], when[40], note[200];
    struct sw_err scratch;
    time_t t = time(NULL);
    struct tm tm;

    human_ms(s->r.clamped_ahead_ms, ahead, sizeof(ahead));
    human_ms(s->r.max_drift_ms, bound, sizeof(bound));
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S%z", &tm);
    snprintf(note, sizeof(note),
             "%ld pulled version%s up to %s ahead of the county's clock "
             "(bound %s), %s",
             s->r.clamped, s->r.clamped == 1 ? "" : "s", ahead, bound, when);
    sw_err_clear(&scratch);
    db_config_set(s->ctx->db, "clock_clamped", note, &scratch);
    if (!s->quiet)
        printf(_("sync: %ld pulled version%s up to %s ahead of the county's "
                 "clock: kept as sent, but this replica's clock was not moved "
                 "past %s ahead\n"),
               s->r.clamped, s->r.clamped == 1 ? "" : "s", ahead, bound);
}

/* ---- the station's conflicts --------------------------------------------- */

#define CONFLICTS_ANSWER_MAX 20000 /* conflicts in one answer, at most */
#define CONFLICT_NOTE_MAX 4000

static const char SQL_CONFLICT_UPSERT[] =
    "INSERT INTO conflicts (tbl, row_id, station, col, kind, winner_value, "
    "winner_hlc, winner_site, loser_value, loser_hlc, loser_site, "
    "detected_at, status, resolved_at, resolution, note, winner_author, "
    "loser_author) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16, ?17, ?18) "
    "ON CONFLICT (tbl, row_id, col, loser_hlc, loser_site) DO UPDATE SET "
    "status = excluded.status, resolved_at = excluded.resolved_at, "
    "resolution = excluded.resolution, note = excluded.note, "
    "winner_author = coalesce(excluded.winner_author, winner_author), "
    "loser_author = coalesce(excluded.loser_author, loser_author)";

/* A text member: 1 if a string (valid UTF-8, at most max bytes), 0 if
** absent or null, -1 otherwise. */
static int conflict_text(const cJSON *o, const char *k, size_t max,
                         const char **out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    *out = NULL;
    if (!j || cJSON_IsNull(j))
        return 0;
    if (!cJSON_IsString(j) || !sw_utf8_valid(j->valuestring) ||
        strlen(j->valuestring) > max)
        return -1;
    *out = j->valuestring;
    return 1;
}

/* Bind a field value: a string, a whole number or null. */
static int bind_conflict_value(sdb_stmt *st, int idx, const cJSON *j)
{
    double d;
    if (!j || cJSON_IsNull(j)) {
        sdb_bind_null(st, idx);
        return 0;
    }
    if (cJSON_IsString(j) && sw_utf8_valid(j->valuestring)) {
        sdb_bind_text(st, idx, j->valuestring, -1, SDB_STATIC);
        return 0;
    }
    if (!cJSON_IsNumber(j))
        return -1;
    d = j->valuedouble;
    if (!(d > -9007199254740992.0 && d < 9007199254740992.0) ||
        (double)(int64_t)d != d)
        return -1;
    sdb_bind_int64(st, idx, (int64_t)d);
    return 0;
}

/* Check one conflict of the answer and bind it.  -1: malformed. */
static int bind_conflict(sdb_stmt *st, const cJSON *o, const char *station)
{
    const char *tbl, *rec, *col, *kind, *ws, *ls, *wh, *lh, *status, *res,
        *note, *wa, *la;
    const struct sw_table *t;
    int64_t whlc, lhlc, det = 0, rat = 0;
    int has_rat;

    if (!cJSON_IsObject(o) || conflict_text(o, "table", 32, &tbl) != 1 ||
        conflict_text(o, "record", 64, &rec) != 1 ||
        conflict_text(o, "field", 64, &col) != 1 ||
        conflict_text(o, "kind", 32, &kind) != 1 ||
        conflict_text(o, "winner_site", 64, &ws) != 1 ||
        conflict_text(o, "loser_site", 64, &ls) != 1 ||
        conflict_text(o, "winner_hlc", 32, &wh) != 1 ||
        conflict_text(o, "loser_hlc", 32, &lh) != 1 ||
        conflict_text(o, "status", 16, &status) != 1 ||
        conflict_text(o, "resolution", 16, &res) < 0 ||
        conflict_text(o, "note", CONFLICT_NOTE_MAX, &note) < 0 ||
        conflict_text(o, "winner_author", SW_AUTHOR_MAX, &wa) < 0 ||
        conflict_text(o, "loser_author", SW_AUTHOR_MAX, &la) < 0)
        return -1;
    if ((wa && !sw_author_valid(wa)) || (la && !sw_author_valid(la)))
        return -1;
    t = sw_table_by_name(tbl);
    if (!t || sw_col_index(t, col) < 0 || !sw_uuid_valid(rec) ||
        (strcmp(kind, "field") != 0 && strcmp(kind, "edit_of_deleted") != 0 &&
         strcmp(kind, "edit_after_transfer") != 0) ||
        !sw_site_valid(ws) || !sw_site_valid(ls) || hlc_parse(wh, &whlc) ||
        hlc_parse(lh, &lhlc) ||
        (strcmp(status, "open") != 0 && strcmp(status, "resolved") != 0) ||
        (res && strcmp(res, "winner") != 0 && strcmp(res, "loser") != 0 &&
         strcmp(res, "value") != 0))
        return -1;
    if (json_int(o, "detected_at", 1, 0, &det, "conflicts", NULL) ||
        json_int(o, "resolved_at", 0, 0, &rat, "conflicts", NULL))
        return -1;
    has_rat =
        cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "resolved_at"));

    sdb_reset(st);
    sdb_clear_bindings(st);
    sdb_bind_text(st, 1, t->name, -1, SDB_STATIC);
    sdb_bind_text(st, 2, rec, -1, SDB_STATIC);
    sdb_bind_text(st, 3, station, -1, SDB_STATIC);
    sdb_bind_text(st, 4, col, -1, SDB_STATIC);
    sdb_bind_text(st, 5, kind, -1, SDB_STATIC);
    if (bind_conflict_value(
            st, 6, cJSON_GetObjectItemCaseSensitive(o, "winner_value")))
        return -1;
    sdb_bind_int64(st, 7, whlc);
    sdb_bind_text(st, 8, ws, -1, SDB_STATIC);
    if (bind_conflict_value(st, 9,
                            cJSON_GetObjectItemCaseSensitive(o, "loser_value")))
        return -1;
    sdb_bind_int64(st, 10, lhlc);
    sdb_bind_text(st, 11, ls, -1, SDB_STATIC);
    sdb_bind_int64(st, 12, det);
    sdb_bind_text(st, 13, status, -1, SDB_STATIC);
    if (has_rat)
        sdb_bind_int64(st, 14, rat);
    if (res)
        sdb_bind_text(st, 15, res, -1, SDB_STATIC);
    if (note)
        sdb_bind_text(st, 16, note, -1, SDB_STATIC);
    if (wa)
        sdb_bind_text(st, 17, wa, -1, SDB_STATIC);
    if (la)
        sdb_bind_text(st, 18, la, -1, SDB_STATIC);
    return 0;
}

/*
** After the pull: GET /v1/conflicts and upsert the station's conflicts
** into the replica's conflicts table, keyed by (table, record, field,
** loser version) as both ends record a clash, in one transaction:
** status, resolution, note and resolved_at follow the county.  A county
** without the route (404) is skipped.  Returns 0 or an error code.
*/
static int fetch_conflicts(struct sync *s)
{
    sdb *db = s->ctx->db;
    struct sw_err *err = s->err;
    struct http_resp res;
    sdb_stmt *st = NULL;
    cJSON *ans = NULL;
    const cJSON *arr, *o;
    char path[64];
    int rc, n = 0;

    memset(&res, 0, sizeof(res));
    snprintf(path, sizeof(path), PROTO_CONFLICTS_PATH, PROTO_SCHEMA);
    rc = http_get(s->h, "conflicts", path, &res, err);
    if (!rc && res.status == 404)
        goto out; /* a county that does not share its conflicts */
    if (!rc && res.status != 200)
        rc = http_answer_fail(&res, "conflicts", err);
    if (!rc)
        rc = answer_json(&res, "conflicts", s->hi.pull_lim.max_inflated, &ans,
                         err);
    if (rc)
        goto out;
    arr = cJSON_GetObjectItemCaseSensitive(ans, "conflicts");
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > CONFLICTS_ANSWER_MAX) {
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("conflicts: the county's answer has no \"conflicts\" "
                       "array (or one too long)"));
        goto out;
    }
    rc = db_begin(db, err);
    if (!rc)
        rc = db_prepare(db, SQL_CONFLICT_UPSERT, &st, err);
    cJSON_ArrayForEach (o, arr) {
        if (rc)
            break;
        if (bind_conflict(st, o, s->r.station)) {
            rc = sw_fail(err, SW_EUNAVAIL,
                         _("conflicts: the county's answer has a malformed "
                           "conflict (number %d); nothing was stored"),
                         n + 1);
            break;
        }
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "store a conflict");
        n++;
    }
    sdb_finalize(st);
    if (!rc)
        rc = db_commit(db, err);
    else
        db_rollback(db);
out:
    cJSON_Delete(ans);
    http_resp_release(&res);
    return rc;
}

/* Writes of another program to a county-owned table (the resource
** directory), refused by the replica's triggers since the last sync that
** said so: one line (the county has them through the audit lines). */
static int report_refused(sdb *db, int quiet, struct sw_err *err)
{
    static const char SQL_REFUSED[] =
        "SELECT count(*), coalesce(max(id), 0) FROM local_audit "
        "WHERE action = 'refused' AND id > ?1";
    sdb_stmt *st;
    int64_t seen = 0, n = 0, last = 0;
    int rc;

    config_get_int(db, "refused_reported", &seen);
    rc = db_prepare(db, SQL_REFUSED, &st, err);
    if (rc)
        return rc;
    sdb_bind_int64(st, 1, seen);
    if (sdb_step(st) == SDB_ROW) {
        n = sdb_column_int64(st, 0);
        last = sdb_column_int64(st, 1);
    }
    sdb_finalize(st);
    if (!n)
        return 0;
    if (!quiet)
        printf(_("sync: %lld write%s by another program to the county's "
                 "resource directory refused (the county's values stay; "
                 "swsync audit lists them)\n"),
               (long long)n, n == 1 ? "" : "s");
    return config_set_int(db, "refused_reported", last, err);
}

/* ---- the station's audit lines to the county ------------------------------
 */

#define AUDIT_BATCH 200 /* lines a request (the county takes up to 500) */

static const char SQL_AUDIT_UNSENT[] =
    "SELECT id, at, who, action, detail FROM local_audit WHERE id > ?1 "
    "ORDER BY id LIMIT ?2";

/*
** POST /v1/audit: the local audit lines (exports, reports, imports,
** console sign-ins and reads) not yet acknowledged, a batch at a time;
** the county stores each once and answers the highest id it has, kept
** as config audit_sent.  A county without the route (404) is skipped.
*/
static int send_audit(struct sync *s)
{
    sdb *db = s->ctx->db;
    struct sw_err *err = s->err;
    char *sent_s = NULL;
    int64_t sent = 0;
    int rc, more = 1;

    rc = db_config_get(db, "audit_sent", &sent_s, err);
    if (rc)
        return rc;
    if (sent_s)
        sent = strtoll(sent_s, NULL, 10);
    free(sent_s);
    while (!rc && more) {
        sdb_stmt *st = NULL;
        struct http_resp res;
        cJSON *body = cJSON_CreateObject(), *arr, *ans = NULL;
        char *text = NULL;
        int64_t acked = 0, last = sent;
        int n = 0, step;

        memset(&res, 0, sizeof(res));
        arr = body ? cJSON_AddArrayToObject(body, "entries") : NULL;
        if (!arr)
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc)
            rc = db_prepare(db, SQL_AUDIT_UNSENT, &st, err);
        if (!rc) {
            sdb_bind_int64(st, 1, sent);
            sdb_bind_int(st, 2, AUDIT_BATCH);
            while ((step = sdb_step(st)) == SDB_ROW) {
                cJSON *e = cJSON_CreateObject();
                if (!e || !cJSON_AddItemToArray(arr, e)) {
                    cJSON_Delete(e);
                    rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                    break;
                }
                last = sdb_column_int64(st, 0);
                cJSON_AddNumberToObject(e, "id", (double)last);
                cJSON_AddNumberToObject(e, "at",
                                        (double)sdb_column_int64(st, 1));
                cJSON_AddStringToObject(e, "who",
                                        (const char *)sdb_column_text(st, 2));
                cJSON_AddStringToObject(e, "action",
                                        (const char *)sdb_column_text(st, 3));
                if (sdb_column_text(st, 4))
                    cJSON_AddStringToObject(
                        e, "detail", (const char *)sdb_column_text(st, 4));
                n++;
            }
            if (!rc && step != SDB_DONE)
                rc = db_fail(err, db, "read the local audit");
            sdb_finalize(st);
        }
        more = n == AUDIT_BATCH;
        if (!rc && n > 0 && !(text = cJSON_PrintUnformatted(body)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc && n > 0)
            rc = http_post(s->h, "audit", "/v1/audit", "application/json", 0,
                           text, strlen(text), &res, err);
        if (!rc && n > 0 && res.status == 404)
            more = 0; /* a county without the route */
        else if (!rc && n > 0 && res.status != 200)
            rc = http_answer_fail(&res, "audit", err);
        else if (!rc && n > 0)
            rc = answer_json(&res, "audit", 1 << 16, &ans, err);
        if (!rc && ans)
            rc = json_int(ans, "acked", 1, 0, &acked, "audit", err);
        if (!rc && ans) {
            if (acked > last)
                acked = last; /* never past what was sent */
            if (acked > sent) {
                sent = acked;
                rc = config_set_int(db, "audit_sent", sent, err);
            } else {
                more = 0;
            }
        }
        cJSON_Delete(ans);
        cJSON_Delete(body);
        free(text);
        http_resp_release(&res);
    }
    return rc;
}

/* Everything after the lock and the replica are there. */
static int run(struct sync *s)
{
    sdb *db = s->ctx->db;
    struct sw_err *err = s->err;
    char *server = NULL, *token_file = NULL, *cacert = NULL;
    char token[TOKEN_MAX + 1];
    struct http_opts ho;
    int rc;

    token[0] = '\0';
    rc = db_config_get(db, "server", &server, err);
    if (!rc)
        rc = db_config_get(db, "token_file", &token_file, err);
    if (!rc && !s->cacert_opt)
        rc = db_config_get(db, "cacert", &cacert, err);
    if (rc)
        goto out;
    if (!server || !*server) {
        rc = sw_fail(err, SW_ECONFIG,
                     _("no server set: run swsync config set server URL"));
        goto out;
    }
    if (!token_file || !*token_file) {
        rc = sw_fail(err, SW_ECONFIG,
                     _("no token file set: run swsync config set token-file "
                       "FILE"));
        goto out;
    }
    if (s->cacert_opt || (cacert && *cacert)) {
        const char *ca = s->cacert_opt ? s->cacert_opt : cacert;
        if (access(ca, R_OK) != 0) {
            rc = sw_fail(err, SW_ECONFIG, _("cacert %s: %s"), ca,
                         strerror(errno));
            goto out;
        }
    }
    rc = read_token(token_file, token, err);
    if (rc)
        goto out;

    rc = replica_open(&s->r, db, err);
    s->r.bulk_after = REPLICA_BULK_AFTER;
    s->r_open = 1;
    /* a sync killed during a long pull left the indexes dropped: back
       before anything can fail on the network */
    if (!rc)
        rc = replica_pull_end(&s->r, err);
    if (rc)
        goto out;
    memset(&ho, 0, sizeof(ho));
    ho.server = server;
    ho.token = token;
    ho.cacert =
        s->cacert_opt ? s->cacert_opt : (cacert && *cacert ? cacert : NULL);
    ho.timeout_s = s->timeout_s;
    ho.max_body = HELLO_MAX;
    rc = http_open(&s->h, &ho, err);
    explicit_bzero(token, sizeof(token));
    if (rc)
        goto out;

    s->hi.max_body = DEFAULT_MAX_BODY;
    s->hi.push_changes = PROTO_PUSH_CHANGES;
    s->hi.pull_limit = PROTO_PULL_DEFAULT;
    s->hi.pull_lim = codec_default_limits;
    rc = hello(s);
    if (!rc)
        rc = after_hello(s);
    if (!rc)
        rc = push(s);
    /* a migrated replica's backfill first: a new table's record written
       before the migration comes whole, not as the fields later edits
       left in the ordinary pull */
    if (!rc)
        rc = backfill(s);
    if (!rc)
        rc = pull(s);
    if (s->r.clamped)
        note_clamped(s); /* also after a failed pull: what it applied */
    if (!rc) {
        /* the data is exchanged; learning the conflicts is the last step.
        ** The county unreachable or busy: 75 as ever.  An answer we cannot
        ** use: a warning, and the sync still succeeded. */
        int crc = 0;
        char *seen = NULL, mark[32];
        snprintf(mark, sizeof(mark), "%lld", (long long)s->hi.conflicts_mark);
        if (db_config_get(s->ctx->db, "conflicts_mark", &seen, NULL))
            seen = NULL;
        /* only when they changed since we last looked, or this sync made
           one: a routine sync stays at hello, push, pull */
        if (s->hi.conflicts_mark < 0 || s->conflicts > 0 || !seen ||
            strcmp(seen, mark) != 0) {
            crc = fetch_conflicts(s);
            if (!crc && s->hi.conflicts_mark >= 0)
                crc = db_config_set(s->ctx->db, "conflicts_mark", mark, err);
        }
        free(seen);
        /* then the station's own audit lines go to the county's audit */
        if (!crc)
            crc = send_audit(s);
        if (crc == SW_ETEMP) {
            rc = crc;
        } else if (crc) {
            progress_clear(s);
            fprintf(stderr, _("swsync: warning: %s\n"), err->msg);
            sw_err_clear(err);
        }
    }
out:
    progress_clear(s);
    explicit_bzero(token, sizeof(token));
    http_close(s->h);
    s->h = NULL;
    free(server);
    free(token_file);
    free(cacert);
    return rc;
}

int cmd_sync(struct cmd_ctx *ctx, int argc, char **argv)
{
    static const struct option opts[] = {
        {"quiet", no_argument, NULL, 'q'},
        {"timeout", required_argument, NULL, 't'},
        {"jitter", required_argument, NULL, 'j'},
        {"cacert", required_argument, NULL, 'c'},
        {"warn-after", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct sync s;
    struct sw_err scratch;
    char clamped[64] = "";
    long jitter_s = 0;
    int64_t warn_after = 24LL * 3600000, first = 0;
    int opt, rc, lock = -1;
    struct stat st;

    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.err = &ctx->err;
    s.quiet = ctx->quiet;
    s.timeout_s = HTTP_DEFAULT_TIMEOUT;
    optind = 1;
    opterr = 0; /* one message, ours */
    while ((opt = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            cmd_print_help(cmd_find("sync"));
            return 0;
        case 'q':
            s.quiet = 1;
            break;
        case 't':
            if (parse_secs(optarg, &s.timeout_s) || s.timeout_s < 1)
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("sync: --timeout '%s': give seconds, 1 to %d"),
                               optarg, MAX_SECONDS);
            break;
        case 'j':
            if (parse_secs(optarg, &jitter_s))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("sync: --jitter '%s': give seconds, 0 to %d"),
                               optarg, MAX_SECONDS);
            break;
        case 'c':
            s.cacert_opt = optarg;
            break;
        case 'w':
            if (parse_duration_ms(optarg, &warn_after))
                return sw_fail(&ctx->err, SW_EUSAGE,
                               _("sync: --warn-after '%s': give a duration "
                                 "such as 24h, 90m, 2d (at most 365d)"),
                               optarg);
            break;
        default:
            return sw_fail(&ctx->err, SW_EUSAGE,
                           _("sync: unknown option or missing value: %s"),
                           argv[optind - 1]);
        }
    }
    if (optind < argc)
        return sw_fail(&ctx->err, SW_EUSAGE,
                       _("sync: unexpected argument '%s'"), argv[optind]);
    s.tty = !s.quiet && isatty(STDERR_FILENO);

    /* a missing replica is reported by db_open, not turned into a lock */
    if (stat(ctx->db_path, &st) != 0)
        return db_open(ctx->db_path, SW_ROLE_STATION, &ctx->db, &ctx->err);
    rc = take_lock(ctx->db_path, &lock, &ctx->err);
    if (rc)
        return rc;
    rc = db_open(ctx->db_path, SW_ROLE_STATION, &ctx->db, &ctx->err);
    if (rc)
        goto out;
    jitter(jitter_s);

    /* a cut connection must not kill us with SIGPIPE (CURLOPT_NOSIGNAL
    ** leaves SIGPIPE alone) */
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = sw_fail(&ctx->err, SW_ESOFTWARE, _("cannot initialise libcurl"));
        goto out;
    }
    sw_err_clear(&scratch);
    config_set_int(ctx->db, "last_attempt", sw_now_ms(), &scratch);
    if (!config_get_int(ctx->db, "first_attempt", &first))
        config_set_int(ctx->db, "first_attempt", quiet_now_ms(), &scratch);
    rc = run(&s);
    if (s.r_open)
        replica_close(&s.r);
    curl_global_cleanup();

    /* a failed step rolled its transaction back already; be sure */
    db_rollback(ctx->db);
    if (rc) {
        db_config_set(ctx->db, "last_error",
                      ctx->err.msg[0] ? ctx->err.msg : "sync failed", &scratch);
        if (rc == SW_ETEMP && s.quiet)
            quiet_temp_failure(ctx->db, warn_after, &ctx->err);
        goto out;
    }
    rc = config_set_int(ctx->db, "last_sync", sw_now_ms(), &ctx->err);
    if (!rc)
        rc = config_del(ctx->db, "last_error", &ctx->err);
    if (!rc)
        rc = config_del(ctx->db, "last_warned", &ctx->err);
    if (s.clamped)
        snprintf(clamped, sizeof(clamped),
                 _(", %ld clamped (this PC's clock is ahead)"), s.clamped);
    if (!rc && !s.quiet)
        /* TRANSLATORS: the %s after change and conflict are the plural "s"
       (or empty); a language without plural s drops them with %.0s */
        printf(_("sync: pushed %ld change%s, pulled %ld, %ld conflict%s%s\n"),
               s.pushed, s.pushed == 1 ? "" : "s", s.pulled, s.conflicts,
               s.conflicts == 1 ? "" : "s", s.clamped ? clamped : "");
    if (!rc)
        rc = report_refused(ctx->db, s.quiet, &ctx->err);
out:
    if (lock >= 0)
        close(lock);
    return rc;
}

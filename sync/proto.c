/*
** proto.c — the protocol's messages, both ends (see proto.h).
**
** The county's texts (parse errors, 409s) go to the station in a JSON
** answer and stay English; the station's are translated.
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "proto.h"
#include "table.h"

#define CEIL_MAX_BODY PROTO_CEIL_MAX_BODY
#define CEIL_MAX_INFLATED PROTO_CEIL_MAX_INFLATED
#define CEIL_MAX_CHANGES PROTO_CEIL_MAX_CHANGES

/*
** An integer member: 1 found (in *out), 0 absent or null, -1 not a whole
** number (or below min).
*/
static int get_int(const cJSON *o, const char *key, int64_t min, int64_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    double d;

    if (!v || cJSON_IsNull(v))
        return 0;
    d = cJSON_IsNumber(v) ? v->valuedouble : -1.0;
    if (!cJSON_IsNumber(v) || !(d >= (double)min) || d > 9007199254740992.0 ||
        (double)(int64_t)d != d)
        return -1;
    *out = (int64_t)d;
    return 1;
}

/* Printable ASCII, anything else '?', for messages (as the county's
** log has it). */
static void clean_copy(char *dst, size_t n, const char *src)
{
    size_t i = 0;
    for (; src && *src && i + 1 < n; src++, i++)
        dst[i] = (*src > 0x20 && *src < 0x7f) ? *src : '?';
    dst[i] = 0;
}

static char *print(cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    char *out = s ? sw_strdup(s) : NULL;
    cJSON_free(s);
    cJSON_Delete(o);
    return out;
}

/* ---- hello ---------------------------------------------------------- */

char *proto_hello_request(const char *site, const char *station,
                          int64_t time_ms)
{
    cJSON *o = cJSON_CreateObject();
    if (o && cJSON_AddNumberToObject(o, "v", PROTO_VERSION) &&
        cJSON_AddStringToObject(o, "site", site) &&
        cJSON_AddStringToObject(o, "station", station) &&
        cJSON_AddNumberToObject(o, "schema", PROTO_SCHEMA) &&
        cJSON_AddStringToObject(o, "agent", "swsync " PACKAGE_VERSION) &&
        cJSON_AddNumberToObject(o, "time_ms", (double)time_ms))
        return print(o);
    cJSON_Delete(o);
    return NULL;
}

int proto_hello_parse(const char *body, size_t len, struct proto_hello *h,
                      char *why, size_t n)
{
    const cJSON *js, *ja, *jst;
    cJSON *j;
    int rc = 0;

    memset(h, 0, sizeof(*h));
    j = cJSON_ParseWithLength(body ? body : "", len);
    if (!cJSON_IsObject(j)) {
        snprintf(why, n, "hello: the body is not a JSON object");
        rc = 400;
        goto out;
    }
    if (get_int(j, "v", INT64_MIN, &h->v) != 1 ||
        get_int(j, "schema", INT64_MIN, &h->schema) != 1 ||
        get_int(j, "protocol", INT64_MIN, &h->protocol) < 0 ||
        (h->has_time = get_int(j, "time_ms", INT64_MIN, &h->time_ms)) < 0) {
        snprintf(why, n,
                 "hello: v and schema must be integers, protocol "
                 "and time_ms integers if given");
        rc = 400;
        goto out;
    }
    js = cJSON_GetObjectItemCaseSensitive(j, "site");
    jst = cJSON_GetObjectItemCaseSensitive(j, "station");
    ja = cJSON_GetObjectItemCaseSensitive(j, "agent");
    if (!cJSON_IsString(js) || !sw_site_valid(js->valuestring) ||
        (jst && !cJSON_IsString(jst) && !cJSON_IsNull(jst)) ||
        (ja && !cJSON_IsString(ja) && !cJSON_IsNull(ja))) {
        snprintf(why, n,
                 "hello: site must be a site id; station and agent "
                 "strings");
        rc = 400;
        goto out;
    }
    snprintf(h->site, sizeof(h->site), "%s", js->valuestring);
    if (cJSON_IsString(jst)) {
        h->has_station = 1;
        clean_copy(h->station, sizeof(h->station), jst->valuestring);
        h->station_exact = strcmp(h->station, jst->valuestring) == 0;
    }
    if (cJSON_IsString(ja)) {
        if (!sw_utf8_valid(ja->valuestring) ||
            strlen(ja->valuestring) > PROTO_AGENT_MAX) {
            snprintf(why, n, "hello: agent: not UTF-8 text of at most %d bytes",
                     PROTO_AGENT_MAX);
            rc = 400;
            goto out;
        }
        h->has_agent = 1;
        snprintf(h->agent, sizeof(h->agent), "%s", ja->valuestring);
    }
out:
    cJSON_Delete(j);
    return rc;
}

int proto_negotiate(const struct proto_hello *h, int64_t *use, char *why,
                    size_t n)
{
    *use = 0;
    if (h->v != PROTO_VERSION ||
        (h->protocol && h->protocol != PROTO_VERSION)) {
        snprintf(why, n,
                 "this server speaks protocol %d (the agent sent v %" PRId64
                 ", protocol %" PRId64 ")",
                 PROTO_VERSION, h->v, h->protocol);
        return 409;
    }
    if (h->schema > PROTO_SCHEMA) {
        snprintf(why, n,
                 "this county server has schema %d, older than the station's "
                 "schema %" PRId64 ": upgrade the county server first",
                 PROTO_SCHEMA, h->schema);
        return 409;
    }
    if (h->schema < PROTO_SCHEMA_MIN) {
        snprintf(why, n,
                 "this county server serves schemas %d to %d, the station "
                 "has schema %" PRId64 ": upgrade swsync at the station",
                 PROTO_SCHEMA_MIN, PROTO_SCHEMA, h->schema);
        return 409;
    }
    *use = h->schema;
    return 0;
}

char *proto_hello_answer(const struct proto_hello_answer *a)
{
    cJSON *o = cJSON_CreateObject(), *lim;

    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "v", PROTO_VERSION);
    cJSON_AddNumberToObject(o, "protocol", PROTO_VERSION);
    /* the exchange's schema: an agent before 0.2 wants its own here */
    cJSON_AddNumberToObject(o, "schema", (double)a->schema);
    cJSON_AddNumberToObject(o, "county_schema", PROTO_SCHEMA);
    cJSON_AddStringToObject(o, "county", a->county ? a->county : "");
    cJSON_AddNumberToObject(o, "server_time_ms", (double)a->server_ms);
    cJSON_AddNumberToObject(o, "acked", (double)a->acked);
    cJSON_AddNumberToObject(o, "max_drift_ms", (double)a->max_drift_ms);
    if (a->conflicts_mark >= 0)
        cJSON_AddNumberToObject(o, "conflicts_mark", (double)a->conflicts_mark);
    lim = cJSON_AddObjectToObject(o, "limits");
    if (lim) {
        cJSON_AddNumberToObject(lim, "max_body", (double)a->max_body);
        cJSON_AddNumberToObject(lim, "max_inflated", (double)a->max_inflated);
        cJSON_AddNumberToObject(lim, "max_changes", (double)a->max_changes);
        cJSON_AddNumberToObject(lim, "push_changes", (double)a->push_changes);
        cJSON_AddNumberToObject(lim, "pull_limit", (double)a->pull_limit);
    }
    return print(o);
}

/* A member of the answer: required or not, at least min. */
static int answer_int(const cJSON *o, const char *key, int required,
                      int64_t min, int64_t *out, const char *what,
                      struct sw_err *err)
{
    int r = get_int(o, key, min, out);
    if (r < 0)
        return sw_fail(err, SW_EUNAVAIL,
                       _("%s: the county's answer has a bad \"%s\""), what,
                       key);
    if (r == 0 && required)
        return sw_fail(err, SW_EUNAVAIL,
                       _("%s: the county's answer has no \"%s\""), what, key);
    return 0;
}

/* A size limit from "limits": at least 1, at most ceil; 0 if absent. */
static int limit_val(const cJSON *lim, const char *key, size_t ceil,
                     size_t *out, struct sw_err *err)
{
    int64_t v = 0;
    int rc = answer_int(lim, key, 0, 1, &v, "hello", err);
    *out = 0;
    if (!rc && v > 0)
        *out = (uint64_t)v > ceil ? ceil : (size_t)v;
    return rc;
}

int proto_hello_read(const cJSON *j, struct proto_hello_answer *a,
                     struct sw_err *err)
{
    const cJSON *lim;
    int64_t v = -1, proto = -1;
    int rc;

    memset(a, 0, sizeof(*a));
    a->conflicts_mark = -1;
    rc = answer_int(j, "v", 0, 0, &v, "hello", err);
    if (!rc && v != -1 && v != PROTO_VERSION)
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("hello: the county answers in message version %lld; "
                       "this swsync speaks %d: upgrade swsync or the server"),
                     (long long)v, PROTO_VERSION);
    if (!rc)
        rc = answer_int(j, "protocol", 1, 0, &proto, "hello", err);
    if (!rc && proto != PROTO_VERSION)
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("hello: the county speaks protocol %lld, this swsync "
                       "protocol %d: upgrade swsync or the server; nothing "
                       "was sent"),
                     (long long)proto, PROTO_VERSION);
    if (!rc)
        rc = answer_int(j, "schema", 1, 0, &a->schema, "hello", err);
    if (!rc)
        rc = answer_int(j, "county_schema", 0, 0, &a->county_schema, "hello",
                        err);
    /* the county serves this replica's schema, or it would have said 409 */
    if (!rc && a->schema != PROTO_SCHEMA)
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("hello: the county has schema version %lld, this "
                       "replica %d: upgrade swsync or the server; nothing was "
                       "sent"),
                     (long long)a->schema, PROTO_SCHEMA);
    if (!rc)
        rc = answer_int(j, "server_time_ms", 1, 1, &a->server_ms, "hello", err);
    if (!rc)
        rc = answer_int(j, "acked", 1, 0, &a->acked, "hello", err);
    if (!rc)
        rc =
            answer_int(j, "max_drift_ms", 0, 0, &a->max_drift_ms, "hello", err);
    if (!rc)
        rc = answer_int(j, "conflicts_mark", 0, 0, &a->conflicts_mark, "hello",
                        err);
    lim = cJSON_GetObjectItemCaseSensitive(j, "limits");
    if (!rc && lim && !cJSON_IsObject(lim))
        rc = sw_fail(err, SW_EUNAVAIL,
                     _("hello: the county's answer has a bad \"limits\""));
    if (!rc && lim)
        rc = limit_val(lim, "max_body", CEIL_MAX_BODY, &a->max_body, err);
    if (!rc && lim)
        rc = limit_val(lim, "max_inflated", CEIL_MAX_INFLATED, &a->max_inflated,
                       err);
    if (!rc && lim)
        rc = limit_val(lim, "max_changes", CEIL_MAX_CHANGES, &a->max_changes,
                       err);
    if (!rc && lim)
        rc = limit_val(lim, "push_changes", CEIL_MAX_CHANGES, &a->push_changes,
                       err);
    if (!rc && lim)
        rc = limit_val(lim, "pull_limit", PROTO_PULL_MAX, &a->pull_limit, err);
    return rc;
}

int proto_hello_refused(const char *county_msg, struct sw_err *err)
{
    /* the county's text names its schema first ("... schema 2 (the agent
       sent ...", "this county server has schema 3, older than ...") */
    const char *p = strstr(county_msg, "schema ");
    long cs = p ? strtol(p + 7, NULL, 10) : 0;
    char was[SW_ERRMSG_MAX];

    if (cs <= 0 || cs >= PROTO_SCHEMA)
        return err ? err->code : SW_EUNAVAIL; /* its own words say it */
    snprintf(was, sizeof(was), "%s", county_msg);
    return sw_fail(err, SW_EUNAVAIL,
                   _("hello: the county server has schema %ld and does not "
                     "know this swsync's schema %d: upgrade the county server "
                     "first (it goes on serving the stations not yet "
                     "upgraded); nothing was sent, the unsent changes stay in "
                     "this replica (%s)"),
                   cs, PROTO_SCHEMA, was);
}

/* ---- push ----------------------------------------------------------- */

char *proto_push_answer(const struct proto_push_answer *a)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "acked", (double)a->acked);
    cJSON_AddNumberToObject(o, "applied", (double)a->applied);
    cJSON_AddNumberToObject(o, "duplicates", (double)a->duplicates);
    cJSON_AddNumberToObject(o, "conflicts", (double)a->conflicts);
    cJSON_AddNumberToObject(o, "clamped", (double)a->clamped);
    cJSON_AddNumberToObject(o, "refused", (double)a->refused);
    if (a->stream_to > a->stream_from && a->stream_from >= 0) {
        cJSON_AddNumberToObject(o, "stream_from", (double)a->stream_from);
        cJSON_AddNumberToObject(o, "stream_to", (double)a->stream_to);
    }
    return print(o);
}

int proto_push_read(const cJSON *j, struct proto_push_answer *a,
                    struct sw_err *err)
{
    int rc;

    memset(a, 0, sizeof(*a));
    rc = answer_int(j, "acked", 1, 0, &a->acked, "push", err);
    if (!rc)
        rc = answer_int(j, "applied", 0, 0, &a->applied, "push", err);
    if (!rc)
        rc = answer_int(j, "duplicates", 0, 0, &a->duplicates, "push", err);
    if (!rc)
        rc = answer_int(j, "conflicts", 0, 0, &a->conflicts, "push", err);
    if (!rc)
        rc = answer_int(j, "clamped", 0, 0, &a->clamped, "push", err);
    if (!rc)
        rc = answer_int(j, "refused", 0, 0, &a->refused, "push", err);
    a->stream_from = a->stream_to = -1;
    if (!rc)
        rc = answer_int(j, "stream_from", 0, 0, &a->stream_from, "push", err);
    if (!rc)
        rc = answer_int(j, "stream_to", 0, 0, &a->stream_to, "push", err);
    return rc;
}

/* ---- pull ----------------------------------------------------------- */

void proto_pull_path(char *buf, size_t n, const struct proto_pull_query *q)
{
    int k = snprintf(buf, n, "/v1/pull?after=%lld&limit=%lld&schema=%lld",
                     (long long)q->after, (long long)q->limit,
                     (long long)q->schema);
    if (k > 0 && (size_t)k < n && q->echo)
        k += snprintf(buf + k, n - (size_t)k, "&echo=1");
    if (k > 0 && (size_t)k < n && q->count)
        k += snprintf(buf + k, n - (size_t)k, "&count=1");
    if (k > 0 && (size_t)k < n && q->backfill > 0)
        k += snprintf(buf + k, n - (size_t)k, "&backfill=%lld&upto=%lld",
                      (long long)q->backfill, (long long)q->upto);
    if (k > 0 && (size_t)k < n && q->links && *q->links)
        snprintf(buf + k, n - (size_t)k, "&links=%s", q->links);
}

/* A whole number 0..2^53 of decimal digits only. */
static int parse_count(const char *s, int64_t *out)
{
    int64_t v = 0;
    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > 900719925474099)
            return -1;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return 0;
}

int proto_pull_parse(const char *(*get)(void *ctx, const char *name), void *ctx,
                     struct proto_pull_query *q, char *why, size_t n)
{
    const char *qa = get(ctx, "after"), *ql = get(ctx, "limit");
    const char *qe = get(ctx, "echo"), *qc = get(ctx, "count");
    const char *qs = get(ctx, "schema"), *qb = get(ctx, "backfill");
    const char *qu = get(ctx, "upto");
    const char *qk = get(ctx, "links");

    memset(q, 0, sizeof(*q));
    q->limit = PROTO_PULL_DEFAULT;
    q->schema = PROTO_SCHEMA_DEFAULT;
    if ((qa && parse_count(qa, &q->after)) ||
        (ql && (parse_count(ql, &q->limit) || q->limit < 1))) {
        snprintf(why, n,
                 "pull: after and limit must be whole numbers (limit 1-%d)",
                 PROTO_PULL_MAX);
        return 400;
    }
    if (q->limit > PROTO_PULL_MAX)
        q->limit = PROTO_PULL_MAX;
    q->echo = qe && strcmp(qe, "1") == 0;
    q->count = qc && strcmp(qc, "1") == 0;
    q->links = qk; /* checked where it is used (dups_pull_links) */
    if (qs && (parse_count(qs, &q->schema) || q->schema < PROTO_SCHEMA_MIN ||
               q->schema > PROTO_SCHEMA)) {
        snprintf(why, n, "pull: schema must be a whole number %d-%d",
                 PROTO_SCHEMA_MIN, PROTO_SCHEMA);
        return 400;
    }
    if ((qb && (parse_count(qb, &q->backfill) || q->backfill < 1 ||
                q->backfill >= q->schema)) ||
        (!qb != !qu) || (qu && parse_count(qu, &q->upto))) {
        snprintf(why, n,
                 "pull: backfill (a schema below the pull's) and upto (a "
                 "sequence number) go together");
        return 400;
    }
    return 0;
}

int proto_col_sent(const struct proto_pull_query *q, int tbl, int col)
{
    const struct sw_table *t;
    int since;

    if (tbl < 0 || tbl >= SW_NTABLES)
        return 0;
    t = &sw_tables[tbl];
    since = sw_col_since(t, col);
    if (since > q->schema || sw_table_since(t) > q->schema)
        return 0;
    return q->backfill <= 0 || since > q->backfill;
}

void proto_seen_filter(const struct proto_pull_query *q, int tbl, char *seen)
{
    /* "HLC@SITE=col,col;HLC@SITE=col": drop columns not sent, and a
       group left without any */
    const struct sw_table *t;
    char *in, *out, *grp;

    if (!seen || tbl < 0 || tbl >= SW_NTABLES)
        return;
    t = &sw_tables[tbl];
    in = seen;
    out = seen;
    while (*in) {
        char *eq = strchr(in, '='), *end = strchr(in, ';');
        size_t vlen;
        int kept = 0;
        if (!end)
            end = in + strlen(in);
        if (!eq || eq > end) { /* not ours to judge: keep as it is */
            size_t l = (size_t)(end - in);
            if (out != seen)
                *out++ = ';';
            memmove(out, in, l);
            out += l;
            in = *end ? end + 1 : end;
            continue;
        }
        grp = out;
        if (out != seen)
            *out++ = ';';
        vlen = (size_t)(eq - in) + 1;
        memmove(out, in, vlen);
        out += vlen;
        in = eq + 1;
        while (in < end) {
            char *comma = memchr(in, ',', (size_t)(end - in));
            char name[64];
            size_t l;
            int c;
            if (!comma)
                comma = end;
            l = (size_t)(comma - in);
            snprintf(name, sizeof(name), "%.*s", (int)l, in);
            c = sw_col_index(t, name);
            if (c < 0 || proto_col_sent(q, tbl, c)) {
                if (kept)
                    *out++ = ',';
                memmove(out, in, l);
                out += l;
                kept = 1;
            }
            in = comma < end ? comma + 1 : end;
        }
        if (!kept)
            out = grp;
        in = *end ? end + 1 : end;
    }
    *out = 0;
}

/* ---- conflicts ------------------------------------------------------ */

int proto_schema_arg(const char *arg, int64_t *schema, char *why, size_t n)
{
    *schema = PROTO_SCHEMA_DEFAULT;
    if (arg && (parse_count(arg, schema) || *schema < PROTO_SCHEMA_MIN ||
                *schema > PROTO_SCHEMA)) {
        snprintf(why, n, "schema must be a whole number %d-%d",
                 PROTO_SCHEMA_MIN, PROTO_SCHEMA);
        return 400;
    }
    return 0;
}

void proto_conflicts_filter(int64_t schema, cJSON *arr)
{
    struct proto_pull_query q;
    cJSON *it, *next;

    memset(&q, 0, sizeof(q));
    q.schema = schema;
    for (it = arr ? arr->child : NULL; it; it = next) {
        const cJSON *jt = cJSON_GetObjectItemCaseSensitive(it, "table");
        const cJSON *jf = cJSON_GetObjectItemCaseSensitive(it, "field");
        const struct sw_table *t =
            cJSON_IsString(jt) ? sw_table_by_name(jt->valuestring) : NULL;
        int c = t && cJSON_IsString(jf) ? sw_col_index(t, jf->valuestring) : -1;
        const cJSON *jk = cJSON_GetObjectItemCaseSensitive(it, "kind");
        next = it->next;
        /* a kind schema 2 does not know: 0.1.0 drops the whole answer */
        if ((t && c >= 0 && !proto_col_sent(&q, sw_table_index(t), c)) ||
            (schema < 3 && cJSON_IsString(jk) &&
             strcmp(jk->valuestring, "field") != 0 &&
             strcmp(jk->valuestring, "edit_of_deleted") != 0))
            cJSON_Delete(cJSON_DetachItemViaPointer(arr, it));
    }
}

/*
** proto.h — the station/county protocol's messages, written and read in
** one place by both ends (docs/protocol.md): the protocol version, the
** schema versions a county serves, the limits, the hello request and its
** answer, the push answer and the pull query.  The change batches
** themselves (push bodies, pull answers) are sync/codec.h's.
**
** Negotiation: a station says its schema in the hello; a county on schema
** PROTO_SCHEMA serves stations on PROTO_SCHEMA_MIN..PROTO_SCHEMA, answers
** with the schema the exchange uses (the station's: an older agent checks
** that it equals its own) and its own as "county_schema".  A station newer
** than the county is refused (409 version_mismatch, exit 69).  Pulls say
** the station's schema (`schema=S`, absent: 2, what agents before 0.2 speak)
** and the county sends only the tables and columns that schema holds
** (proto_col_sent); a replica migrated to a newer schema fetches the new
** columns' values it skipped with a backfill pull (`backfill=S&upto=SEQ`).
*/
#ifndef SW_PROTO_H
#define SW_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "codec.h"
#include "db.h"
#include "sw.h"

/* "v" of every message and "protocol" of the hello */
#define PROTO_VERSION 1
/* the schema this build speaks, and the oldest a county still serves */
#define PROTO_SCHEMA DB_SCHEMA_VERSION
#define PROTO_SCHEMA_MIN 2
/* a pull query without schema= comes from an agent before 0.2 */
#define PROTO_SCHEMA_DEFAULT 2

/* The limits (hello's "limits"; defaults when a county does not say). */
#define PROTO_PUSH_CHANGES 5000 /* changes per push, advised */
#define PROTO_PULL_DEFAULT 5000 /* fields a pull scans */
#define PROTO_PULL_MAX 10000
#define PROTO_HELLO_MAX_BODY (64 * 1024)   /* the hello request */
#define PROTO_HELLO_MAX_ANSWER (256 << 10) /* the hello answer */
#define PROTO_AGENT_MAX 100                /* bytes of "agent" */
/* Whatever a hello says, a station accepts no more than this. */
#define PROTO_CEIL_MAX_BODY (64u << 20)
#define PROTO_CEIL_MAX_INFLATED (256u << 20)
#define PROTO_CEIL_MAX_CHANGES 1000000

/* ---- hello ---------------------------------------------------------- */

struct proto_hello {
    int64_t v, protocol, schema, time_ms;
    int has_time, has_station, has_agent;
    int station_exact; /* station was all printable ASCII, and short */
    char site[SW_SITE_MAX + 1];
    char station[SW_CODE_MAX + 1]; /* as sent, cleaned for messages */
    char agent[PROTO_AGENT_MAX + 1];
};

/* The request a station sends (JSON text, free() it; NULL: no memory). */
char *proto_hello_request(const char *site, const char *station,
                          int64_t time_ms);

/* The county: parse a request body.  0, or 400 with why filled. */
int proto_hello_parse(const char *body, size_t len, struct proto_hello *h,
                      char *why, size_t n);

/*
** The county: the schema to use with a station that sent h (*use), or
** 409 with why filled (a version it does not speak; the station's newer
** schema says "upgrade the county server first").
*/
int proto_negotiate(const struct proto_hello *h, int64_t *use, char *why,
                    size_t n);

struct proto_hello_answer {
    int64_t schema;        /* the exchange's (negotiated) */
    int64_t county_schema; /* the county's own; 0: not said (before 0.2) */
    const char *county;    /* the county's code (building only) */
    int64_t server_ms, acked;
    int64_t max_drift_ms;   /* 0: not given */
    int64_t conflicts_mark; /* -1: not given */
    /* limits (0: not given) */
    size_t max_body, max_inflated, max_changes, push_changes, pull_limit;
};

/* The county's answer as JSON text (free() it; NULL: no memory). */
char *proto_hello_answer(const struct proto_hello_answer *a);

/*
** The station: read the county's answer (a JSON object, parsed by the
** caller, which has said what it is if it is not one); limits are
** bounded by this PC's ceilings.  A version this swsync does not speak is
** SW_EUNAVAIL (exit 69) naming which side to upgrade.
*/
int proto_hello_read(const cJSON *j, struct proto_hello_answer *a,
                     struct sw_err *err);

/*
** The station: a hello refused with 409 version_mismatch (county_msg:
** err's message so far): when the county's schema is older than ours,
** say that the county server is to be upgraded first, into err; else
** leave err as it is.  Returns err's code.
*/
int proto_hello_refused(const char *county_msg, struct sw_err *err);

/* ---- push ----------------------------------------------------------- */

struct proto_push_answer {
    int64_t acked, applied, duplicates, conflicts, clamped, refused;
    /* the push's own range of the station's pull stream (store.h), sent
       when stream_to > stream_from; -1 when absent (a county before
       issue 14): the pusher's cursor may skip it */
    int64_t stream_from, stream_to;
};

char *proto_push_answer(const struct proto_push_answer *a);
/* acked required, the counts optional (0). */
int proto_push_read(const cJSON *j, struct proto_push_answer *a,
                    struct sw_err *err);

/* ---- pull ----------------------------------------------------------- */

struct proto_pull_query {
    int64_t after, limit;
    int echo, count;
    int64_t schema;   /* the station's */
    int64_t backfill; /* > 0: only the columns added after this schema */
    int64_t upto;     /* backfill: fields written up to this county seq */
    /* links=DIGEST (agents since issue 15): the station's link notices
       when they differ (sync/county/dups.c); NULL/"" for none.  Parsed:
       points into the request's arguments. */
    const char *links;
};

/* The station: the request path (/v1/pull?...) into buf. */
void proto_pull_path(char *buf, size_t n, const struct proto_pull_query *q);

/*
** The county: the query from its arguments, get(ctx, name) giving each
** (NULL: absent).  0, or 400 with why filled.
*/
int proto_pull_parse(const char *(*get)(void *ctx, const char *name), void *ctx,
                     struct proto_pull_query *q, char *why, size_t n);

/*
** Does a pull for q send column col of table tbl?  Its table and column
** are in the station's schema, and, in a backfill, the column came after
** the schema backfilled from.
*/
int proto_col_sent(const struct proto_pull_query *q, int tbl, int col);

/*
** A tombstone's "seen" text with only the columns q sends (in place):
** an older station refuses a column it does not know.
*/
void proto_seen_filter(const struct proto_pull_query *q, int tbl, char *seen);

/* ---- conflicts ------------------------------------------------------ */

/* The station: GET /v1/conflicts with its schema. */
#define PROTO_CONFLICTS_PATH "/v1/conflicts?schema=%d"

/*
** The county: the schema= argument of a GET (NULL: an agent before 0.2,
** schema 2) into *schema; 0, or 400 with why filled.
*/
int proto_schema_arg(const char *arg, int64_t *schema, char *why, size_t n);

/*
** The county: drop from a conflicts array (GET /v1/conflicts) those on a
** table or field the station's schema does not hold: a 0.1.0 agent
** refuses the whole answer for one of them.
*/
void proto_conflicts_filter(int64_t schema, cJSON *arr);

#endif

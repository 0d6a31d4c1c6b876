/*
** sdb-pg.c — the PostgreSQL backend of the storage seam (sdb.h), on libpq.
**
** The engine's SQL is written once, with SQLite's parameters (?NNN and
** ?); prepare() rewrites them to PostgreSQL's $N and step() runs the
** statement with the extended query protocol, values always sent apart
** from the SQL text.  A statement prepared with keep is prepared on the
** server once, at its first step, and executed by name after that; any
** other statement is sent with its text every time (one round trip, no
** DEALLOCATE).
**
** Where PostgreSQL differs from SQLite (docs/storage.md):
**  - A failed statement inside a transaction aborts the whole
**    transaction on PostgreSQL (SQLite undoes only the statement); every
**    later statement fails until ROLLBACK, and a COMMIT of such a
**    transaction is reported here as the error it is (PostgreSQL itself
**    answers COMMIT with "ROLLBACK" and no error).
**  - Result values arrive as text and are converted on request, as
**    SQLite converts between its types: column_int64 of "12abc" is 12,
**    of "abc" 0.
**  - last_insert_rowid is lastval(): the last value any sequence gave on
**    this connection (an identity column's, unless a trigger took
**    another sequence's value after it).  INSERT ... RETURNING is
**    cheaper: lastval() costs a round trip (three in a transaction).
**  - A SELECT's whole result is read at its first step and held until
**    reset (libpq's single-row mode would keep the connection busy, and
**    the engine runs statements while it steps through another's rows):
**    a query that may match many rows needs a LIMIT.
**  - column_count is 0 until the first step.
**  - The write begin waits for the writer lock as long as it takes,
**    unless the connection sets lock_timeout (then SW_ETEMP, as SQLite's
**    SQLITE_BUSY after its busy timeout).
**  - BEGIN inside a transaction is an error, as on SQLite (PostgreSQL
**    only warns); the server's notices are not printed.
*/
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sdb.h"

/* type OIDs (catalog/pg_type_d.h is in the server's headers) */
#define PG_BOOLOID 16
#define PG_BYTEAOID 17
#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23
#define PG_TEXTOID 25
#define PG_OIDOID 26
#define PG_FLOAT4OID 700
#define PG_FLOAT8OID 701
#define PG_NUMERICOID 1700

/* SQLite's default SQLITE_MAX_VARIABLE_NUMBER: the same limit on both */
#define PG_MAX_PARAM 32766

/*
** The key of the transaction-scoped advisory lock every writer takes
** right after BEGIN: the bytes of "swsyncwr" as a big-endian int64.
*/
#define PG_WRITER_LOCK_KEY INT64_C(0x737773796e637772)

#define PG_ERRMSG_MAX 512

struct pg {
    struct sdb base;
    PGconn *c;
    int errclass;               /* SW_* of the last error */
    char errmsg[PG_ERRMSG_MAX]; /* its text, without any bound value */
    int txn_errclass;           /* the error that aborted the transaction */
    char txn_errmsg[PG_ERRMSG_MAX];
    int64_t changes;
    unsigned long nprepared; /* names the kept statements */
};

/* One bound parameter: what PQexecParams is given for it. */
struct pg_param {
    const char *val;  /* NULL: SQL NULL */
    char *own;        /* val, when it is our copy */
    void *dtor_arg;   /* val, when d (the caller's destructor) owns it */
    sdb_destructor d; /* called on dtor_arg when the value is replaced */
    int len;
    int fmt; /* 0 text, 1 binary (blobs) */
    Oid type;
    char num[32]; /* the text of a number */
};

struct pg_stmt {
    struct sdb_stmt base;
    char *sql;           /* as given (sdb_sql) */
    char *pgsql;         /* with $N for ?NNN */
    int nparam;          /* the largest parameter number */
    unsigned char *used; /* [nparam]: does the text name $i+1? */
    struct pg_param *p;  /* [nparam] */
    const char **vals;   /* [nparam], for PQexecParams */
    int *lens;
    int *fmts;
    Oid *types;
    int keep;
    char name[32];        /* the server-side name once prepared, else "" */
    Oid *ptypes;          /* the types it was prepared with */
    PGresult *res;        /* the last execution's, until reset or finalize */
    int row;              /* the current row of res */
    int state;            /* 0 not run since reset, 1 in its rows, 2 done */
    unsigned char **blob; /* [ncol]: decoded bytea of the current row */
    size_t *bloblen;
    int ncol;
};

#define PG(db) ((struct pg *)(db))
#define PS(st) ((struct pg_stmt *)(st))

static const struct sdb_ops pg_ops;

/* ---- errors ----------------------------------------------------------- */

static int pg_set_error(struct pg *g, int cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Record an error on the connection; returns SDB_ERROR. */
static int pg_set_error(struct pg *g, int cls, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->errmsg, sizeof(g->errmsg), fmt, ap);
    va_end(ap);
    g->errclass = cls;
    if (PQtransactionStatus(g->c) == PQTRANS_INERROR && !g->txn_errclass) {
        g->txn_errclass = cls;
        snprintf(g->txn_errmsg, sizeof(g->txn_errmsg), "%s", g->errmsg);
    }
    return SDB_ERROR;
}

static void pg_set_ok(struct pg *g)
{
    g->errclass = 0;
    snprintf(g->errmsg, sizeof(g->errmsg), "not an error");
}

/* libpq's text on one line: each run of white space one space, trimmed. */
static void one_line(char *s)
{
    char *w = s;
    int space = 1; /* drops leading space */
    for (const char *p = s; *p; p++) {
        if (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r') {
            if (!space)
                *w++ = ' ';
            space = 1;
        } else {
            *w++ = *p;
            space = 0;
        }
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/*
** The SW_* class of a SQLSTATE (NULL: none, the connection's own
** failure).
*/
static int sqlstate_class(const char *state, PGconn *c)
{
    if (PQstatus(c) == CONNECTION_BAD)
        return SW_ETEMP;
    if (!state || strlen(state) != 5)
        return SW_EIO;
    if (strncmp(state, "23", 2) == 0 || strncmp(state, "22", 2) == 0)
        return SW_EDATA; /* integrity; bad data (too long, not a number) */
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
        strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0 ||
        strncmp(state, "08", 2) == 0 || strcmp(state, "53300") == 0 ||
        strcmp(state, "57P01") == 0 || strcmp(state, "57P02") == 0 ||
        strcmp(state, "57P03") == 0)
        return SW_ETEMP; /* serialization, deadlock, lock or statement
                            timeout, connection, server going away */
    if (strcmp(state, "53100") == 0)
        return SW_EFULL;
    if (strcmp(state, "42501") == 0 || strncmp(state, "28", 2) == 0)
        return SW_ECONFIG;
    if (strncmp(state, "42", 2) == 0)
        return SW_ESOFTWARE;
    return SW_EIO;
}

/*
** A bad-data message without the data: cut at ": " (invalid input
** syntax for type bigint: "...") and each "quoted" part shown as "...".
*/
static void hide_values(char *msg)
{
    char in[PG_ERRMSG_MAX], *cut;
    size_t o = 0;
    int quoted = 0;

    snprintf(in, sizeof(in), "%s", msg);
    cut = strstr(in, ": ");
    if (cut)
        *cut = '\0';
    for (const char *q = in; *q && o + 5 < PG_ERRMSG_MAX; q++) {
        if (*q == '"') {
            quoted = !quoted;
            if (quoted) {
                memcpy(msg + o, "\"...", 4);
                o += 4;
            } else {
                msg[o++] = '"';
            }
        } else if (!quoted) {
            msg[o++] = *q;
        }
    }
    msg[o] = '\0';
}

/*
** Record the error of a failed result (r may be NULL: no result at
** all).  Only the primary message is kept: DETAIL lines quote the
** values of a key ("Key (name)=(...) already exists"), and for bad data
** (class 22) the primary message quotes the value too, so hide_values;
** bound values are personal data.
*/
static int pg_result_error(struct pg *g, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *prim =
        r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char msg[PG_ERRMSG_MAX];

    if (prim) {
        snprintf(msg, sizeof(msg), "%s", prim);
        if (state && strncmp(state, "22", 2) == 0)
            hide_values(msg);
    } else {
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(g->c));
    }
    one_line(msg);
    if (!*msg)
        snprintf(msg, sizeof(msg), "PostgreSQL gave no result");
    if (state && strcmp(state, "25P02") == 0 && g->txn_errclass)
        /* in a transaction an earlier error aborted: that error's class
           (a serialization failure stays a reason to try again) */
        return pg_set_error(g, g->txn_errclass, "%s [%s]", msg, state);
    if (state)
        return pg_set_error(g, sqlstate_class(state, g->c), "%s [%s]", msg,
                            state);
    return pg_set_error(g, sqlstate_class(NULL, g->c), "%s", msg);
}

/* The count of rows an INSERT, UPDATE, DELETE or MERGE changed. */
static void note_changes(struct pg *g, const PGresult *r)
{
    const char *tag = PQcmdStatus((PGresult *)r);
    if (strncmp(tag, "INSERT", 6) == 0 || strncmp(tag, "UPDATE", 6) == 0 ||
        strncmp(tag, "DELETE", 6) == 0 || strncmp(tag, "MERGE", 5) == 0)
        g->changes = strtoll(PQcmdTuples((PGresult *)r), NULL, 10);
}

/* ---- connections ------------------------------------------------------ */

static void pg_close(sdb *db)
{
    if (!db)
        return;
    PQfinish(PG(db)->c);
    free(db);
}

/*
** Run text with the simple query protocol (one or more statements; the
** last one's result counts).  was_commit: the text was COMMIT, which
** PostgreSQL answers with "ROLLBACK" when the transaction had failed.
*/
static int run_simple(struct pg *g, const char *sql, int was_commit)
{
    PGresult *r = PQexec(g->c, sql);
    ExecStatusType s = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    int rc = SDB_OK;

    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK &&
        s != PGRES_EMPTY_QUERY) {
        rc = pg_result_error(g, r);
    } else if (was_commit && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) {
        rc = pg_set_error(
            g, g->txn_errclass ? g->txn_errclass : SW_EIO,
            "COMMIT rolled back: a statement in the transaction had failed "
            "(%s)",
            g->txn_errclass ? g->txn_errmsg : "unknown");
    } else {
        note_changes(g, r);
        pg_set_ok(g);
    }
    PQclear(r);
    if (PQtransactionStatus(g->c) == PQTRANS_IDLE)
        g->txn_errclass = 0;
    return rc;
}

/*
** begin(db, 1): BEGIN, then the transaction-scoped advisory lock every
** writer of the store takes first.  So writers run one at a time across
** every server sharing the database, and the county's seq (the pull
** cursor) is gap-safe: a writer takes its seqs while it holds the lock,
** and PostgreSQL releases a transaction-scoped lock only when the
** transaction ends, after its commit is visible to every new snapshot.
** The next writer's seqs are therefore larger than every seq committed
** before, and no reader can see seq n+1 while a lower seq n is still to
** commit: a station that pulled up to n+1 never skips n.
** The write transaction is READ COMMITTED (PostgreSQL's default) on
** purpose: each statement after the lock sees every commit made before
** it was granted.  Under REPEATABLE READ the snapshot would be the one
** of the statement that waited for the lock, older than the last
** writer's commit.  Every transaction that takes seqs must begin here;
** one that does not bypasses the lock.
**
** begin(db, 0): a snapshot for reading that sees one state of the store
** (REPEATABLE READ; READ ONLY, so it takes no lock and cannot write).
**
** A begin that fails leaves no transaction open, as SQLite's.
*/
static int pg_begin(sdb *db, int write)
{
    struct pg *g = PG(db);
    char sql[96];
    int rc;

    if (PQtransactionStatus(g->c) != PQTRANS_IDLE)
        return pg_set_error(
            g, PQstatus(g->c) == CONNECTION_OK ? SW_ESOFTWARE : SW_ETEMP,
            "cannot start a transaction within a transaction");
    if (!write)
        return run_simple(g, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                          0);
    snprintf(sql, sizeof(sql), "BEGIN; SELECT pg_advisory_xact_lock(%lld)",
             (long long)PG_WRITER_LOCK_KEY);
    rc = run_simple(g, sql, 0);
    if (rc != SDB_OK && PQtransactionStatus(g->c) != PQTRANS_IDLE) {
        /* keep the lock wait's error, not ROLLBACK's */
        PGresult *r = PQexec(g->c, "ROLLBACK");
        PQclear(r);
        g->txn_errclass = 0;
    }
    return rc;
}

/* Does text (trimmed, any case, an optional ';') equal word? */
static int text_is(const char *text, const char *word)
{
    size_t n = strlen(word);
    while (isspace((unsigned char)*text))
        text++;
    if (strncasecmp(text, word, n) != 0)
        return 0;
    text += n;
    while (isspace((unsigned char)*text))
        text++;
    if (*text == ';')
        text++;
    while (isspace((unsigned char)*text))
        text++;
    return *text == '\0';
}

/*
** exec: SQL text of one or more statements.  SQLite's transaction words
** the engine writes are understood: BEGIN IMMEDIATE (and EXCLUSIVE) is
** the write begin above, BEGIN DEFERRED a plain BEGIN.
*/
static int pg_exec(sdb *db, const char *sql)
{
    struct pg *g = PG(db);
    if (text_is(sql, "BEGIN IMMEDIATE") || text_is(sql, "BEGIN EXCLUSIVE") ||
        text_is(sql, "BEGIN IMMEDIATE TRANSACTION") ||
        text_is(sql, "BEGIN EXCLUSIVE TRANSACTION"))
        return pg_begin(db, 1);
    if (text_is(sql, "BEGIN") || text_is(sql, "BEGIN TRANSACTION") ||
        text_is(sql, "BEGIN DEFERRED") ||
        text_is(sql, "BEGIN DEFERRED TRANSACTION")) {
        /* SQLite refuses a BEGIN in a transaction; PostgreSQL only warns */
        if (PQtransactionStatus(g->c) != PQTRANS_IDLE)
            return pg_set_error(g, SW_ESOFTWARE,
                                "cannot start a transaction within a "
                                "transaction");
        return run_simple(g, "BEGIN", 0);
    }
    return run_simple(g, sql,
                      text_is(sql, "COMMIT") || text_is(sql, "END") ||
                          text_is(sql, "COMMIT TRANSACTION") ||
                          text_is(sql, "END TRANSACTION"));
}

static int pg_errclass(sdb *db)
{
    return PG(db)->errclass ? PG(db)->errclass : SW_EIO;
}

static const char *pg_errmsg(sdb *db)
{
    return PG(db)->errmsg;
}

static int64_t pg_changes(sdb *db)
{
    return PG(db)->changes;
}

/* In a transaction, or in one that failed and waits for ROLLBACK. */
static int pg_in_txn(sdb *db)
{
    PGTransactionStatusType t = PQtransactionStatus(PG(db)->c);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

/*
** lastval(), or 0 when no sequence gave a value on this connection yet.
** That case is an error on the server, which would abort an open
** transaction: inside one, a savepoint keeps it alive.
*/
static int64_t pg_last_insert_rowid(sdb *db)
{
    struct pg *g = PG(db);
    PGTransactionStatusType t = PQtransactionStatus(g->c);
    int sp = t == PQTRANS_INTRANS;
    int64_t v = 0;
    PGresult *r;

    if (t == PQTRANS_INERROR)
        return 0;
    r = PQexec(g->c, sp ? "SAVEPOINT sdb_lastval; SELECT lastval()"
                        : "SELECT lastval()");
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        v = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
        PQclear(r);
        r = sp ? PQexec(g->c, "RELEASE SAVEPOINT sdb_lastval") : NULL;
    } else if (sp) {
        PQclear(r);
        r = PQexec(g->c, "ROLLBACK TO SAVEPOINT sdb_lastval; "
                         "RELEASE SAVEPOINT sdb_lastval");
    }
    PQclear(r);
    return v;
}

/* ---- parameters: ?NNN and ? to $N -------------------------------------- */

static int ident_char(int c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/*
** The length of a dollar-quote tag at s ("$$" or "$tag$"), or 0.
*/
static size_t dollar_tag(const char *s)
{
    size_t n = 1;
    if (isdigit((unsigned char)s[1]))
        return 0; /* $1: a parameter */
    while (s[n] && s[n] != '$') {
        if (!(isalnum((unsigned char)s[n]) || s[n] == '_' ||
              (unsigned char)s[n] >= 0x80))
            return 0;
        n++;
    }
    return s[n] == '$' ? n + 1 : 0;
}

/*
** Rewrite sql's parameters, outside string literals, quoted identifiers,
** dollar-quoted text and comments: ?NNN is $NNN, a bare ? is one more
** than the largest number so far (SQLite's rule).  *out is malloc'd;
** *nparam the largest number; *used (malloc'd, [*nparam]) marks the
** numbers the text names.  Returns 0, or -1 with a message in emsg.
*/
static int translate(const char *sql, char **out, int *nparam,
                     unsigned char **used, char *emsg, size_t emsz)
{
    size_t n = strlen(sql), cap = n + n / 2 + 16, o = 0;
    char *t = malloc(cap);
    unsigned char *u = NULL;
    int max = 0, ucap = 0;
    const char *s = sql;

    *out = NULL;
    *used = NULL;
    if (!t) {
        snprintf(emsg, emsz, "out of memory");
        return -1;
    }
    while (*s) {
        const char *start = s;
        if (*s == '\'' || *s == '"') {
            /* 'text' or "name"; a doubled quote is one; E'..' knows \ */
            char q = *s;
            int esc = q == '\'' && s > sql && (s[-1] == 'E' || s[-1] == 'e') &&
                      (s - 1 == sql || !ident_char((unsigned char)s[-2]));
            s++;
            while (*s) {
                if (esc && *s == '\\' && s[1]) {
                    s += 2;
                    continue;
                }
                if (*s == q) {
                    if (s[1] == q) {
                        s += 2;
                        continue;
                    }
                    s++;
                    break;
                }
                s++;
            }
        } else if (s[0] == '-' && s[1] == '-') {
            while (*s && *s != '\n')
                s++;
        } else if (s[0] == '/' && s[1] == '*') {
            int depth = 1; /* PostgreSQL's comments nest */
            s += 2;
            while (*s && depth) {
                if (s[0] == '/' && s[1] == '*') {
                    depth++;
                    s += 2;
                } else if (s[0] == '*' && s[1] == '/') {
                    depth--;
                    s += 2;
                } else {
                    s++;
                }
            }
        } else if (*s == '$' &&
                   (s == sql || !ident_char((unsigned char)s[-1])) &&
                   dollar_tag(s)) {
            size_t tl = dollar_tag(s);
            const char *end = s + tl;
            while (*end && strncmp(end, s, tl) != 0)
                end++;
            s = *end ? end + tl : end;
        } else if (*s == '?') {
            long num;
            char buf[16];
            size_t bl;
            s++;
            if (isdigit((unsigned char)*s)) {
                char *e;
                errno = 0;
                num = strtol(s, &e, 10);
                if (errno || num < 1 || num > PG_MAX_PARAM) {
                    snprintf(emsg, emsz,
                             "parameter number out of range (1 to %d)",
                             PG_MAX_PARAM);
                    goto fail;
                }
                s = e;
            } else {
                num = max + 1;
                if (num > PG_MAX_PARAM) {
                    snprintf(emsg, emsz, "too many parameters");
                    goto fail;
                }
            }
            if (num > max)
                max = (int)num;
            if (num > ucap) {
                int nc = ucap ? ucap : 8;
                unsigned char *nu;
                while (nc < num)
                    nc *= 2;
                nu = realloc(u, (size_t)nc);
                if (!nu) {
                    snprintf(emsg, emsz, "out of memory");
                    goto fail;
                }
                memset(nu + ucap, 0, (size_t)(nc - ucap));
                u = nu;
                ucap = nc;
            }
            u[num - 1] = 1;
            bl = (size_t)snprintf(buf, sizeof(buf), "$%ld", num);
            if (o + bl + 1 > cap) {
                char *nt;
                cap = (o + bl + 1) * 2 + (n - (size_t)(s - sql));
                nt = realloc(t, cap);
                if (!nt) {
                    snprintf(emsg, emsz, "out of memory");
                    goto fail;
                }
                t = nt;
            }
            memcpy(t + o, buf, bl);
            o += bl;
            continue;
        } else {
            s++;
        }
        /* copy what was passed over */
        if (o + (size_t)(s - start) + 1 > cap) {
            char *nt;
            cap = (o + (size_t)(s - start) + 1) * 2 + (n - (size_t)(s - sql));
            nt = realloc(t, cap);
            if (!nt) {
                snprintf(emsg, emsz, "out of memory");
                goto fail;
            }
            t = nt;
        }
        memcpy(t + o, start, (size_t)(s - start));
        o += (size_t)(s - start);
    }
    t[o] = '\0';
    *out = t;
    *nparam = max;
    *used = u;
    return 0;
fail:
    free(t);
    free(u);
    return -1;
}

/* ---- statements ------------------------------------------------------- */

static void param_release(struct pg_param *p)
{
    free(p->own);
    if (p->d && p->d != SDB_TRANSIENT && p->dtor_arg)
        p->d(p->dtor_arg);
    memset(p, 0, sizeof(*p));
}

/* Forget the current row's decoded blobs. */
static void drop_row(struct pg_stmt *ps)
{
    for (int i = 0; i < ps->ncol; i++) {
        free(ps->blob[i]);
        ps->blob[i] = NULL;
    }
}

static void drop_result(struct pg_stmt *ps)
{
    drop_row(ps);
    free(ps->blob);
    free(ps->bloblen);
    ps->blob = NULL;
    ps->bloblen = NULL;
    ps->ncol = 0;
    PQclear(ps->res);
    ps->res = NULL;
    ps->row = 0;
}

static int pg_prepare(sdb *db, const char *sql, int keep, sdb_stmt **out)
{
    struct pg *g = PG(db);
    struct pg_stmt *ps = calloc(1, sizeof(*ps));
    char emsg[128];
    int n;

    *out = NULL;
    if (!ps)
        return pg_set_error(g, SW_ESOFTWARE, "out of memory");
    ps->base.ops = &pg_ops;
    ps->base.db = db;
    ps->keep = keep;
    ps->sql = strdup(sql);
    if (!ps->sql) {
        free(ps);
        return pg_set_error(g, SW_ESOFTWARE, "out of memory");
    }
    if (translate(sql, &ps->pgsql, &ps->nparam, &ps->used, emsg,
                  sizeof(emsg))) {
        free(ps->sql);
        free(ps);
        return pg_set_error(g, SW_ESOFTWARE, "%s", emsg);
    }
    n = ps->nparam;
    if (n) {
        ps->p = calloc((size_t)n, sizeof(*ps->p));
        ps->vals = calloc((size_t)n, sizeof(*ps->vals));
        ps->lens = calloc((size_t)n, sizeof(*ps->lens));
        ps->fmts = calloc((size_t)n, sizeof(*ps->fmts));
        ps->types = calloc((size_t)n, sizeof(*ps->types));
        if (!ps->p || !ps->vals || !ps->lens || !ps->fmts || !ps->types) {
            ps->base.ops->finalize(&ps->base);
            return pg_set_error(g, SW_ESOFTWARE, "out of memory");
        }
    }
    pg_set_ok(g);
    *out = &ps->base;
    return SDB_OK;
}

/* Parameter i (1-based) of st, released for a new value; NULL: no such. */
static struct pg_param *param_slot(sdb_stmt *st, int i)
{
    struct pg_stmt *ps = PS(st);
    if (i < 1 || i > ps->nparam) {
        pg_set_error(PG(st->db), SW_ESOFTWARE,
                     "column index out of range: parameter %d of %d", i,
                     ps->nparam);
        return NULL;
    }
    param_release(&ps->p[i - 1]);
    return &ps->p[i - 1];
}

/*
** The parameter types sent: 0 (the server infers the type from where
** the parameter stands) for text, integers and NULL.  An integer must
** stay unknown: declared int8 it would fail against a text column
** ("operator does not exist: text = bigint") where SQLite compares by
** the column's affinity, and the engine binds integers into columns of
** every type.  The price: a parameter with no context (?1 IS NULL) cannot
** be typed by the server, and one in arithmetic with an integer literal
** (?1 + 1) is typed integer, 32 bits; there the SQL gives it a CAST (a
** bare SELECT ?1 is text).
** A double is declared float8, so its %.17g text is read back exactly
** and not kept as decimal digits by a numeric or text column; a blob
** is declared bytea, as its bytes are sent in binary format, which is
** read by the declared type's rules.
*/
static int pg_bind_int64(sdb_stmt *st, int i, int64_t v)
{
    struct pg_param *p = param_slot(st, i);
    if (!p)
        return SDB_ERROR;
    p->len = snprintf(p->num, sizeof(p->num), "%lld", (long long)v);
    p->val = p->num;
    return SDB_OK;
}

static int pg_bind_double(sdb_stmt *st, int i, double v)
{
    struct pg_param *p = param_slot(st, i);
    if (!p)
        return SDB_ERROR;
    p->len = snprintf(p->num, sizeof(p->num), "%.17g", v);
    p->val = p->num;
    p->type = PG_FLOAT8OID;
    return SDB_OK;
}

/* The caller's destructor d, if it is one, on s: we are done with s. */
static void let_go(const void *s, sdb_destructor d)
{
    if (d != SDB_STATIC && d != SDB_TRANSIENT)
        d((void *)s);
}

/* p's value: a copy of s (n bytes, and a NUL after them). */
static int copy_bytes(sdb_stmt *st, struct pg_param *p, const void *s, int n)
{
    char *c = malloc((size_t)n + 1);
    if (!c)
        return pg_set_error(PG(st->db), SW_ESOFTWARE, "out of memory");
    if (n)
        memcpy(c, s, (size_t)n);
    c[n] = '\0';
    p->own = c;
    p->val = c;
    p->len = n;
    return SDB_OK;
}

/* p's value: s itself (n bytes), given to d when p lets it go. */
static int refer_bytes(struct pg_param *p, const void *s, int n,
                       sdb_destructor d)
{
    p->val = s;
    p->len = n;
    if (d != SDB_STATIC) {
        p->d = d;
        p->dtor_arg = (void *)s;
    }
    return SDB_OK;
}

/*
** Text is sent NUL-terminated (text format): text with a length from
** the caller is copied, as is SDB_TRANSIENT text; other text is used
** where it is until the statement is reset, finalized or rebound.
*/
static int pg_bind_text(sdb_stmt *st, int i, const char *s, int n,
                        sdb_destructor d)
{
    struct pg_param *p;
    int rc;
    if (!s)
        return st->ops->bind_null(st, i);
    p = param_slot(st, i);
    if (!p) {
        let_go(s, d);
        return SDB_ERROR;
    }
    if (n < 0 && d != SDB_TRANSIENT)
        return refer_bytes(p, s, (int)strlen(s), d);
    rc = copy_bytes(st, p, s, n < 0 ? (int)strlen(s) : n);
    let_go(s, d);
    return rc;
}

/* A blob is sent as it is (binary format, declared bytea). */
static int pg_bind_blob(sdb_stmt *st, int i, const void *b, int n,
                        sdb_destructor d)
{
    struct pg_param *p;
    int rc;
    if (!b) /* SQLite: a NULL pointer binds NULL */
        return st->ops->bind_null(st, i);
    p = param_slot(st, i);
    if (!p) {
        let_go(b, d);
        return SDB_ERROR;
    }
    p->fmt = 1;
    p->type = PG_BYTEAOID;
    if (n < 0)
        n = 0;
    if (d != SDB_TRANSIENT)
        return refer_bytes(p, b, n, d);
    rc = copy_bytes(st, p, b, n);
    return rc;
}

static int pg_bind_null(sdb_stmt *st, int i)
{
    return param_slot(st, i) ? SDB_OK : SDB_ERROR;
}

static int pg_clear_bindings(sdb_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    for (int i = 0; i < ps->nparam; i++)
        param_release(&ps->p[i]);
    return SDB_OK;
}

/* Fill the arrays PQexecParams takes from the bound values. */
static void collect_params(struct pg_stmt *ps)
{
    for (int i = 0; i < ps->nparam; i++) {
        const struct pg_param *p = &ps->p[i];
        ps->vals[i] = p->val;
        ps->lens[i] = p->len;
        ps->fmts[i] = p->fmt;
        /* a number the text does not name has no context to be typed by:
           any type will do */
        ps->types[i] = !ps->used[i] ? PG_TEXTOID : p->type;
    }
}

/*
** Run ps once: by name when kept (prepared at the first run, with the
** types of that run's values; a run whose values have other types is
** sent as text, so a statement means the same either way).
*/
static PGresult *execute(struct pg *g, struct pg_stmt *ps)
{
    int n = ps->nparam;

    collect_params(ps);
    if (ps->keep && !ps->name[0]) {
        char name[32];
        PGresult *r;
        snprintf(name, sizeof(name), "sdb_%lu", ++g->nprepared);
        r = PQprepare(g->c, name, ps->pgsql, n, ps->types);
        if (!r || PQresultStatus(r) != PGRES_COMMAND_OK)
            return r; /* the error is the statement's */
        PQclear(r);
        if (n) {
            ps->ptypes = malloc((size_t)n * sizeof(*ps->ptypes));
            if (!ps->ptypes) {
                snprintf(ps->name, sizeof(ps->name), "%s", name);
                return PQexecParams(g->c, ps->pgsql, n, ps->types, ps->vals,
                                    ps->lens, ps->fmts, 0);
            }
            memcpy(ps->ptypes, ps->types, (size_t)n * sizeof(*ps->ptypes));
        }
        snprintf(ps->name, sizeof(ps->name), "%s", name);
    }
    if (ps->name[0] &&
        (!n || (ps->ptypes &&
                memcmp(ps->ptypes, ps->types, (size_t)n * sizeof(Oid)) == 0)))
        return PQexecPrepared(g->c, ps->name, n, ps->vals, ps->lens, ps->fmts,
                              0);
    return PQexecParams(g->c, ps->pgsql, n, ps->types, ps->vals, ps->lens,
                        ps->fmts, 0);
}

static int pg_step(sdb_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    struct pg *g = PG(st->db);

    if (ps->state == 1) {
        drop_row(ps);
        if (++ps->row < PQntuples(ps->res))
            return SDB_ROW;
        ps->state = 2;
        return SDB_DONE;
    }
    /* not run yet, or done and stepped again (SQLite runs it again) */
    drop_result(ps);
    ps->res = execute(g, ps);
    switch (ps->res ? PQresultStatus(ps->res) : PGRES_FATAL_ERROR) {
    case PGRES_TUPLES_OK:
        note_changes(g, ps->res);
        pg_set_ok(g);
        ps->ncol = PQnfields(ps->res);
        if (ps->ncol) {
            ps->blob = calloc((size_t)ps->ncol, sizeof(*ps->blob));
            ps->bloblen = calloc((size_t)ps->ncol, sizeof(*ps->bloblen));
            if (!ps->blob || !ps->bloblen) {
                drop_result(ps);
                ps->state = 2;
                return pg_set_error(g, SW_ESOFTWARE, "out of memory");
            }
        }
        ps->row = 0;
        if (PQntuples(ps->res) > 0) {
            ps->state = 1;
            return SDB_ROW;
        }
        ps->state = 2;
        return SDB_DONE;
    case PGRES_COMMAND_OK:
    case PGRES_EMPTY_QUERY:
        note_changes(g, ps->res);
        pg_set_ok(g);
        ps->state = 2;
        return SDB_DONE;
    default: {
        int rc = pg_result_error(g, ps->res);
        drop_result(ps);
        ps->state = 2;
        if (PQtransactionStatus(g->c) == PQTRANS_IDLE)
            g->txn_errclass = 0;
        return rc;
    }
    }
}

static int pg_reset(sdb_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    drop_result(ps);
    ps->state = 0;
    return SDB_OK;
}

static void pg_finalize(sdb_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    struct pg *g = PG(st->db);

    drop_result(ps);
    if (ps->name[0] && PQstatus(g->c) == CONNECTION_OK) {
        char sql[48];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", ps->name);
        PQclear(PQexec(g->c, sql)); /* a failure only leaves it on the
                                        server until the connection ends */
    }
    for (int i = 0; i < ps->nparam; i++)
        param_release(&ps->p[i]);
    free(ps->p);
    free(ps->vals);
    free(ps->lens);
    free(ps->fmts);
    free(ps->types);
    free(ps->ptypes);
    free(ps->used);
    free(ps->pgsql);
    free(ps->sql);
    free(ps);
}

/* ---- columns ------------------------------------------------------------ */

/* Is column i of the current row there (not past the end, not NULL)? */
static int have(struct pg_stmt *ps, int i)
{
    return ps->res && ps->state == 1 && i >= 0 && i < ps->ncol &&
           !PQgetisnull(ps->res, ps->row, i);
}

static int pg_column_count(sdb_stmt *st)
{
    struct pg_stmt *ps = PS(st);
    return ps->res ? PQnfields(ps->res) : 0;
}

static int pg_column_type(sdb_stmt *st, int i)
{
    struct pg_stmt *ps = PS(st);
    if (!have(ps, i))
        return SDB_NULL;
    switch (PQftype(ps->res, i)) {
    case PG_INT2OID:
    case PG_INT4OID:
    case PG_INT8OID:
    case PG_BOOLOID:
    case PG_OIDOID:
        return SDB_INTEGER;
    case PG_FLOAT4OID:
    case PG_FLOAT8OID:
    case PG_NUMERICOID:
        return SDB_FLOAT;
    case PG_BYTEAOID:
        return SDB_BLOB;
    default:
        return SDB_TEXT;
    }
}

/* The bytes of a bytea cell, decoded once per row (malloc'd, with a NUL
** after them, freed with the row). */
static const unsigned char *bytea(struct pg_stmt *ps, int i, size_t *len)
{
    if (!ps->blob[i]) {
        size_t n = 0;
        unsigned char *d = PQunescapeBytea(
            (const unsigned char *)PQgetvalue(ps->res, ps->row, i), &n);
        unsigned char *c = d ? malloc(n + 1) : NULL;
        if (!c) {
            PQfreemem(d);
            *len = 0;
            return NULL;
        }
        memcpy(c, d, n);
        c[n] = '\0';
        PQfreemem(d);
        ps->blob[i] = c;
        ps->bloblen[i] = n;
    }
    *len = ps->bloblen[i];
    return ps->blob[i];
}

/*
** The text of column i as SQLite gives it: a boolean as 1 or 0, a
** bytea's bytes (with a NUL after them), anything else as the server
** wrote it.  NULL for SQL NULL (and when out of memory).
*/
static const char *cell_text(struct pg_stmt *ps, int i, int *len)
{
    Oid t;
    *len = 0;
    if (!have(ps, i))
        return NULL;
    t = PQftype(ps->res, i);
    if (t == PG_BOOLOID) {
        *len = 1;
        return PQgetvalue(ps->res, ps->row, i)[0] == 't' ? "1" : "0";
    }
    if (t == PG_BYTEAOID) {
        size_t n;
        const unsigned char *b = bytea(ps, i, &n);
        *len = b ? (int)n : 0;
        return (const char *)b;
    }
    *len = PQgetlength(ps->res, ps->row, i);
    return PQgetvalue(ps->res, ps->row, i);
}

/* SQLite's text to integer: leading space, a sign, digits; a real
** number's integer part; anything else 0. */
static int64_t text_int64(const char *s)
{
    char *e;
    long long v;
    double d;

    if (!s)
        return 0;
    errno = 0;
    v = strtoll(s, &e, 10);
    if (e == s)
        return 0;
    if (*e != '.' && *e != 'e' && *e != 'E' && errno != ERANGE)
        return v;
    d = strtod(s, NULL);
    if (d >= 9223372036854775807.0)
        return INT64_MAX;
    if (d <= -9223372036854775808.0)
        return INT64_MIN;
    return (int64_t)d;
}

static int64_t pg_column_int64(sdb_stmt *st, int i)
{
    int n;
    return text_int64(cell_text(PS(st), i, &n));
}

static double pg_column_double(sdb_stmt *st, int i)
{
    int n;
    const char *s = cell_text(PS(st), i, &n);
    return s ? strtod(s, NULL) : 0.0;
}

static const unsigned char *pg_column_text(sdb_stmt *st, int i)
{
    int n;
    return (const unsigned char *)cell_text(PS(st), i, &n);
}

static const void *pg_column_blob(sdb_stmt *st, int i)
{
    int n;
    const char *s = cell_text(PS(st), i, &n);
    return n ? s : NULL; /* SQLite: a zero-length blob is NULL */
}

static int pg_column_bytes(sdb_stmt *st, int i)
{
    int n;
    cell_text(PS(st), i, &n);
    return n;
}

static const char *pg_column_name(sdb_stmt *st, int i)
{
    struct pg_stmt *ps = PS(st);
    if (!ps->res || i < 0 || i >= PQnfields(ps->res))
        return NULL;
    return PQfname(ps->res, i);
}

static const char *pg_sql(sdb_stmt *st)
{
    return PS(st)->sql;
}

static const struct sdb_ops pg_ops = {
    .name = "postgresql",
    .kind = SDB_PG,
    .close = pg_close,
    .prepare = pg_prepare,
    .exec = pg_exec,
    .errclass = pg_errclass,
    .errmsg = pg_errmsg,
    .changes = pg_changes,
    .in_txn = pg_in_txn,
    .last_insert_rowid = pg_last_insert_rowid,
    .begin = pg_begin,
    .bind_int64 = pg_bind_int64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .clear_bindings = pg_clear_bindings,
    .finalize = pg_finalize,
    .column_count = pg_column_count,
    .column_type = pg_column_type,
    .column_int64 = pg_column_int64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
    .column_bytes = pg_column_bytes,
    .column_name = pg_column_name,
    .sql = pg_sql,
};

/* ---- connecting ---------------------------------------------------------- */

static void sb_put(char **o, size_t *n, size_t *cap, const char *s, size_t k)
{
    if (!*o)
        return;
    if (*n + k + 1 > *cap) {
        char *t;
        *cap = (*n + k + 1) * 2;
        t = realloc(*o, *cap);
        if (!t) {
            free(*o);
            *o = NULL;
            return;
        }
        *o = t;
    }
    memcpy(*o + *n, s, k);
    *n += k;
    (*o)[*n] = '\0';
}

/* A URI's password: in user:password@ and in ?password=. */
static void redact_uri(const char *s, char **o, size_t *n, size_t *cap)
{
    const char *p = strstr(s, "://") + 3, *at = p, *q;
    sb_put(o, n, cap, s, (size_t)(p - s));
    while (*at && *at != '@' && *at != '/') /* libpq's own rule */
        at++;
    if (*at == '@') {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon) {
            sb_put(o, n, cap, p, (size_t)(colon - p));
            sb_put(o, n, cap, ":***", 4);
            p = at;
        }
    }
    q = strchr(p, '?');
    if (!q) {
        sb_put(o, n, cap, p, strlen(p));
        return;
    }
    sb_put(o, n, cap, p, (size_t)(q - p) + 1);
    p = q + 1;
    while (*p) {
        size_t k = strcspn(p, "&");
        if (strncmp(p, "password=", 9) == 0 && k >= 9) {
            sb_put(o, n, cap, "password=***", 12);
        } else {
            sb_put(o, n, cap, p, k);
        }
        p += k;
        if (*p == '&') {
            sb_put(o, n, cap, "&", 1);
            p++;
        }
    }
}

static void redact(const char *s, char **o, size_t *n, size_t *cap);

/* key = value pairs; a value is 'quoted' (with \ escapes) or runs to a
** space. */
static void redact_pairs(const char *s, char **o, size_t *n, size_t *cap)
{
    while (*s) {
        const char *key = s, *v;
        size_t kl;
        if (isspace((unsigned char)*s)) {
            sb_put(o, n, cap, s, 1);
            s++;
            continue;
        }
        while (*s && *s != '=' && !isspace((unsigned char)*s))
            s++;
        kl = (size_t)(s - key);
        while (isspace((unsigned char)*s))
            s++;
        if (*s != '=') { /* not a pair: shown as far as it goes */
            sb_put(o, n, cap, key, (size_t)(s - key));
            continue;
        }
        s++;
        while (isspace((unsigned char)*s))
            s++;
        v = s;
        if (*s == '\'') {
            s++;
            while (*s && *s != '\'') {
                if (*s == '\\' && s[1])
                    s++;
                s++;
            }
            if (*s)
                s++;
        } else {
            while (*s && !isspace((unsigned char)*s)) {
                if (*s == '\\' && s[1])
                    s++;
                s++;
            }
        }
        sb_put(o, n, cap, key, kl);
        sb_put(o, n, cap, "=", 1);
        if (kl == 8 && strncmp(key, "password", 8) == 0) {
            sb_put(o, n, cap, "***", 3);
        } else if (kl == 6 && strncmp(key, "dbname", 6) == 0 &&
                   (memchr(v, '=', (size_t)(s - v)) || sdb_is_pg_target(v))) {
            /* dbname may be a connection string itself */
            char *inner = strndup(v, (size_t)(s - v));
            if (inner)
                redact(inner, o, n, cap);
            free(inner);
        } else {
            sb_put(o, n, cap, v, (size_t)(s - v));
        }
    }
}

static void redact(const char *s, char **o, size_t *n, size_t *cap)
{
    if (sdb_is_pg_target(s))
        redact_uri(s, o, n, cap);
    else
        redact_pairs(s, o, n, cap);
}

char *sdb_pg_redact(const char *conninfo)
{
    size_t n = 0, cap = 64;
    char *o = malloc(cap);
    if (!o)
        return NULL;
    *o = '\0';
    redact(conninfo ? conninfo : "", &o, &n, &cap);
    return o;
}

/* The server's notices and warnings ("there is no transaction in
** progress"): libpq would print them on stderr; the library never
** prints. */
static void no_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* user@host:port/dbname of a connection, tried or made. */
static void describe(PGconn *c, char *buf, size_t n)
{
    const char *h = PQhost(c), *p = PQport(c), *d = PQdb(c), *u = PQuser(c);
    snprintf(buf, n, "%s@%s:%s/%s", u && *u ? u : "?", h && *h ? h : "?",
             p && *p ? p : "5432", d && *d ? d : "?");
}

int sdb_pg_connect(const char *conninfo, sdb **out, struct sw_err *err)
{
    static const char *const keys[] = {"dbname", "client_encoding",
                                       "fallback_application_name", NULL};
    const char *vals[] = {conninfo ? conninfo : "", "UTF8", "swsync", NULL};
    PQconninfoOption *opts;
    char *perr = NULL, who[256], msg[PG_ERRMSG_MAX];
    struct pg *g;
    PGconn *c;
    PGresult *r;
    int rc;

    *out = NULL;
    opts = PQconninfoParse(vals[0], &perr);
    if (!opts) {
        char *shown = sdb_pg_redact(vals[0]);
        /* libpq's message can quote a piece of the text: only shown when
           the text holds no password */
        int quiet = !shown || strcmp(shown, vals[0]) != 0;
        rc = sw_fail(err, SW_ECONFIG,
                     _("not a valid PostgreSQL connection string: %s%s%s"),
                     shown ? shown : "?", quiet || !perr ? "" : ": ",
                     quiet || !perr ? "" : perr);
        free(shown);
        PQfreemem(perr);
        return rc;
    }
    PQconninfoFree(opts);

    c = PQconnectdbParams(keys, vals, 1);
    if (!c)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    describe(c, who, sizeof(who));
    if (PQstatus(c) != CONNECTION_OK) {
        /* Is the server there?  If it is, it refused this login (password,
           role, database, pg_hba.conf): configuration, not a retry. */
        PGPing ping = PQpingParams(keys, vals, 1);
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
        one_line(msg);
        PQfinish(c);
        if (ping == PQPING_OK || ping == PQPING_NO_ATTEMPT)
            return sw_fail(err, SW_ECONFIG,
                           _("PostgreSQL at %s refused the connection: %s"),
                           who, msg);
        return sw_fail(err, SW_ETEMP, _("cannot reach PostgreSQL at %s: %s"),
                       who, msg);
    }
    PQsetNoticeProcessor(c, no_notices, NULL);
    r = PQexec(c, "SET TIME ZONE 'UTC'");
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        snprintf(msg, sizeof(msg), "%s", PQerrorMessage(c));
        one_line(msg);
        PQclear(r);
        rc = PQstatus(c) == CONNECTION_OK ? SW_EIO : SW_ETEMP;
        PQfinish(c);
        return sw_fail(err, rc, _("PostgreSQL at %s: %s"), who, msg);
    }
    PQclear(r);
    g = calloc(1, sizeof(*g));
    if (!g) {
        PQfinish(c);
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    g->base.ops = &pg_ops;
    g->c = c;
    pg_set_ok(g);
    *out = &g->base;
    return 0;
}

/*
** pgtest.c — fresh PostgreSQL databases for the C tests (pgtest.h).
**
** libpq directly: the test's own connection to the server's maintenance
** database, not the engine's, so that a test of the engine does not
** depend on the engine to set itself up.
*/
#include "config.h"

#include "pgtest.h" /* first: cmocka.h's prerequisites */

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "pgstore.h"

int pgtest_enabled(void)
{
    const char *v = getenv("SWSYNC_TEST_PG");
    return v && *v;
}

/* A name a test may give a database: it is put in SQL text unquoted. */
static int good_name(const char *s, size_t max)
{
    size_t i;
    if (!s || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 0; s[i]; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return i <= max;
}

/* s percent-encoded onto out (RFC 3986's unreserved characters kept). */
static void put_enc(char *out, size_t n, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t k = strlen(out);
    for (; *s && k + 4 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            out[k++] = (char)c;
        } else {
            out[k++] = '%';
            out[k++] = hex[c >> 4];
            out[k++] = hex[c & 15];
        }
    }
    out[k] = '\0';
}

static void put(char *out, size_t n, const char *s)
{
    size_t k = strlen(out);
    snprintf(out + k, n > k ? n - k : 0, "%s", s);
}

/*
** The URI of database dbname with SWSYNC_TEST_PG's other parameters
** (a URI or key=value text alike: libpq parses it).  0, or -1 when the
** text is not a connection string or the URI does not fit.
*/
static int make_uri(const char *base, const char *dbname, char *uri, size_t n)
{
    PQconninfoOption *opts, *o;
    char *msg = NULL;
    const char *user = NULL, *host = NULL, *port = NULL;
    int query = 0;

    opts = PQconninfoParse(base, &msg);
    if (!opts) {
        fprintf(stderr,
                "pgtest: SWSYNC_TEST_PG is not a connection string: "
                "%s\n",
                msg ? msg : "out of memory");
        PQfreemem(msg);
        return -1;
    }
    for (o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
    }
    uri[0] = '\0';
    put(uri, n, "postgresql://");
    if (user) {
        put_enc(uri, n, user);
        put(uri, n, "@");
    }
    if (host && strchr(host, ':') && !strchr(host, '/')) {
        put(uri, n, "["); /* an IPv6 address */
        put(uri, n, host);
        put(uri, n, "]");
    } else if (host) {
        put_enc(uri, n, host); /* a socket directory: %2F */
    }
    if (port) {
        put(uri, n, ":");
        put_enc(uri, n, port);
    }
    put(uri, n, "/");
    put(uri, n, dbname);
    for (o = opts; o->keyword; o++) {
        if (!o->val || !*o->val || strcmp(o->keyword, "user") == 0 ||
            strcmp(o->keyword, "host") == 0 ||
            strcmp(o->keyword, "port") == 0 ||
            strcmp(o->keyword, "dbname") == 0)
            continue;
        put(uri, n, query++ ? "&" : "?");
        put_enc(uri, n, o->keyword);
        put(uri, n, "=");
        put_enc(uri, n, o->val);
    }
    PQconninfoFree(opts);
    if (strlen(uri) + 8 >= n) {
        fprintf(stderr, "pgtest: the URI of %s does not fit\n", dbname);
        uri[0] = '\0';
        return -1;
    }
    return 0;
}

/* Run sql (no input in it) on SWSYNC_TEST_PG's database. */
static int admin_exec(const char *what, const char *sql)
{
    const char *base = getenv("SWSYNC_TEST_PG");
    PGconn *c;
    PGresult *r;
    int rc = 0;

    if (!base || !*base) {
        fprintf(stderr, "pgtest: %s: SWSYNC_TEST_PG is not set\n", what);
        return -1;
    }
    c = PQconnectdb(base);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pgtest: %s: cannot connect to SWSYNC_TEST_PG: %s",
                what, PQerrorMessage(c));
        PQfinish(c);
        return -1;
    }
    r = PQexec(c, "SET client_min_messages = warning");
    PQclear(r);
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "pgtest: %s: %s", what, PQerrorMessage(c));
        rc = -1;
    }
    PQclear(r);
    PQfinish(c);
    return rc;
}

int pgtest_fresh(const char *name, char *uri, size_t n)
{
    static unsigned counter;
    char db[64], sql[160];

    if (n)
        uri[0] = '\0';
    if (!good_name(name, 40)) {
        fprintf(stderr, "pgtest: not a database name for a test: '%s'\n",
                name ? name : "(null)");
        return -1;
    }
    snprintf(db, sizeof(db), "%s_%ld_%u", name, (long)getpid(), ++counter);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", db);
    if (admin_exec(db, sql))
        return -1;
    snprintf(sql, sizeof(sql),
             "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'", db);
    if (admin_exec(db, sql))
        return -1;
    return make_uri(getenv("SWSYNC_TEST_PG"), db, uri, n);
}

int pgtest_drop(const char *uri)
{
    PQconninfoOption *opts, *o;
    char sql[160], *msg = NULL;
    int rc = -1;

    opts = PQconninfoParse(uri, &msg);
    if (!opts) {
        fprintf(stderr, "pgtest: not a connection string: %s\n",
                msg ? msg : "out of memory");
        PQfreemem(msg);
        return -1;
    }
    for (o = opts; o->keyword; o++)
        if (strcmp(o->keyword, "dbname") == 0 && good_name(o->val, 63)) {
            snprintf(sql, sizeof(sql),
                     "DROP DATABASE IF EXISTS %s WITH (FORCE)", o->val);
            rc = admin_exec(o->val, sql);
            break;
        }
    if (!o->keyword)
        fprintf(stderr, "pgtest: no database of a test in the URI\n");
    PQconninfoFree(opts);
    return rc;
}

int pgtest_county_target(int pg, const char *dir, const char *name,
                         char *target, size_t n)
{
    if (!pg) {
        snprintf(target, n, "%s/county.db", dir);
        return 0;
    }
    db_use_pg();
    return pgtest_fresh(name, target, n);
}

void pgtest_county_remove(const char *target)
{
    char path[512];
    if (sdb_is_pg_target(target)) {
        pgtest_drop(target);
        return;
    }
    unlink(target);
    snprintf(path, sizeof(path), "%s-wal", target);
    unlink(path);
    snprintf(path, sizeof(path), "%s-shm", target);
    unlink(path);
}

int pgtest_pg;

/* Between the two halves: the server is there and takes a new database;
** from here on the tests run on PostgreSQL. */
static void test_postgresql_reachable(void **state)
{
    char uri[512];
    (void)state;
    pgtest_pg = 1;
    print_message("# from here on the county store is on PostgreSQL "
                  "(SWSYNC_TEST_PG)\n");
    assert_int_equal(pgtest_fresh("reach", uri, sizeof(uri)), 0);
    assert_true(sdb_is_pg_target(uri));
    assert_int_equal(pgtest_drop(uri), 0);
}

int pgtest_run(const char *group, const struct CMUnitTest *tests, size_t n)
{
    struct CMUnitTest *all = calloc(2 * n + 1, sizeof(*all));
    char **names = calloc(n ? n : 1, sizeof(*names));
    size_t k = 0;
    int rc;

    if (!all || !names) {
        fprintf(stderr, "pgtest: out of memory\n");
        free(all);
        free(names);
        return 1;
    }
    pgtest_pg = 0;
    for (size_t i = 0; i < n; i++)
        all[k++] = tests[i];
    if (pgtest_enabled()) {
        all[k].name = "postgresql_reachable";
        all[k++].test_func = test_postgresql_reachable;
        for (size_t i = 0; i < n; i++) {
            size_t len = strlen(tests[i].name) + sizeof(" on PostgreSQL");
            names[i] = malloc(len);
            if (!names[i])
                break;
            snprintf(names[i], len, "%s on PostgreSQL", tests[i].name);
            all[k] = tests[i];
            all[k++].name = names[i];
        }
    }
    rc = _cmocka_run_group_tests(group, all, k, NULL, NULL);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    free(all);
    return rc;
}

/* Column i of st's row onto sb as SQLite's quote() writes it, made here
** from the value's type so that both backends write the same text. */
void pgtest_add_quoted(struct sw_buf *sb, sdb_stmt *st, int i)
{
    switch (sdb_column_type(st, i)) {
    case SDB_NULL:
        sb_adds(sb, "NULL");
        break;
    case SDB_INTEGER:
        sb_addf(sb, "%" PRId64, sdb_column_int64(st, i));
        break;
    case SDB_FLOAT:
        sb_addf(sb, "%.17g", sdb_column_double(st, i));
        break;
    case SDB_BLOB: {
        const unsigned char *p = sdb_column_blob(st, i);
        int n = sdb_column_bytes(st, i);
        sb_adds(sb, "X'");
        for (int k = 0; k < n; k++)
            sb_addf(sb, "%02X", p[k]);
        sb_adds(sb, "'");
        break;
    }
    default:
        sb_addf(sb, "'%s'", (const char *)sdb_column_text(st, i));
        break;
    }
}

/*
** dups.c — the same person at two stations (see dups.h).
*/
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "dups.h"
#include "rows.h"

/*
** The pairs: groups first (GROUP BY over the partial indexes of
** schema/county-local.sql: an index scan, no comparison of every case
** with every other), then the pairs of each group at different stations.
** Two cases that both hold an ID number are compared by it only (equal:
** the strong pair; different: two people), so the weak rule takes the
** pairs where one of them has none.  Decided pairs that no longer match
** stay listed (reason NULL) so that a link can be seen and undone.
*/
static const char SQL_LIST[] =
    "WITH g AS (SELECT id_number FROM cases "
    "  WHERE id_number IS NOT NULL AND deleted = 0 GROUP BY id_number "
    "  HAVING min(station) <> max(station)), "
    "h AS (SELECT name, birth_date FROM cases "
    "  WHERE birth_date IS NOT NULL AND deleted = 0 GROUP BY name, birth_date "
    "  HAVING min(station) <> max(station)), "
    "m(a, b, reason) AS MATERIALIZED ("
    "  SELECT x.id, y.id, 'id_number' FROM g "
    "  JOIN cases AS x ON x.id_number = g.id_number AND x.deleted = 0 "
    "  JOIN cases AS y ON y.id_number = g.id_number AND y.deleted = 0 "
    "   AND y.station <> x.station AND x.id < y.id "
    "  UNION ALL "
    "  SELECT x.id, y.id, 'name_birth' FROM h "
    "  JOIN cases AS x ON x.name = h.name AND x.birth_date = h.birth_date "
    "   AND x.deleted = 0 "
    "  JOIN cases AS y ON y.name = h.name AND y.birth_date = h.birth_date "
    "   AND y.deleted = 0 AND y.station <> x.station AND x.id < y.id "
    "  WHERE x.id_number IS NULL OR y.id_number IS NULL), "
    "q(a, b, reason) AS ("
    "  SELECT a, b, reason FROM m UNION ALL "
    "  SELECT case_a, case_b, NULL FROM dup_pairs AS d WHERE NOT EXISTS "
    "   (SELECT 1 FROM m WHERE m.a = d.case_a AND m.b = d.case_b)) "
    "SELECT q.a, ca.station, sa.name, ca.name, q.b, cb.station, sb.name, "
    "cb.name, q.reason, p.state, p.note, p.admin, p.decided_at FROM q "
    "JOIN cases AS ca ON ca.id = q.a JOIN cases AS cb ON cb.id = q.b "
    "LEFT JOIN stations AS sa ON sa.code = ca.station "
    "LEFT JOIN stations AS sb ON sb.code = cb.station "
    "LEFT JOIN dup_pairs AS p ON p.case_a = q.a AND p.case_b = q.b "
    "WHERE CAST(?1 AS BIGINT) <> 0 OR p.state IS DISTINCT FROM 'not_same' "
    "ORDER BY q.reason IS NULL, q.reason <> 'id_number', ca.station, "
    "cb.station, q.a, q.b";

/* ?2: 1 for a live case only (a decision), 0 for any (an undo) */
static const char SQL_CASE[] = "SELECT station FROM cases WHERE id = ?1 AND "
                               "(deleted = 0 OR CAST(?2 AS BIGINT) = 0)";
static const char SQL_PAIR_GET[] =
    "SELECT state FROM dup_pairs WHERE case_a = ?1 AND case_b = ?2";
static const char SQL_PAIR_PUT[] =
    "INSERT INTO dup_pairs (case_a, case_b, state, note, admin, decided_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (case_a, case_b) DO UPDATE "
    "SET state = excluded.state, note = excluded.note, "
    "admin = excluded.admin, decided_at = excluded.decided_at";
static const char SQL_PAIR_DEL[] =
    "DELETE FROM dup_pairs WHERE case_a = ?1 AND case_b = ?2";

/* The link notices of station ?1: its cases linked to a case of another
** station, with that station's name and contact (nothing of the case). */
static const char SQL_LINKS[] =
    "SELECT DISTINCT c.id, o.station, s.name, sc.contact FROM dup_pairs AS p "
    "JOIN cases AS c ON c.id IN (p.case_a, p.case_b) "
    "JOIN cases AS o ON o.id = CASE WHEN c.id = p.case_a THEN p.case_b "
    " ELSE p.case_a END "
    "LEFT JOIN stations AS s ON s.code = o.station "
    "LEFT JOIN station_contacts AS sc ON sc.code = o.station "
    "WHERE p.state = 'linked' AND c.station = ?1 AND o.station <> ?1 "
    "AND c.deleted = 0 AND o.deleted = 0 ORDER BY c.id, o.station";

static const char SQL_STATION_NAME[] =
    "UPDATE stations SET name = ?2 WHERE code = ?1";
static const char SQL_CONTACT_PUT[] =
    "INSERT INTO station_contacts (code, contact) VALUES (?1, ?2) "
    "ON CONFLICT (code) DO UPDATE SET contact = excluded.contact";
static const char SQL_CONTACT_DEL[] =
    "DELETE FROM station_contacts WHERE code = ?1";
static const char SQL_STATION_EXISTS[] =
    "SELECT 1 FROM stations WHERE code = ?1";

static cJSON *case_obj(sdb_stmt *st, int i)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    rows_add_text(o, "id", st, i);
    rows_add_text(o, "station", st, i + 1);
    rows_add_text(o, "station_name", st, i + 2);
    rows_add_text(o, "name", st, i + 3);
    return o;
}

static cJSON *pair_row(sdb_stmt *st)
{
    cJSON *o = cJSON_CreateObject(), *a = case_obj(st, 0), *b = case_obj(st, 4);
    const char *reason = (const char *)sdb_column_text(st, 8);
    const char *state = (const char *)sdb_column_text(st, 9);

    if (!o || !a || !b || !cJSON_AddItemToObject(o, "a", a)) {
        cJSON_Delete(o);
        cJSON_Delete(a);
        cJSON_Delete(b);
        return NULL;
    }
    if (!cJSON_AddItemToObject(o, "b", b)) {
        cJSON_Delete(o);
        cJSON_Delete(b);
        return NULL;
    }
    rows_add_text(o, "reason", st, 8);
    cJSON_AddStringToObject(o, "strength",
                            !reason                            ? "none"
                            : strcmp(reason, "id_number") == 0 ? "strong"
                                                               : "weak");
    cJSON_AddStringToObject(o, "state", state ? state : "open");
    rows_add_text(o, "note", st, 10);
    rows_add_text(o, "admin", st, 11);
    rows_add_int(o, "decided_at", st, 12);
    return o;
}

int dups_list_json(sdb *db, int all, cJSON **out, struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_LIST, &st, err);
    if (rc)
        return rc;
    sdb_bind_int(st, 1, all != 0);
    return rows_json(db, st, pair_row, "list duplicates", out, err);
}

/* The station of case id (live only: a deleted case is not found) into
** station[SW_CODE_MAX + 1]. */
static int case_station(sdb *db, const char *id, int live, char *station,
                        struct sw_err *err)
{
    sdb_stmt *st;
    int rc, step;

    if (!sw_uuid_valid(id))
        return sw_fail(err, SW_EUSAGE, _("not a case id: %s"), id);
    rc = db_prepare(db, SQL_CASE, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, id, -1, SDB_STATIC);
    sdb_bind_int(st, 2, live);
    step = sdb_step(st);
    if (step == SDB_ROW)
        snprintf(station, SW_CODE_MAX + 1, "%s",
                 (const char *)sdb_column_text(st, 0));
    else if (step == SDB_DONE)
        rc = sw_fail(err, SW_ENOINPUT, _("case %s: not found"), id);
    else
        rc = db_fail(err, db, "read case");
    sdb_finalize(st);
    return rc;
}

/* The pair's current state into state[16] ("" when undecided). */
static int pair_state(sdb *db, const char *a, const char *b, char *state,
                      struct sw_err *err)
{
    sdb_stmt *st;
    int rc = db_prepare(db, SQL_PAIR_GET, &st, err), step;
    if (rc)
        return rc;
    sdb_bind_text(st, 1, a, -1, SDB_STATIC);
    sdb_bind_text(st, 2, b, -1, SDB_STATIC);
    step = sdb_step(st);
    state[0] = '\0';
    if (step == SDB_ROW)
        snprintf(state, 16, "%s", (const char *)sdb_column_text(st, 0));
    else if (step != SDB_DONE)
        rc = db_fail(err, db, "read pair");
    sdb_finalize(st);
    return rc;
}

static int decide_txn(sdb *db, const char *a, const char *b,
                      enum dups_decision d, const char *note,
                      const struct audit_src *src, struct sw_err *err)
{
    static const char *const words[] = {"not_same", "linked", NULL};
    static const char *const acts[] = {AUDIT_DUP_NOT_SAME, AUDIT_DUP_LINK,
                                       AUDIT_DUP_UNDO};
    char sa[SW_CODE_MAX + 1], sb_[SW_CODE_MAX + 1], state[16];
    char target[SW_UUID_LEN + 8], details[DUPS_NOTE_MAX + 160];
    sdb_stmt *st;
    int rc;

    /* an undo also of a pair whose case was deleted or moved since */
    rc = case_station(db, a, d != DUPS_UNDO, sa, err);
    if (!rc)
        rc = case_station(db, b, d != DUPS_UNDO, sb_, err);
    if (!rc && d != DUPS_UNDO && strcmp(sa, sb_) == 0)
        rc = sw_fail(err, SW_EDATA,
                     _("cases %s and %s: both at station %s (only cases of "
                       "different stations are paired)"),
                     a, b, sa);
    if (!rc)
        rc = pair_state(db, a, b, state, err);
    if (rc)
        return rc;
    if (d == DUPS_UNDO && !*state)
        return sw_fail(err, SW_EDATA, _("cases %s and %s: no decision to undo"),
                       a, b);
    if (d != DUPS_UNDO && strcmp(state, words[d]) == 0)
        return sw_fail(err, SW_EDATA,
                       d == DUPS_LINK
                           ? _("cases %s and %s: already linked")
                           : _("cases %s and %s: already marked not the same "
                               "person"),
                       a, b);
    rc = db_prepare(db, d == DUPS_UNDO ? SQL_PAIR_DEL : SQL_PAIR_PUT, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, a, -1, SDB_STATIC);
    sdb_bind_text(st, 2, b, -1, SDB_STATIC);
    if (d != DUPS_UNDO) {
        sdb_bind_text(st, 3, words[d], -1, SDB_STATIC);
        sdb_bind_text(st, 4, note, -1, SDB_STATIC);
        sdb_bind_text(st, 5, src->actor, -1, SDB_STATIC);
        sdb_bind_int64(st, 6, sw_now_ms());
    }
    if (sdb_step(st) != SDB_DONE)
        rc = db_fail(err, db, "save the decision");
    sdb_finalize(st);
    if (rc)
        return rc;
    /* target and details name both cases: a purge of either blanks the
       details (sync/purge.c) */
    snprintf(target, sizeof(target), "cases/%s", a);
    snprintf(details, sizeof(details), "%s with cases/%s, %s/%s%s%s: %s",
             d == DUPS_UNDO ? "undo" : words[d], b, sa, sb_,
             *state ? "; was " : "", state, note);
    return audit_log(db, src, acts[d], target, details, err);
}

int dups_decide(sdb *db, const char *a, const char *b, enum dups_decision d,
                const char *note, const struct audit_src *src,
                struct sw_err *err)
{
    int rc;

    if (!note || !*note || strlen(note) > DUPS_NOTE_MAX || !sw_utf8_valid(note))
        return sw_fail(err, SW_EUSAGE,
                       _("--note: say why, in 1 to %d bytes of UTF-8 text"),
                       DUPS_NOTE_MAX);
    if (a && b && strcmp(a, b) > 0) {
        const char *t = a;
        a = b;
        b = t;
    }
    if (!a || !b || strcmp(a, b) == 0)
        return sw_fail(err, SW_EUSAGE, _("give two different case ids"));
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = decide_txn(db, a, b, d, note, src, err);
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        db_rollback(db);
    return rc;
}

/* hex SHA-256 of the notices' text, into out[SW_LINK_DIGEST_MAX + 1]. */
static int digest_hex(const struct sw_buf *text, char *out, struct sw_err *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (!EVP_Digest(text->buf ? text->buf : "", text->len, md, &len,
                    EVP_sha256(), NULL) ||
        len * 2 > SW_LINK_DIGEST_MAX)
        return sw_fail(err, SW_ESOFTWARE, _("SHA-256 failed"));
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int dups_pull_links(sdb *db, const char *station, const char *known,
                    struct sw_batch *b, struct sw_err *err)
{
    struct sw_batch tmp;
    struct sw_buf text;
    sdb_stmt *st;
    int rc, step;

    rc = db_prepare(db, SQL_LINKS, &st, err);
    if (rc)
        return rc;
    batch_init(&tmp);
    sb_init(&text);
    sb_adds(&text, "links 1\n");
    sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    while (!rc && (step = sdb_step(st)) == SDB_ROW) {
        const char *v[4];
        for (int i = 0; i < 4; i++) {
            v[i] = (const char *)sdb_column_text(st, i);
            sb_addf(&text, "%s%s", i ? "\t" : "", v[i] ? v[i] : "");
        }
        sb_adds(&text, "\n");
        if (batch_add_link(&tmp, v[0], v[1], v[2], v[3]))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (!rc && step != SDB_DONE)
        rc = db_fail(err, db, "read link notices");
    sdb_finalize(st);
    if (!rc && text.oom)
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        rc = digest_hex(&text, tmp.links_digest, err);
    sb_release(&text);
    if (!rc && !(known && strcmp(known, tmp.links_digest) == 0)) {
        /* the agent's set differs: send the whole one */
        free(b->link);
        b->link = tmp.link;
        b->nlink = tmp.nlink;
        b->lcap = tmp.lcap;
        b->has_links = 1;
        memcpy(b->links_digest, tmp.links_digest, sizeof(b->links_digest));
        tmp.link = NULL;
    }
    free(tmp.link);
    return rc;
}

static int station_set_txn(sdb *db, const char *code, const char *name,
                           const char *contact, const struct audit_src *src,
                           struct sw_err *err)
{
    struct sw_buf d;
    sdb_stmt *st;
    int rc, step;

    rc = db_prepare(db, SQL_STATION_EXISTS, &st, err);
    if (rc)
        return rc;
    sdb_bind_text(st, 1, code, -1, SDB_STATIC);
    step = sdb_step(st);
    sdb_finalize(st);
    if (step == SDB_DONE)
        return sw_fail(err, SW_EDATA, _("station %s: not enrolled"), code);
    if (step != SDB_ROW)
        return db_fail(err, db, "read station");
    if (name) {
        rc = db_prepare(db, SQL_STATION_NAME, &st, err);
        if (rc)
            return rc;
        sdb_bind_text(st, 1, code, -1, SDB_STATIC);
        if (*name)
            sdb_bind_text(st, 2, name, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "set station name");
        sdb_finalize(st);
        if (rc)
            return rc;
    }
    if (contact) {
        rc = db_prepare(db, *contact ? SQL_CONTACT_PUT : SQL_CONTACT_DEL, &st,
                        err);
        if (rc)
            return rc;
        sdb_bind_text(st, 1, code, -1, SDB_STATIC);
        if (*contact)
            sdb_bind_text(st, 2, contact, -1, SDB_STATIC);
        if (sdb_step(st) != SDB_DONE)
            rc = db_fail(err, db, "set station contact");
        sdb_finalize(st);
        if (rc)
            return rc;
    }
    sb_init(&d);
    if (name)
        sb_addf(&d, "name: %s", name);
    if (contact)
        sb_addf(&d, "%scontact: %s", name ? "; " : "", contact);
    rc = d.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
               : audit_log(db, src, AUDIT_STATION_SET, code, d.buf, err);
    sb_release(&d);
    return rc;
}

int dups_station_set(sdb *db, const char *code, const char *name,
                     const char *contact, const struct audit_src *src,
                     struct sw_err *err)
{
    int rc;

    if (!name && !contact)
        return sw_fail(err, SW_EUSAGE,
                       _("station set: give name=TEXT and/or contact=TEXT"));
    if (name && (!sw_utf8_valid(name) || strlen(name) > SW_LINK_TEXT_MAX))
        return sw_fail(err, SW_EDATA,
                       _("name: not UTF-8 text of at most %d bytes"),
                       SW_LINK_TEXT_MAX);
    if (contact &&
        (!sw_utf8_valid(contact) || strlen(contact) > DUPS_CONTACT_MAX))
        return sw_fail(err, SW_EDATA,
                       _("contact: not UTF-8 text of at most %d bytes"),
                       DUPS_CONTACT_MAX);
    for (const char *p = contact ? contact : ""; *p; p++)
        if ((unsigned char)*p < 0x20)
            return sw_fail(err, SW_EDATA,
                           _("contact: one line, no control characters"));
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = station_set_txn(db, code, name, contact, src, err);
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        db_rollback(db);
    return rc;
}

/*
** admin.c — the county admin's views and actions (see admin.h).
*/
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cs-admin.h"
#include "cs-sync.h"
#include "db.h"
#include "hlc.h"
#include "purge.h"
#include "table.h"
#include "transfer.h"

int admin_stations_json(sdb *db, cJSON **out, struct sw_err *err)
{
    return cs_stations_json(db, out, err);
}

int admin_conflicts_json(sdb *db, const struct admin_conflict_filter *f,
                         cJSON **out, struct sw_err *err)
{
    return cs_conflicts_json(db, f->all, f->station, f->table, out, err);
}

int admin_conflict_json(sdb *db, int64_t id, cJSON **out, struct sw_err *err)
{
    int rc = cs_conflict_json(db, id, out, err);
    if (!rc && !*out)
        rc = sw_fail(err, SW_EDATA, _("conflict %" PRId64 ": no such conflict"),
                     id);
    return rc;
}

/* ---- resolving ----------------------------------------------------------- */

/*
** Make c (tbl, id set) carry the value of column col: text form v (NULL:
** clear), checked with sw_validate.
*/
static int set_change_value(struct sw_change *c, const struct sw_table *t,
                            int col, const char *v, struct sw_err *err)
{
    const struct sw_column *cl = &t->cols[col];
    int rc = sw_validate(t, cl, v, err);
    if (rc)
        return rc;
    c->col = col;
    free(c->text);
    c->text = NULL;
    if (!v) {
        c->vtype = SW_V_NULL;
    } else if (cl->type == SW_INT) {
        c->vtype = SW_V_INT;
        c->ival = strtoll(v, NULL, 10);
    } else {
        c->vtype = SW_V_TEXT;
        if (!(c->text = sw_strdup(v)))
            return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    return 0;
}

static int text_ok(const char *what, const char *s, size_t max,
                   struct sw_err *err)
{
    if (s && (!sw_utf8_valid(s) || strlen(s) > max))
        return sw_fail(err, SW_EDATA,
                       _("%s: not UTF-8 text of at most %zu bytes"), what, max);
    return 0;
}

int admin_resolve(struct store *s, int64_t id, enum admin_keep keep,
                  const char *value, const char *note, const char *by,
                  const struct audit_src *src, struct sw_err *err)
{
    static const char *const how[] = {"winner", "loser", "value"};
    struct cs_conflict cf;
    struct sw_change c;
    const struct sw_table *t = NULL;
    const char *v = NULL;
    char *vdup = NULL;
    int col = -1, edit_of_deleted = 0, found = 0, rc;

    memset(&c, 0, sizeof(c));
    memset(&cf, 0, sizeof(cf));
    rc = text_ok("note", note, 1000, err);
    if (!rc)
        rc = text_ok("resolved by", by, 64, err);
    if (rc)
        return rc;
    rc = store_begin(s, err);
    if (rc)
        return rc;
    /* the resolution is the resolver's write */
    if (by && sw_author_valid(by) && !(c.author = sw_strdup(by))) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto fail;
    }
    rc = cs_conflict_get(s->db, id, &found, &cf, err);
    if (rc)
        goto fail;
    if (!found) {
        rc = sw_fail(err, SW_EDATA, _("conflict %" PRId64 ": no such conflict"),
                     id);
        goto fail;
    }
    if (strcmp(cf.status, "open") != 0) {
        rc = sw_fail(err, SW_EDATA,
                     _("conflict %" PRId64 ": already resolved (by %s)"), id,
                     cf.resolved_by ? cf.resolved_by : "?");
        goto fail;
    }
    t = sw_table_by_name(cf.tbl);
    if (t)
        col = sw_col_index(t, cf.col);
    if (!t || col < 0) {
        rc = sw_fail(err, SW_EDATA,
                     _("conflict %" PRId64 ": unknown table or field"), id);
        goto fail;
    }
    edit_of_deleted = strcmp(cf.kind, "edit_of_deleted") == 0;
    c.tbl = sw_table_index(t);
    snprintf(c.id, sizeof(c.id), "%s", cf.row_id);

    switch (keep) {
    case ADMIN_KEEP_WINNER:
        v = cf.winner;
        break;
    case ADMIN_KEEP_LOSER:
        v = cf.loser;
        break;
    default:
        if (t->cols[col].flags & SW_COL_FIXED) {
            rc = sw_fail(err, SW_EDATA, _("%s.%s: cannot change"), t->name,
                         t->cols[col].name);
            goto fail;
        }
        v = value && *value ? value : NULL;
    }

    if (v && !(vdup = sw_strdup(v))) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto fail;
    }

    if (edit_of_deleted) {
        /* the winner is the tombstone: keep it, or bring the record back */
        rc = set_change_value(&c, t, sw_col_deleted(t),
                              keep == ADMIN_KEEP_WINNER ? "1" : "0", err);
        if (!rc)
            rc = store_write(s, &c, err);
        if (!rc && keep != ADMIN_KEEP_WINNER) {
            rc = set_change_value(&c, t, col, vdup, err);
            if (!rc)
                rc = store_write(s, &c, err);
        }
    } else {
        rc = set_change_value(&c, t, col, vdup, err);
        if (!rc)
            rc = store_write(s, &c, err);
    }
    if (rc)
        goto fail;

    rc = cs_conflict_mark_resolved(
        s->db, id, sw_now_ms(), by && *by ? by : "cli", how[keep], note, err);
    if (rc)
        goto fail;
    if (src) {
        struct sw_buf d;
        char target[40];
        sb_init(&d);
        sb_addf(&d, "%s/%s.%s: keep %s", t->name, c.id, t->cols[col].name,
                how[keep]);
        if (keep == ADMIN_KEEP_VALUE)
            sb_addf(&d, "; value: %s", vdup ? vdup : "(empty)");
        if (note && *note)
            sb_addf(&d, "; note: %s", note);
        snprintf(target, sizeof(target), "conflict %" PRId64, id);
        rc = d.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                   : audit_log(s->db, src, AUDIT_RESOLVE, target, d.buf, err);
        sb_release(&d);
        if (rc)
            goto fail;
    }
    change_release(&c);
    cs_conflict_release(&cf);
    free(vdup);
    return store_commit(s, err);

fail:
    cs_conflict_release(&cf);
    change_release(&c);
    free(vdup);
    store_abort(s);
    return rc;
}

/* ---- a station's conflicts, for its replicas ---------------------------- */

int admin_station_conflicts_json(sdb *db, const char *station, int64_t since_ms,
                                 int limit, cJSON **out, struct sw_err *err)
{
    return cs_station_conflicts_json(db, station, since_ms, limit, out, err);
}

/* ---- enrolment ----------------------------------------------------------- */

/* 0 if station exists, SW_EDATA if not, or a database error. */
static int station_exists(sdb *db, const char *code, struct sw_err *err)
{
    int found = 0, rc = cs_station_found(db, code, &found, err);
    if (!rc && !found)
        rc = sw_fail(err, SW_EDATA,
                     _("station %s: not enrolled (see 'station add')"), code);
    return rc;
}

int admin_station_add(sdb *db, const char *code, const char *name,
                      char tok[AUTH_TOKEN_LEN + 1], const struct audit_src *src,
                      struct sw_err *err)
{
    struct sw_buf d;
    int rc;

    tok[0] = '\0';
    if (!sw_code_valid(code))
        return sw_fail(
            err, SW_EDATA,
            _("station: not a valid code (1-%d of A-Z a-z 0-9 _ . -, "
              "not starting with - or .): %s"),
            SW_CODE_MAX, code);
    if (name && (!sw_utf8_valid(name) || strlen(name) > ADMIN_NAME_MAX))
        return sw_fail(err, SW_EDATA,
                       _("name: not UTF-8 text of at most %d bytes"),
                       ADMIN_NAME_MAX);
    rc = db_begin(db, err);
    if (rc)
        return rc;
    {
        /* the county's own code owns the county-owned records (the
           resource directory): no station may have it */
        char *county = NULL;
        rc = db_config_get(db, "county", &county, err);
        if (!rc && county && strcmp(county, code) == 0)
            rc = sw_fail(err, SW_EDATA,
                         _("station: %s is the county's own code"), code);
        free(county);
        if (rc)
            goto fail;
    }
    rc = station_exists(db, code, err);
    if (rc == 0) {
        rc = sw_fail(err, SW_ECANTCREAT,
                     _("station %s: already enrolled (a new replica: "
                       "'station token %s --device NAME')"),
                     code, code);
        goto fail;
    }
    if (rc != SW_EDATA)
        goto fail;
    sw_err_clear(err);
    rc = cs_station_add(db, code, name, sw_now_ms(), err);
    if (rc)
        goto fail;
    rc = auth_add_replica(db, code, "main", tok, err);
    if (rc)
        goto fail;
    sb_init(&d);
    sb_adds(&d, "device main");
    if (name && *name)
        sb_addf(&d, "; name: %s", name);
    rc = d.oom ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
               : audit_log(db, src, AUDIT_STATION_ADD, code, d.buf, err);
    sb_release(&d);
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    memset(tok, 0, AUTH_TOKEN_LEN + 1);
    return rc;
}

int admin_station_token(sdb *db, const char *code, const char *device,
                        char dev[AUTH_DEVICE_MAX + 1],
                        char tok[AUTH_TOKEN_LEN + 1],
                        const struct audit_src *src, struct sw_err *err)
{
    char d[AUTH_DEVICE_MAX + 1];
    int rc, used = 0;

    tok[0] = '\0';
    dev[0] = '\0';
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = station_exists(db, code, err);
    if (rc)
        goto fail;
    if (!device || !*device) {
        /* main, else the first free replica-N */
        snprintf(d, sizeof(d), "main");
        for (int n = 2; !(rc = cs_device_used(db, code, d, &used, err)) &&
                        used && n < 10000;
             n++)
            snprintf(d, sizeof(d), "replica-%d", n);
        if (rc)
            goto fail;
        device = d;
    }
    rc = auth_add_replica(db, code, device, tok, err);
    if (!rc) {
        /* a valid device name now: at most AUTH_DEVICE_MAX bytes */
        size_t n = strlen(device);
        memcpy(dev, device, n > AUTH_DEVICE_MAX ? AUTH_DEVICE_MAX : n);
        dev[n > AUTH_DEVICE_MAX ? AUTH_DEVICE_MAX : n] = '\0';
        {
            char det[AUTH_DEVICE_MAX + 16];
            snprintf(det, sizeof(det), "device %s", dev);
            rc = audit_log(db, src, AUDIT_TOKEN_NEW, code, det, err);
        }
    }
    if (!rc)
        rc = db_commit(db, err);
    if (rc)
        goto fail;
    return 0;
fail:
    db_rollback(db);
    memset(tok, 0, AUTH_TOKEN_LEN + 1);
    dev[0] = '\0';
    return rc;
}

int admin_station_revoke(sdb *db, const char *code, const char *device,
                         int *count, const struct audit_src *src,
                         struct sw_err *err)
{
    char det[AUTH_DEVICE_MAX + 64];
    int rc, used = 0;

    *count = 0;
    if (device && !*device)
        device = NULL;
    rc = db_begin(db, err);
    if (rc)
        return rc;
    rc = station_exists(db, code, err);
    if (!rc && device) {
        rc = cs_device_used(db, code, device, &used, err);
        if (!rc && !used)
            rc = sw_fail(err, SW_EDATA, _("station %s has no replica '%s'"),
                         code, device);
    }
    if (!rc)
        rc = cs_replicas_revoke(db, code, device, sw_now_ms(), count, err);
    if (!rc) {
        snprintf(det, sizeof(det), "%s%s: %d replica%s revoked now",
                 device ? "device " : "every replica", device ? device : "",
                 *count, *count == 1 ? "" : "s");
        rc = audit_log(db, src, AUDIT_REVOKE, code, det, err);
    }
    if (!rc)
        return db_commit(db, err);
    db_rollback(db);
    return rc;
}

/* ---- county corrections -------------------------------------------------- */

/* Is record id of t live (exists, not deleted)?  SW_EDATA if not. */
static int live_record(sdb *db, const struct sw_table *t, const char *id,
                       struct sw_err *err)
{
    int state = -1, rc = cs_record_state(db, t, id, &state, err);
    if (rc)
        return rc;
    if (state < 0)
        return sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    if (state > 0)
        return sw_fail(err, SW_EDATA, _("%s %s: deleted"), t->noun, id);
    return 0;
}

int admin_record_set(struct store *s, const struct sw_table *t, const char *id,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, struct sw_err *err)
{
    struct sw_change c;
    struct sw_buf d;
    char target[64];
    int rc;

    if (!sw_uuid_valid(id))
        return sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    for (int i = 0; i < n; i++)
        if (t->cols[as[i].col].flags & (SW_COL_FIXED | SW_COL_SYSTEM))
            return sw_fail(err, SW_EDATA, _("%s.%s: cannot change"), t->name,
                           t->cols[as[i].col].name);
    rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = live_record(s->db, t, id, err);
    sb_init(&d);
    for (int i = 0; !rc && i < n; i++) {
        const struct sw_column *col = &t->cols[as[i].col];
        memset(&c, 0, sizeof(c));
        c.tbl = sw_table_index(t);
        c.col = as[i].col;
        snprintf(c.id, sizeof(c.id), "%s", id);
        if (!as[i].value) {
            c.vtype = SW_V_NULL;
        } else if (col->type == SW_INT) {
            c.vtype = SW_V_INT;
            c.ival = strtoll(as[i].value, NULL, 10);
        } else {
            c.vtype = SW_V_TEXT;
            c.text = sw_strdup(as[i].value);
            if (!c.text)
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        }
        if (!rc && src && sw_author_valid(src->actor) &&
            !(c.author = sw_strdup(src->actor)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        if (!rc)
            rc = store_write(s, &c, err);
        change_release(&c);
        sb_addf(&d, "%s%s=%s", i ? "; " : "", col->name,
                as[i].value ? as[i].value : "");
    }
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = d.oom
                 ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : audit_log(s->db, src, AUDIT_RECORD_SET, target, d.buf, err);
    }
    sb_release(&d);
    if (rc) {
        store_abort(s);
        if (rc == SW_ENOINPUT) {
            rc = SW_EDATA; /* as the agent: not found */
            if (err)
                err->code = rc;
        }
        return rc;
    }
    return store_commit(s, err);
}

/* One field of a record the county writes, author from src. */
static int county_field(struct store *s, const struct sw_table *t,
                        const char *id, int col, const char *value,
                        const struct audit_src *src, int create,
                        struct sw_err *err)
{
    struct sw_change c;
    int rc = 0;

    memset(&c, 0, sizeof(c));
    c.tbl = sw_table_index(t);
    c.col = col;
    snprintf(c.id, sizeof(c.id), "%s", id);
    if (!value) {
        c.vtype = SW_V_NULL;
    } else if (t->cols[col].type == SW_INT) {
        c.vtype = SW_V_INT;
        c.ival = strtoll(value, NULL, 10);
    } else {
        c.vtype = SW_V_TEXT;
        if (!(c.text = sw_strdup(value)))
            rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    }
    if (!rc && src && sw_author_valid(src->actor) &&
        !(c.author = sw_strdup(src->actor)))
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    if (!rc)
        rc = create ? store_create(s, &c, err) : store_write(s, &c, err);
    change_release(&c);
    return rc;
}

int admin_record_add(struct store *s, const struct sw_table *t,
                     const struct rec_assign *as, int n,
                     const struct audit_src *src, char id[SW_UUID_LEN + 1],
                     struct sw_err *err)
{
    const char **vals;
    char today[11], target[64];
    struct sw_buf d;
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    if (!sw_county_owned(t))
        return sw_fail(err, SW_EUSAGE,
                       _("%s add: a station's records are made at the "
                         "station"),
                       t->noun);
    vals = calloc((size_t)t->ncols, sizeof(*vals));
    if (!vals)
        return sw_fail(err, SW_ESOFTWARE, _("out of memory"));
    for (int i = 0; i < n; i++)
        vals[as[i].col] = as[i].value;
    localtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    rc = records_fill_defaults(t, vals, today, err);
    if (!rc)
        rc = sw_uuid7(id) ? sw_fail(err, SW_ESOFTWARE, _("no random id")) : 0;
    if (rc) {
        free(vals);
        return rc;
    }
    rc = store_begin(s, err);
    if (rc) {
        free(vals);
        return rc;
    }
    sb_init(&d);
    for (int c = 0; !rc && c < t->ncols; c++) {
        if (!vals[c])
            continue;
        rc = county_field(s, t, id, c, vals[c], src, 1, err);
        sb_addf(&d, "%s%s=%s", d.len ? "; " : "", t->cols[c].name, vals[c]);
    }
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = d.oom
                 ? sw_fail(err, SW_ESOFTWARE, _("out of memory"))
                 : audit_log(s->db, src, AUDIT_RECORD_ADD, target, d.buf, err);
    }
    sb_release(&d);
    free(vals);
    if (rc) {
        store_abort(s);
        return rc;
    }
    return store_commit(s, err);
}

int admin_record_delete(struct store *s, const struct sw_table *t,
                        const char *id, const struct audit_src *src,
                        struct sw_err *err)
{
    char target[64];
    int rc;

    if (!sw_county_owned(t))
        return sw_fail(err, SW_EUSAGE,
                       _("%s delete: a station's records are deleted at the "
                         "station"),
                       t->noun);
    if (!sw_uuid_valid(id))
        return sw_fail(err, SW_EDATA, _("%s %s: not found"), t->noun, id);
    rc = store_begin(s, err);
    if (rc)
        return rc;
    rc = live_record(s->db, t, id, err);
    if (!rc)
        rc = county_field(s, t, id, sw_col_deleted(t), "1", src, 0, err);
    if (!rc) {
        snprintf(target, sizeof(target), "%s/%s", t->name, id);
        rc = audit_log(s->db, src, AUDIT_RECORD_DELETE, target, NULL, err);
    }
    if (rc) {
        store_abort(s);
        return rc;
    }
    return store_commit(s, err);
}

int admin_purge_case(sdb *db, const char *id, const char *reason,
                     const struct audit_src *src, long *nrecords,
                     struct sw_err *err)
{
    char station[SW_CODE_MAX + 1] = "", details[700], target[64];
    long n = 0;
    int rc = db_begin(db, err);

    if (rc)
        return rc;
    rc = purge_case(db, id, src->actor, reason, &n, station, err);
    if (!rc) {
        /* the reason is kept as the admin gave it: not a value of the
           person (docs/design-notes.md) */
        snprintf(target, sizeof(target), "cases/%s", id);
        snprintf(details, sizeof(details), "station %s; %ld records; %s",
                 station, n, reason);
        rc = audit_log(db, src, AUDIT_PURGE, target, details, err);
    }
    if (rc) {
        db_rollback(db);
        return rc;
    }
    rc = db_commit(db, err);
    if (!rc)
        rc = purge_checkpoint(db, err);
    if (!rc && nrecords)
        *nrecords = n;
    return rc;
}

int admin_transfer_case(struct store *s, const char *id, const char *to,
                        const char *note, int64_t request,
                        const struct audit_src *src, char *from, long *nrecords,
                        struct sw_err *err)
{
    struct transfer_result res;
    char details[AUDIT_DETAILS_MAX + 1], target[64];
    int rc = store_begin(s, err);

    if (rc)
        return rc;
    rc = transfer_case(s, id, to, note, src->actor, request, &res, err);
    if (!rc) {
        snprintf(target, sizeof(target), "cases/%s", id);
        if (request > 0)
            snprintf(details, sizeof(details),
                     "from %s to %s; %ld records; request %lld; %s", res.from,
                     to, res.records, (long long)request, note);
        else
            snprintf(details, sizeof(details), "from %s to %s; %ld records; %s",
                     res.from, to, res.records, note);
        rc = audit_log(s->db, src, AUDIT_TRANSFER, target, details, err);
    }
    if (rc) {
        store_abort(s);
        if (rc == SW_ENOINPUT) {
            rc = SW_EDATA; /* as show: not found */
            if (err)
                err->code = rc;
        }
        return rc;
    }
    rc = store_commit(s, err);
    if (!rc && from)
        snprintf(from, SW_CODE_MAX + 1, "%s", res.from);
    if (!rc && nrecords)
        *nrecords = res.records;
    return rc;
}

int admin_transfer_decline(sdb *db, int64_t request,
                           const struct audit_src *src, struct sw_err *err)
{
    char target[64], details[128], case_id[SW_UUID_LEN + 1],
        station[SW_CODE_MAX + 1], to[SW_CODE_MAX + 1];
    int found = 0, rc = db_begin(db, err);

    if (!rc)
        rc = cs_transfer_decline(db, request, sw_now_ms(), src->actor, &found,
                                 case_id, station, to, err);
    if (!rc && !found)
        rc = sw_fail(err, SW_EUSAGE,
                     _("transfer request %lld: not a pending request"),
                     (long long)request);
    if (!rc) {
        snprintf(target, sizeof(target), "cases/%s", case_id);
        snprintf(details, sizeof(details), "request %lld: %s to %s",
                 (long long)request, station, to);
    }
    if (!rc)
        rc = audit_log(db, src, AUDIT_TRANSFER_DECLINE, target, details, err);
    if (rc) {
        db_rollback(db);
        return rc;
    }
    return db_commit(db, err);
}

int admin_transfer_ask(sdb *db, const char *station, const char *site,
                       int64_t local_id, const char *case_id, const char *to,
                       const char *note, const char *asked_by, int64_t asked_at,
                       struct sw_err *err)
{
    int rc, own = 0;

    if (!sw_uuid_valid(case_id) || !sw_code_valid(to) || !note || !*note ||
        strlen(note) > SW_NOTE_MAX || !sw_utf8_valid(note) ||
        strcmp(to, station) == 0 || local_id <= 0 ||
        (asked_by && !sw_author_valid(asked_by)))
        return sw_fail(err, SW_EUSAGE,
                       _("transfer request: a case, another station and a "
                         "note"));
    rc = cs_case_of_station(db, case_id, station, &own, err);
    if (!rc && !own)
        rc = sw_fail(err, SW_EUSAGE,
                     _("transfer request: station %s has no case %s"), station,
                     case_id);
    if (!rc)
        rc = cs_transfer_ask_add(db, site, local_id, station, case_id, to, note,
                                 asked_by, asked_at, err);
    return rc;
}

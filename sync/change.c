#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "hlc.h"
#include "table.h"

/* Seqs travel as JSON numbers (doubles): below 2^53. */
#define SEQ_LIMIT INT64_C(9007199254740992)

int sw_version_cmp(const struct sw_version *a, const struct sw_version *b)
{
    if (a->hlc != b->hlc)
        return a->hlc < b->hlc ? -1 : 1;
    if (a->hlc == 0)
        return 0;
    return strcmp(a->site, b->site);
}

int sw_version_eq(const struct sw_version *a, const struct sw_version *b)
{
    return sw_version_cmp(a, b) == 0;
}

int sw_site_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SW_SITE_MAX)
        return 0;
    if (n <= SW_CODE_MAX)
        return sw_code_valid(s);
    /* longer than a code: check the characters the same way */
    {
        char head[SW_CODE_MAX + 1];
        memcpy(head, s, SW_CODE_MAX);
        head[SW_CODE_MAX] = '\0';
        if (!sw_code_valid(head))
            return 0;
        for (size_t i = SW_CODE_MAX; i < n; i++) {
            char c = s[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                  (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-'))
                return 0;
        }
    }
    return 1;
}

void change_release(struct sw_change *c)
{
    if (c) {
        free(c->text);
        c->text = NULL;
        free(c->author);
        c->author = NULL;
        free(c->seen);
        c->seen = NULL;
    }
}

int sw_author_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > SW_AUTHOR_MAX || !sw_utf8_valid(s))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

int sw_author_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

void batch_init(struct sw_batch *b)
{
    memset(b, 0, sizeof(*b));
    b->remaining = -1;
}

void batch_release(struct sw_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        change_release(&b->v[i]);
    free(b->v);
    free(b->erase);
    free(b->link);
    batch_init(b);
}

int batch_add_erase(struct sw_batch *b, int tbl, const char *id)
{
    if (b->nerase == b->ecap) {
        size_t cap = b->ecap ? b->ecap * 2 : 8;
        struct sw_erase *v = realloc(b->erase, cap * sizeof(*v));
        if (!v)
            return SW_ESOFTWARE;
        b->erase = v;
        b->ecap = cap;
    }
    memset(&b->erase[b->nerase], 0, sizeof(b->erase[0]));
    b->erase[b->nerase].tbl = tbl;
    snprintf(b->erase[b->nerase].id, sizeof(b->erase[0].id), "%s", id);
    b->nerase++;
    return 0;
}

int batch_add_move(struct sw_batch *b, const char *case_id, const char *to,
                   int64_t at, const char *note)
{
    struct sw_erase *e;
    if (batch_add_erase(b, SW_T_CASES, case_id))
        return SW_ESOFTWARE;
    e = &b->erase[b->nerase - 1];
    snprintf(e->to, sizeof(e->to), "%s", to);
    e->at = at;
    snprintf(e->note, sizeof(e->note), "%s", note ? note : "");
    return 0;
}

/* s into out[n], cut at a UTF-8 character boundary if it is longer. */
static void utf8_cut(char *out, size_t n, const char *s)
{
    size_t len = strlen(s);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xc0) == 0x80)
            len--;
    }
    memcpy(out, s, len);
    out[len] = '\0';
}

int batch_add_link(struct sw_batch *b, const char *case_id, const char *station,
                   const char *name, const char *contact)
{
    struct sw_link *l;
    if (b->nlink == b->lcap) {
        size_t cap = b->lcap ? b->lcap * 2 : 8;
        struct sw_link *v = realloc(b->link, cap * sizeof(*v));
        if (!v)
            return SW_ESOFTWARE;
        b->link = v;
        b->lcap = cap;
    }
    l = &b->link[b->nlink++];
    snprintf(l->case_id, sizeof(l->case_id), "%s", case_id ? case_id : "");
    snprintf(l->station, sizeof(l->station), "%s", station ? station : "");
    utf8_cut(l->name, sizeof(l->name), name ? name : "");
    utf8_cut(l->contact, sizeof(l->contact), contact ? contact : "");
    b->has_links = 1;
    return 0;
}

int batch_add(struct sw_batch *b, struct sw_change *c)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        struct sw_change *v = realloc(b->v, cap * sizeof(*v));
        if (!v)
            return SW_ESOFTWARE;
        b->v = v;
        b->cap = cap;
    }
    b->v[b->n++] = *c;
    b->checked = 0;
    c->text = NULL; /* owned by the batch now */
    c->author = NULL;
    c->seen = NULL;
    return 0;
}

/* One change's shape (not its value); i names it in messages. */
/* Check change c (number i); p: the change before it (checked), whose
** id, station and sites c's are compared to first: a record's fields
** share them, and a pull checks every change (a hot path). */
static int check_one(const struct sw_change *c, const struct sw_change *p,
                     size_t i, struct sw_err *err)
{
    if (c->tbl < 0 || c->tbl >= SW_NTABLES)
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad table index %d", i,
                       c->tbl);
    if (c->col < 0 || c->col >= sw_tables[c->tbl].ncols)
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad column index %d", i,
                       c->col);
    if (!(p && !strcmp(c->id, p->id)) && !sw_uuid_valid(c->id))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad row id", i);
    if (!(p && !strcmp(c->station, p->station)) && !sw_code_valid(c->station))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad station code", i);
    if (c->ver.hlc <= 0 || (!(p && !strcmp(c->ver.site, p->ver.site)) &&
                            !sw_site_valid(c->ver.site)))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad version", i);
    if (c->base.hlc < 0 ||
        (c->base.hlc > 0 &&
         !(p && p->base.hlc > 0 && !strcmp(c->base.site, p->base.site)) &&
         !sw_site_valid(c->base.site)))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad base version", i);
    if (c->vtype != SW_V_NULL && c->vtype != SW_V_INT &&
        !(c->vtype == SW_V_TEXT && c->text))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad value type %d", i,
                       c->vtype);
    /* a seen list only on a tombstone, and well-formed for its table */
    if (c->seen &&
        (c->col != sw_col_deleted(&sw_tables[c->tbl]) || c->vtype != SW_V_INT ||
         c->ival != 1 || !sw_seen_valid(&sw_tables[c->tbl], c->seen)))
        return sw_fail(err, SW_EDATA, "changes[%zu]: bad seen list", i);
    return 0;
}

int batch_check(const struct sw_batch *b, int push, struct sw_err *err)
{
    int rc;

    if (b->n > 0 && !b->v)
        return sw_fail(err, SW_EDATA, "batch: %zu changes, none there", b->n);
    for (size_t i = 0; i < b->n; i++)
        if ((rc = check_one(&b->v[i], i ? &b->v[i - 1] : NULL, i, err)))
            return rc;
    if (!push) {
        if (b->cursor < 0 || (b->more != 0 && b->more != 1))
            return sw_fail(err, SW_EDATA, "pull: bad cursor %lld or more %d",
                           (long long)b->cursor, b->more);
        if (b->nerase > 0 && !b->erase)
            return sw_fail(err, SW_EDATA, "pull: %zu erases, none there",
                           b->nerase);
        for (size_t i = 0; i < b->nerase; i++)
            if (b->erase[i].tbl < 0 || b->erase[i].tbl >= SW_NTABLES ||
                !sw_uuid_valid(b->erase[i].id))
                return sw_fail(err, SW_EDATA, "erase[%zu]: bad table or id", i);
            else if (b->erase[i].to[0] &&
                     (b->erase[i].tbl != SW_T_CASES ||
                      !sw_code_valid(b->erase[i].to) || b->erase[i].at < 0 ||
                      !sw_utf8_valid(b->erase[i].note)))
                return sw_fail(err, SW_EDATA,
                               "erase[%zu]: bad move (a case, a station, "
                               "a time, a note)",
                               i);
        return 0;
    }
    if (b->nerase > 0)
        return sw_fail(err, SW_EDATA, "push: a push erases nothing");
    if (!sw_site_valid(b->site))
        return sw_fail(err, SW_EDATA, "push: bad site");
    if (b->from < 0 || b->from > b->to || b->to >= SEQ_LIMIT)
        return sw_fail(err, SW_EDATA, "push: bad seq range %lld..%lld",
                       (long long)b->from, (long long)b->to);
    if (b->n == 0) {
        if (b->from != 0 || b->to != 0)
            return sw_fail(err, SW_EDATA,
                           "push: range %lld..%lld but no changes (an "
                           "empty push is 0..0)",
                           (long long)b->from, (long long)b->to);
        return 0;
    }
    if (b->v[0].seq != b->from || b->v[b->n - 1].seq != b->to)
        return sw_fail(err, SW_EDATA,
                       "push: seq range %lld..%lld does not match its changes "
                       "(%lld..%lld)",
                       (long long)b->from, (long long)b->to,
                       (long long)b->v[0].seq, (long long)b->v[b->n - 1].seq);
    for (size_t i = 0; i < b->n; i++) {
        if (i > 0 && b->v[i].seq <= b->v[i - 1].seq)
            return sw_fail(err, SW_EDATA,
                           "changes[%zu]: seq %lld does not follow %lld", i,
                           (long long)b->v[i].seq, (long long)b->v[i - 1].seq);
        if (strcmp(b->v[i].ver.site, b->site) != 0)
            return sw_fail(err, SW_EDATA,
                           "changes[%zu]: a version of site %s in a push "
                           "of site %s",
                           i, b->v[i].ver.site, b->site);
    }
    return 0;
}

/*
** Walk a seen text: for each (version, column) pair call fn; stop at the
** first nonzero return (given back).  -1 for malformed text.
*/
static int seen_walk(const struct sw_table *t, const char *s,
                     int (*fn)(void *, const struct sw_version *, int),
                     void *arg)
{
    while (*s) {
        char tmp[HLC_STR_MAX + SW_SITE_MAX + 2];
        struct sw_version v;
        const char *eq = strchr(s, '='), *end;
        char *at;
        size_t n;

        if (!eq || (size_t)(eq - s) >= sizeof(tmp))
            return -1;
        n = (size_t)(eq - s);
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        at = strchr(tmp, '@');
        if (!at)
            return -1;
        *at = '\0';
        memset(&v, 0, sizeof(v));
        if (hlc_parse(tmp, &v.hlc) || v.hlc <= 0 || !sw_site_valid(at + 1))
            return -1;
        snprintf(v.site, sizeof(v.site), "%s", at + 1);
        s = eq + 1;
        end = s + strcspn(s, ";");
        for (;;) {
            const char *comma = s + strcspn(s, ",;");
            char name[64];
            int col, r;
            if (comma == s || (size_t)(comma - s) >= sizeof(name))
                return -1;
            memcpy(name, s, (size_t)(comma - s));
            name[comma - s] = '\0';
            col = sw_col_index(t, name);
            if (col < 0)
                return -1;
            r = fn(arg, &v, col);
            if (r)
                return r;
            s = comma;
            if (s == end)
                break;
            s++; /* the comma */
        }
        if (*end == ';') {
            if (!end[1])
                return -1; /* a trailing ';' */
            end++;
        }
        s = end;
    }
    return 0;
}

static int seen_once(void *arg, const struct sw_version *v, int col)
{
    uint64_t *cols = arg;
    (void)v;
    if (col >= 64 || (*cols & ((uint64_t)1 << col)))
        return -1;
    *cols |= (uint64_t)1 << col;
    return 0;
}

int sw_seen_valid(const struct sw_table *t, const char *seen)
{
    uint64_t cols = 0;
    return seen && seen_walk(t, seen, seen_once, &cols) == 0;
}

struct seen_find {
    int col;
    const struct sw_version *v;
};

static int seen_match(void *arg, const struct sw_version *v, int col)
{
    struct seen_find *f = arg;
    if (col != f->col)
        return 0;
    return sw_version_cmp(f->v, v) <= 0 ? 1 : 2;
}

int sw_seen_covers(const struct sw_table *t, const char *seen,
                   const struct sw_version *tomb, int col,
                   const struct sw_version *v)
{
    struct seen_find f;

    if (v->hlc == 0)
        return 1; /* never written: nothing to see */
    if (sw_version_cmp(v, tomb) <= 0 &&
        (!seen || strcmp(v->site, tomb->site) == 0))
        return 1;
    if (!seen)
        return 0;
    f.col = col;
    f.v = v;
    return seen_walk(t, seen, seen_match, &f) == 1;
}

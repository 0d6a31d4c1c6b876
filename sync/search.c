/*
** search.c — case search by name, ID number, phone, village, address and
** pinyin initials (see search.h).
*/
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "pinyin.h"
#include "search.h"

#define MAXQ 256     /* bytes of search text kept */
#define MAXCHARS 128 /* characters of a name looked at (names have 100) */

/* ---- pinyin ----------------------------------------------------------------
 */

unsigned pinyin_mask(unsigned cp)
{
    unsigned lo = 0, hi = pinyin_table_len;
    if (cp >= 'a' && cp <= 'z')
        return 1u << (cp - 'a');
    if (cp >= 'A' && cp <= 'Z')
        return 1u << (cp - 'A');
    if (cp >= PINYIN_BMP_START && cp < PINYIN_BMP_END)
        return pinyin_bmp[cp - PINYIN_BMP_START];
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (pinyin_table[mid].cp == cp)
            return pinyin_table[mid].mask;
        if (pinyin_table[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* The code point at *s (advancing *s); invalid bytes are skipped as
** U+FFFD. */
static unsigned next_cp(const char **s)
{
    const unsigned char *p = (const unsigned char *)*s;
    unsigned cp;
    int n;
    if (p[0] < 0x80) {
        *s += 1;
        return p[0];
    }
    if ((p[0] & 0xe0) == 0xc0)
        cp = p[0] & 0x1f, n = 1;
    else if ((p[0] & 0xf0) == 0xe0)
        cp = p[0] & 0x0f, n = 2;
    else if ((p[0] & 0xf8) == 0xf0)
        cp = p[0] & 0x07, n = 3;
    else {
        *s += 1;
        return 0xfffd;
    }
    for (int i = 1; i <= n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            *s += i;
            return 0xfffd;
        }
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    *s += n + 1;
    return cp;
}

const char *pinyin_initials(const char *s, char *buf, unsigned size)
{
    unsigned n = 0;
    if (!size)
        return buf;
    while (s && *s && n + 1 < size) {
        unsigned m = pinyin_mask(next_cp(&s));
        /* the reading Unihan lists first is not known here: the lowest
           letter stands for the character (display only) */
        for (unsigned b = 0; m && b < 26; b++)
            if (m & (1u << b)) {
                buf[n++] = (char)('a' + b);
                break;
            }
    }
    buf[n] = '\0';
    return buf;
}

/* The masks of the characters of name that have initials (others, such
** as the middle dot of 买买提·艾力, are left out). */
static int name_masks(const char *name, unsigned *m, int max)
{
    int n = 0;
    while (*name && n < max) {
        unsigned v = pinyin_mask(next_cp(&name));
        if (v)
            m[n++] = v;
    }
    return n;
}

static int masks_match(const unsigned *m, const char *q, size_t qn)
{
    for (size_t i = 0; i < qn; i++)
        if (!(m[i] & (1u << (q[i] - 'a'))))
            return 0;
    return 1;
}

int search_initials_match(const char *name, const char *q)
{
    unsigned m[MAXCHARS];
    size_t qn = strlen(q);
    int n;
    if (!name || !qn)
        return 0;
    n = name_masks(name, m, MAXCHARS);
    if ((size_t)n < qn)
        return 0;
    if (masks_match(m, q, qn))
        return (size_t)n == qn ? SR_INITIALS : SR_INITIALS_PREFIX;
    for (size_t off = 1; off + qn <= (size_t)n; off++)
        if (masks_match(m + off, q, qn))
            return SR_INITIALS_PART;
    return 0;
}

/* ---- matching --------------------------------------------------------------
 */

const char *search_rank_name(int rank)
{
    static const char *const names[SR__COUNT] = {
        [SR_ID_EXACT] = "id_number",
        [SR_PHONE_EXACT] = "phone",
        [SR_NAME_EXACT] = "name",
        [SR_NAME_PREFIX] = "name_prefix",
        [SR_INITIALS] = "initials",
        [SR_INITIALS_PREFIX] = "initials_prefix",
        [SR_NAME_PART] = "name_part",
        [SR_ID_PART] = "id_number_part",
        [SR_PHONE_PART] = "phone_part",
        [SR_INITIALS_PART] = "initials_part",
        [SR_VILLAGE] = "village",
        [SR_ADDRESS] = "address",
    };
    return rank >= 0 && rank < SR__COUNT ? names[rank] : "";
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

/* strstr without regard to ASCII case (the text is UTF-8: a multi-byte
** character only ever matches itself).  folded: the needle has ASCII
** letters, so case matters; else plain strstr (fast in glibc). */
static const char *ci_find(const char *hay, const char *needle, size_t nn,
                           int folded)
{
    int c0;
    if (!hay)
        return NULL;
    if (!folded)
        return strstr(hay, needle);
    c0 = lower((unsigned char)needle[0]);
    for (; *hay; hay++) {
        size_t i = 1;
        if (lower((unsigned char)*hay) != c0)
            continue;
        while (i < nn && hay[i] &&
               lower((unsigned char)hay[i]) == lower((unsigned char)needle[i]))
            i++;
        if (i == nn)
            return hay;
    }
    return NULL;
}

static int ci_equal(const char *a, const char *b)
{
    if (!a)
        return 0;
    for (; *a && *b; a++, b++)
        if (lower((unsigned char)*a) != lower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* The digits of a phone number, into buf (20 digits at most kept). */
static void digits_of(const char *s, char *buf, size_t size)
{
    size_t n = 0;
    for (; s && *s && n + 1 < size; s++)
        if (isdigit((unsigned char)*s))
            buf[n++] = *s;
    buf[n] = '\0';
}

struct query {
    char text[MAXQ];
    size_t len;
    int digits;       /* only digits */
    int folded;       /* has ASCII letters: compare without case */
    char letters[64]; /* lower-case letters for initials, "" if not all */
};

static int char_count(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

/* The best rank of a case for q, or -1. */
static int rank_case(const struct query *q, const char *name, const char *idn,
                     const char *phone, const char *village,
                     const char *address)
{
    char pd[32];
    int best = -1, r;

    if (idn && ci_equal(idn, q->text))
        return SR_ID_EXACT;
    if (phone) {
        digits_of(phone, pd, sizeof(pd));
        if (strcmp(phone, q->text) == 0 ||
            (q->digits && strcmp(pd, q->text) == 0))
            return SR_PHONE_EXACT;
    }
    if (name) {
        const char *at = ci_find(name, q->text, q->len, q->folded);
        if (at == name)
            return at[q->len] ? SR_NAME_PREFIX : SR_NAME_EXACT;
        if (q->letters[0] && (r = search_initials_match(name, q->letters)) &&
            r != SR_INITIALS_PART)
            return r;
        if (at)
            return SR_NAME_PART;
    }
    if (idn && ci_find(idn, q->text, q->len, q->folded))
        return SR_ID_PART;
    if (phone && (strstr(phone, q->text) || (q->digits && strstr(pd, q->text))))
        return SR_PHONE_PART;
    if (name && q->letters[0] && search_initials_match(name, q->letters))
        return SR_INITIALS_PART;
    if (village && ci_find(village, q->text, q->len, q->folded))
        best = SR_VILLAGE;
    else if (address && ci_find(address, q->text, q->len, q->folded))
        best = SR_ADDRESS;
    return best;
}

struct hit_tmp {
    struct search_hit h;
    int namelen;
};

static int hit_cmp(const void *a, const void *b)
{
    const struct hit_tmp *x = a, *y = b;
    if (x->h.rank != y->h.rank)
        return x->h.rank < y->h.rank ? -1 : 1;
    if (x->namelen != y->namelen)
        return x->namelen < y->namelen ? -1 : 1;
    return x->h.rid < y->h.rid ? -1 : x->h.rid > y->h.rid;
}

int search_cases(sdb *db, const char *text, const char *station, int limit,
                 struct search_hit **hits, int *nhits, int *total,
                 struct sw_err *err)
{
    static const char sql_all[] =
        "SELECT rid, name, id_number, phone, village, address FROM cases "
        "WHERE deleted = 0";
    static const char sql_station[] =
        "SELECT rid, name, id_number, phone, village, address FROM cases "
        "WHERE deleted = 0 AND station = ?1";
    struct query q;
    struct hit_tmp *tmp = NULL;
    size_t n = 0, cap = 0;
    sdb_stmt *st = NULL;
    const char *s, *e;
    int rc;

    *hits = NULL;
    *nhits = 0;
    if (total)
        *total = 0;
    memset(&q, 0, sizeof(q));
    for (s = text ? text : ""; *s == ' ' || *s == '\t'; s++)
        ;
    for (e = s + strlen(s); e > s && (e[-1] == ' ' || e[-1] == '\t'); e--)
        ;
    if (e == s)
        return sw_fail(err, SW_EUSAGE, _("search: empty text"));
    if ((size_t)(e - s) >= sizeof(q.text))
        return sw_fail(err, SW_EUSAGE, _("search: text longer than %d bytes"),
                       (int)sizeof(q.text) - 1);
    q.len = (size_t)(e - s);
    memcpy(q.text, s, q.len);
    q.digits = 1;
    for (size_t i = 0; i < q.len; i++) {
        unsigned char c = (unsigned char)q.text[i];
        if (!isdigit(c))
            q.digits = 0;
        if (isalpha(c))
            q.folded = 1;
    }
    if (q.len < sizeof(q.letters)) {
        size_t i;
        for (i = 0; i < q.len && isalpha((unsigned char)q.text[i]); i++)
            q.letters[i] = (char)tolower((unsigned char)q.text[i]);
        if (i < q.len)
            q.letters[0] = '\0';
        else
            q.letters[i] = '\0';
    }

    rc = db_prepare(db, station ? sql_station : sql_all, &st, err);
    if (rc)
        goto out;
    if (station)
        sdb_bind_text(st, 1, station, -1, SDB_STATIC);
    while ((rc = sdb_step(st)) == SDB_ROW) {
        const char *name = (const char *)sdb_column_text(st, 1);
        int r = rank_case(&q, name, (const char *)sdb_column_text(st, 2),
                          (const char *)sdb_column_text(st, 3),
                          (const char *)sdb_column_text(st, 4),
                          (const char *)sdb_column_text(st, 5));
        if (r < 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            struct hit_tmp *t2 = realloc(tmp, nc * sizeof(*tmp));
            if (!t2) {
                rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
                goto out;
            }
            tmp = t2;
            cap = nc;
        }
        tmp[n].h.rid = sdb_column_int64(st, 0);
        tmp[n].h.rank = r;
        tmp[n].namelen = char_count(name);
        n++;
    }
    if (rc != SDB_DONE) {
        rc = db_fail(err, db, "search");
        goto out;
    }
    rc = 0;
    if (total)
        *total = (int)n;
    if (n == 0)
        goto out;
    qsort(tmp, n, sizeof(*tmp), hit_cmp);
    if (limit > 0 && n > (size_t)limit)
        n = (size_t)limit;
    *hits = malloc(n * sizeof(**hits));
    if (!*hits) {
        rc = sw_fail(err, SW_ESOFTWARE, _("out of memory"));
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        (*hits)[i] = tmp[i].h;
    *nhits = (int)n;
out:
    sdb_finalize(st);
    free(tmp);
    return rc;
}

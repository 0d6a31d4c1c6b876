#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "labels.h"
#include "table.h"

static const char *const genders[] = {"male", "female", "other", NULL};
static const char *const categories[] = {"elderly_alone", "left_behind_child",
                                         "disabled",      "low_income",
                                         "other",         NULL};
static const char *const risks[] = {"low", "medium", "high", NULL};
static const char *const statuses[] = {"open", "closed", NULL};
static const char *const modes[] = {"home", "phone", "office", "online", NULL};
static const char *const needs[] = {
    "health", "income", "housing", "education", "disability", "elderly",
    "child",  "legal",  "mental",  "other",     NULL};
static const char *const ref_statuses[] = {"referred", "accepted", "completed",
                                           "declined", NULL};
static const char *const res_types[] = {
    "government", "medical", "ngo", "community", "legal", "other", NULL};
/* schema 3: 户籍类型 (household registration) */
static const char *const hukou_types[] = {"agricultural", "non_agricultural",
                                          "resident", "other", NULL};

#define REQ SW_COL_REQUIRED
#define LST SW_COL_LIST

static const struct sw_column case_cols[] = {
    {"name", SW_TEXT, CK_NONEMPTY, REQ | LST, 100, NULL, NULL},
    {"gender", SW_TEXT, CK_ENUM, 0, 0, genders, NULL},
    {"birth_date", SW_TEXT, CK_DATE, 0, 0, NULL, NULL},
    {"id_number", SW_TEXT, CK_IDNUM, 0, 0, NULL, NULL},
    {"phone", SW_TEXT, CK_PHONE, 0, 20, NULL, NULL},
    {"village", SW_TEXT, CK_TEXT, LST, 100, NULL, NULL},
    {"address", SW_TEXT, CK_TEXT, 0, 200, NULL, NULL},
    {"category", SW_TEXT, CK_ENUM, REQ | LST, 0, categories, NULL},
    {"risk_level", SW_TEXT, CK_ENUM, REQ | LST, 0, risks, "low"},
    {"status", SW_TEXT, CK_ENUM, REQ | LST, 0, statuses, "open"},
    {"worker", SW_TEXT, CK_TEXT, 0, 50, NULL, NULL},
    {"opened_on", SW_TEXT, CK_DATE, REQ, 0, NULL, "@today"},
    {"closed_on", SW_TEXT, CK_DATE, 0, 0, NULL, NULL},
    {"notes", SW_TEXT, CK_TEXT, 0, 4000, NULL, NULL},
    /* ---- schema 3 (issue 16 item 5): guardian / contact person and
       hukou type; see sw_added[] below ---- */
    {"guardian_name", SW_TEXT, CK_TEXT, 0, 100, NULL, NULL},
    {"guardian_relation", SW_TEXT, CK_TEXT, 0, 50, NULL, NULL},
    {"guardian_phone", SW_TEXT, CK_PHONE, 0, 20, NULL, NULL},
    {"hukou_type", SW_TEXT, CK_ENUM, 0, 0, hukou_types, NULL},
    /* ---- end of schema 3 (issue 16 item 5) ---- */
    {"deleted", SW_INT, CK_BOOL, SW_COL_SYSTEM, 0, NULL, NULL},
};

static const struct sw_column visit_cols[] = {
    {"case_id", SW_TEXT, CK_REF, REQ | LST | SW_COL_FIXED, 0, NULL, NULL},
    {"visited_at", SW_TEXT, CK_DATETIME, REQ | LST, 0, NULL, "@today"},
    {"worker", SW_TEXT, CK_TEXT, LST, 50, NULL, NULL},
    {"mode", SW_TEXT, CK_ENUM, REQ | LST, 0, modes, NULL},
    {"purpose", SW_TEXT, CK_TEXT, 0, 500, NULL, NULL},
    {"findings", SW_TEXT, CK_TEXT, 0, 4000, NULL, NULL},
    {"follow_up", SW_INT, CK_BOOL, 0, 0, NULL, "0"},
    {"next_visit_on", SW_TEXT, CK_DATE, 0, 0, NULL, NULL},
    {"deleted", SW_INT, CK_BOOL, SW_COL_SYSTEM, 0, NULL, NULL},
};

static const struct sw_column service_cols[] = {
    {"case_id", SW_TEXT, CK_REF, REQ | LST | SW_COL_FIXED, 0, NULL, NULL},
    {"service_on", SW_TEXT, CK_DATE, REQ | LST, 0, NULL, "@today"},
    {"service_type", SW_TEXT, CK_NONEMPTY, REQ | LST, 100, NULL, NULL},
    {"provider", SW_TEXT, CK_TEXT, 0, 100, NULL, NULL},
    {"minutes", SW_INT, CK_COUNT, 0, 100000, NULL, NULL},
    {"amount", SW_TEXT, CK_MONEY, 0, 0, NULL, NULL},
    {"outcome", SW_TEXT, CK_TEXT, LST, 500, NULL, NULL},
    {"notes", SW_TEXT, CK_TEXT, 0, 4000, NULL, NULL},
    {"deleted", SW_INT, CK_BOOL, SW_COL_SYSTEM, 0, NULL, NULL},
};

/* schema 3: a referral of a case to a resource, followed up until it
   is completed or declined (docs/design-notes.md, "Referrals") */
static const struct sw_column referral_cols[] = {
    {"case_id", SW_TEXT, CK_REF, REQ | LST | SW_COL_FIXED, 0, NULL, NULL},
    {"need", SW_TEXT, CK_ENUM, REQ | LST, 0, needs, NULL},
    {"resource_id", SW_TEXT, CK_REF, 0, 0, NULL, NULL},
    {"resource_text", SW_TEXT, CK_TEXT, LST, 200, NULL, NULL},
    {"referred_by", SW_TEXT, CK_TEXT, 0, 50, NULL, NULL},
    {"referred_on", SW_TEXT, CK_DATE, REQ | LST, 0, NULL, "@today"},
    {"status", SW_TEXT, CK_ENUM, REQ | LST, 0, ref_statuses, "referred"},
    {"follow_up_on", SW_TEXT, CK_DATE, LST, 0, NULL, NULL},
    {"outcome", SW_TEXT, CK_TEXT, 0, 500, NULL, NULL},
    {"closed_on", SW_TEXT, CK_DATE, 0, 0, NULL, NULL},
    {"notes", SW_TEXT, CK_TEXT, 0, 4000, NULL, NULL},
    {"deleted", SW_INT, CK_BOOL, SW_COL_SYSTEM, 0, NULL, NULL},
};

/* schema 3: the county's resource directory, the first county-owned
   table */
static const struct sw_column resource_cols[] = {
    {"name", SW_TEXT, CK_NONEMPTY, REQ | LST, 100, NULL, NULL},
    {"type", SW_TEXT, CK_ENUM, REQ | LST, 0, res_types, NULL},
    {"contact", SW_TEXT, CK_TEXT, LST, 200, NULL, NULL},
    {"areas", SW_TEXT, CK_TEXT, LST, 500, NULL, NULL},
    {"notes", SW_TEXT, CK_TEXT, 0, 4000, NULL, NULL},
    {"deleted", SW_INT, CK_BOOL, SW_COL_SYSTEM, 0, NULL, NULL},
};

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

const struct sw_table sw_tables[SW_NTABLES] = {
    {"cases", "case", case_cols, NCOLS(case_cols), -1, 1, SW_OWN_STATION},
    {"visits", "visit", visit_cols, NCOLS(visit_cols), 0, 1, SW_OWN_STATION},
    {"services", "service", service_cols, NCOLS(service_cols), 0, 1,
     SW_OWN_STATION},
    {"referrals", "referral", referral_cols, NCOLS(referral_cols), 0, 3,
     SW_OWN_STATION},
    {"resources", "resource", resource_cols, NCOLS(resource_cols), -1, 3,
     SW_OWN_COUNTY},
};

int sw_ntables_at(int schema)
{
    int n = 0;
    while (n < SW_NTABLES && sw_tables[n].since <= schema)
        n++;
    return n;
}

int sw_county_owned(const struct sw_table *t)
{
    return t && t->owner == SW_OWN_COUNTY;
}

const struct sw_table *sw_table_by_name(const char *name)
{
    for (int i = 0; i < SW_NTABLES; i++)
        if (name && strcmp(sw_tables[i].name, name) == 0)
            return &sw_tables[i];
    return NULL;
}

const struct sw_table *sw_table_by_noun(const char *noun)
{
    for (int i = 0; i < SW_NTABLES; i++)
        if (noun && strcmp(sw_tables[i].noun, noun) == 0)
            return &sw_tables[i];
    return NULL;
}

int sw_table_index(const struct sw_table *t)
{
    return (int)(t - sw_tables);
}

int sw_col_index(const struct sw_table *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (name && strcmp(t->cols[i].name, name) == 0)
            return i;
    return -1;
}

int sw_col_deleted(const struct sw_table *t)
{
    return t->ncols - 1;
}

/*
** The columns added after schema 2 to tables that are older, with the
** schema version that added them (docs/design-notes.md, "Upgrades
** without a flag day").  A table added later has its own `since`.
*/
static const struct {
    const char *table, *col;
    int since;
} sw_added[] = {
    /* ---- schema 3 (issue 16 item 5) ---- */
    {"cases", "guardian_name", 3},
    {"cases", "guardian_relation", 3},
    {"cases", "guardian_phone", 3},
    {"cases", "hukou_type", 3},
    /* ---- end of schema 3 (issue 16 item 5) ---- */
};

/* A table's own `since` (the description); the first tables count as
** schema 2's, the oldest a county serves. */
int sw_table_since(const struct sw_table *t)
{
    return t->since > 2 ? t->since : 2;
}

int sw_col_since(const struct sw_table *t, int col)
{
    int since = sw_table_since(t);
    if (col < 0 || col >= t->ncols)
        return since;
    for (size_t i = 0; i < sizeof(sw_added) / sizeof(sw_added[0]); i++)
        if (sw_added[i].col && strcmp(sw_added[i].table, t->name) == 0 &&
            strcmp(sw_added[i].col, t->cols[col].name) == 0)
            return sw_added[i].since > since ? sw_added[i].since : since;
    return since;
}

/* Schema 2's index of the tombstone column (schema 2 had no others). */
int sw_col_deleted_v2(const struct sw_table *t)
{
    int n = 0;
    if (sw_table_since(t) > 2)
        return -1;
    for (int i = 0; i < t->ncols; i++)
        if (i != sw_col_deleted(t) && sw_col_since(t, i) <= 2)
            n++;
    return n;
}

/* Number of UTF-8 characters (code points) in s. */
static int utf8_chars(const char *s)
{
    int n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* A real date in YYYY-MM-DD form, years 0001..9999 (first 10 chars). */
static int date_ok(const char *s)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, d;
    if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) ||
        s[7] != '-' || !all_digits(s + 8, 2))
        return 0;
    y = atoi(s);
    m = (s[5] - '0') * 10 + (s[6] - '0');
    d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= mdays[m - 1] + (m == 2 && leap(y));
}

static int time_ok(const char *s, size_t n)
{
    /* HH:MM or HH:MM:SS */
    if (n != 5 && n != 8)
        return 0;
    if (!all_digits(s, 2) || s[2] != ':' || !all_digits(s + 3, 2))
        return 0;
    if ((s[0] - '0') * 10 + (s[1] - '0') > 23 || s[3] > '5')
        return 0;
    if (n == 8 && (s[5] != ':' || !all_digits(s + 6, 2) || s[6] > '5'))
        return 0;
    return 1;
}

char sw_idnum_check_char(const char *s)
{
    static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                              3, 7, 9,  10, 5, 8, 4, 2};
    static const char map[] = "10X98765432";
    int sum = 0;
    if (strlen(s) < 17 || !all_digits(s, 17))
        return 0;
    for (int i = 0; i < 17; i++)
        sum += (s[i] - '0') * w[i];
    return map[sum % 11];
}

static int money_ok(const char *s)
{
    const char *dot = strchr(s, '.');
    size_t ip = dot ? (size_t)(dot - s) : strlen(s);
    if (ip < 1 || ip > 10 || !all_digits(s, ip))
        return 0;
    if (dot) {
        size_t fp = strlen(dot + 1);
        if (fp < 1 || fp > 2 || !all_digits(dot + 1, fp))
            return 0;
    }
    return 1;
}

static int phone_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 3 || n > 20)
        return 0;
    if (!(s[0] == '+' || isdigit((unsigned char)s[0])))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isdigit((unsigned char)s[i]) || s[i] == '-' || s[i] == ' '))
            return 0;
    return 1;
}

/* Decimal integer text, optionally negative, no leading '+', no spaces. */
static int int_text(const char *s, long long *out)
{
    char *end;
    long long v;
    if (!*s || (!isdigit((unsigned char)s[0]) && s[0] != '-'))
        return 0;
    v = strtoll(s, &end, 10);
    if (*end)
        return 0;
    *out = v;
    return 1;
}

/* n digits at s as a number, or -1. */
static int num(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* YYYY/M/D or YYYY-MM-DD at v into out[11]; returns the characters used,
** or 0. */
static int norm_date(const char *v, char out[11])
{
    int y = num(v, 4), m, d, k = 5, n;
    if (y < 0)
        return 0;
    if (v[4] == '-') {
        if (num(v + 5, 2) < 0 || v[7] != '-' || num(v + 8, 2) < 0)
            return 0;
        memcpy(out, v, 10);
        out[10] = '\0';
        return 10;
    }
    if (v[4] != '/')
        return 0;
    /* YYYY/M/D, YYYY/MM/DD */
    n = isdigit((unsigned char)v[k]) && isdigit((unsigned char)v[k + 1]) ? 2
                                                                         : 1;
    if ((m = num(v + k, n)) < 0 || v[k + n] != '/')
        return 0;
    k += n + 1;
    n = isdigit((unsigned char)v[k]) && isdigit((unsigned char)v[k + 1]) ? 2
                                                                         : 1;
    if ((d = num(v + k, n)) < 0)
        return 0;
    if (m > 99 || d > 99)
        return 0;
    out[0] = v[0], out[1] = v[1], out[2] = v[2], out[3] = v[3];
    out[4] = '-';
    out[5] = (char)('0' + m / 10), out[6] = (char)('0' + m % 10);
    out[7] = '-';
    out[8] = (char)('0' + d / 10), out[9] = (char)('0' + d % 10);
    out[10] = '\0';
    return k + n;
}

const char *sw_normalize(const struct sw_column *c, const char *v,
                         char buf[SW_NORM_MAX])
{
    char date[11];
    int k, hh, mm, ss = 0, off = 0;
    const char *p;

    if (!v || (c->check != CK_DATE && c->check != CK_DATETIME))
        return v;
    k = norm_date(v, date);
    if (!k)
        return v;
    if (c->check == CK_DATE) {
        if (v[k] || v[4] != '/')
            return v;
        memcpy(buf, date, 11);
        return buf;
    }
    if (!v[k]) {
        if (v[4] != '/')
            return v;
        memcpy(buf, date, 11);
        return buf;
    }
    if (v[k] != 'T' && v[k] != ' ' && v[k] != 't')
        return v;
    p = v + k + 1;
    /* H:MM or HH:MM, optional :SS and fraction */
    if (isdigit((unsigned char)p[0]) && p[1] == ':')
        hh = num(p, 1), p += 2;
    else if ((hh = num(p, 2)) >= 0 && p[2] == ':')
        p += 3;
    else
        return v;
    if ((mm = num(p, 2)) < 0)
        return v;
    p += 2;
    if (*p == ':') {
        if ((ss = num(p + 1, 2)) < 0)
            return v;
        p += 3;
        if (*p == '.' || *p == ',') {
            p++;
            if (!isdigit((unsigned char)*p))
                return v;
            while (isdigit((unsigned char)*p))
                p++;
        }
    }
    if (hh > 23 || mm > 59 || ss > 59)
        return v;
    if (*p == '\0') {
        /* no offset: already local time; only the form changes */
        if (v[k] == 'T' && v[4] == '-' && !strchr(v, '.') && !strchr(v, ','))
            return v;
        snprintf(buf, SW_NORM_MAX, "%sT%02d:%02d:%02d", date, hh, mm, ss);
        return buf;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh = num(p + 1, 2), om;
        if (oh < 0 || p[3] != ':' || (om = num(p + 4, 2)) < 0 || oh > 23 ||
            om > 59)
            return v;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return v;
    }
    if (*p || !date_ok(date))
        return v;
    {
        struct tm tm;
        time_t at;
        memset(&tm, 0, sizeof(tm));
        tm.tm_year = num(date, 4) - 1900;
        tm.tm_mon = num(date + 5, 2) - 1;
        tm.tm_mday = num(date + 8, 2);
        tm.tm_hour = hh;
        tm.tm_min = mm;
        tm.tm_sec = ss;
        at = timegm(&tm) - (time_t)off * 60;
        if (!localtime_r(&at, &tm))
            return v;
        if (tm.tm_year + 1900 < 1 || tm.tm_year + 1900 > 9999)
            return v;
        snprintf(buf, SW_NORM_MAX, "%04d-%02d-%02dT%02d:%02d:%02d",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec);
    }
    return buf;
}

int sw_validate(const struct sw_table *t, const struct sw_column *c,
                const char *v, struct sw_err *err)
{
    /* the field's name for a message, made only for one (a pull checks
       every value it applies: this is a hot path) */
    char fq[160]; /* cases.birth_date, or cases.birth_date（出生日期） */
#define FIELD_NAME() labels_qualified(fq, sizeof(fq), t, c)
    long long n;

    if (v == NULL) {
        /* the tombstone is never unknown: 0 or 1 */
        if (c->flags & (SW_COL_REQUIRED | SW_COL_SYSTEM))
            return sw_fail(err, SW_EDATA, _("%s: is required"), FIELD_NAME());
        return 0;
    }
    if (!sw_utf8_valid(v))
        return sw_fail(err, SW_EDATA, _("%s: not valid UTF-8"), FIELD_NAME());

    switch (c->check) {
    case CK_NONEMPTY:
        if (!*v)
            return sw_fail(err, SW_EDATA, _("%s: must not be empty"),
                           FIELD_NAME());
        /* fall through */
    case CK_TEXT:
        if (utf8_chars(v) > c->maxlen)
            return sw_fail(err, SW_EDATA, _("%s: longer than %d characters"),
                           FIELD_NAME(), c->maxlen);
        return 0;
    case CK_ENUM:
        for (const char *const *a = c->allowed; *a; a++)
            if (strcmp(*a, v) == 0)
                return 0;
        {
            char list[512] = "";
            for (const char *const *a = c->allowed; *a; a++) {
                const char *l = labels_choice(c, *a, SW_LANG_ZH);
                size_t used = strlen(list);
                snprintf(list + used, sizeof(list) - used, "%s%s",
                         used ? ", " : "", *a);
                used = strlen(list);
                if (labels_lang() == SW_LANG_ZH && strcmp(l, *a) != 0)
                    snprintf(list + used, sizeof(list) - used, "（%s）", l);
            }
            return sw_fail(err, SW_EDATA, _("%s: '%.64s' is not one of %s"),
                           FIELD_NAME(), v, list);
        }
    case CK_DATE:
        if (strlen(v) != 10 || !date_ok(v))
            return sw_fail(err, SW_EDATA,
                           _("%s: not a valid date (YYYY-MM-DD): '%.64s'"),
                           FIELD_NAME(), v);
        return 0;
    case CK_DATETIME: {
        size_t len = strlen(v);
        if (len >= 10 && date_ok(v) &&
            (len == 10 || (v[10] == 'T' && time_ok(v + 11, len - 11))))
            return 0;
        return sw_fail(err, SW_EDATA,
                       _("%s: not a valid date-time "
                         "(YYYY-MM-DD[THH:MM[:SS]], or RFC 3339 with an "
                         "offset): '%.64s'"),
                       FIELD_NAME(), v);
    }
    case CK_IDNUM: {
        char want;
        if (strlen(v) != 18 || !all_digits(v, 17) ||
            !(isdigit((unsigned char)v[17]) || v[17] == 'X'))
            return sw_fail(err, SW_EDATA,
                           _("%s: must be 17 digits and a check digit "
                             "(0-9 or X): '%.64s'"),
                           FIELD_NAME(), v);
        want = sw_idnum_check_char(v);
        if (v[17] != want)
            return sw_fail(err, SW_EDATA,
                           _("%s: check digit is wrong (GB 11643): "
                             "'%s' should end in %c"),
                           FIELD_NAME(), v, want);
        return 0;
    }
    case CK_PHONE:
        if (!phone_ok(v))
            return sw_fail(err, SW_EDATA,
                           _("%s: not a phone number (3-20 of digits, "
                             "'+', '-', space): '%.64s'"),
                           FIELD_NAME(), v);
        return 0;
    case CK_BOOL:
        if (strcmp(v, "0") && strcmp(v, "1"))
            return sw_fail(err, SW_EDATA, _("%s: must be 0 or 1: '%.64s'"),
                           FIELD_NAME(), v);
        return 0;
    case CK_COUNT:
        if (!int_text(v, &n) || n < 0 || n > c->maxlen)
            return sw_fail(err, SW_EDATA,
                           _("%s: must be a whole number from 0 to %d: "
                             "'%.64s'"),
                           FIELD_NAME(), c->maxlen, v);
        return 0;
    case CK_MONEY:
        if (!money_ok(v))
            return sw_fail(err, SW_EDATA,
                           _("%s: not an amount (digits, up to 2 "
                             "decimals, e.g. 150.50): '%.64s'"),
                           FIELD_NAME(), v);
        return 0;
    case CK_REF:
        if (!sw_uuid_valid(v))
            return sw_fail(err, SW_EDATA, _("%s: not a record id: '%.64s'"),
                           FIELD_NAME(), v);
        return 0;
    }
    return sw_fail(err, SW_ESOFTWARE, _("%s: unknown check"), FIELD_NAME());
#undef FIELD_NAME
}

/* ---- SQL CHECK expressions (same rules, in built-in SQL) ----
** date(x) alone returns 2023-02-29 unchanged; with a modifier SQLite
** normalises it (to 2023-03-01), so comparing catches impossible days. */

static const char SQL_DATE[] =
    "(length(%1$s)=10 AND %1$s GLOB "
    "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
    "AND %1$s>='0001-01-01' AND date(%1$s,'+0 days') IS %1$s)";

int sw_col_sql_required(const struct sw_column *c)
{
    return (c->flags & SW_COL_REQUIRED) && !(c->flags & SW_COL_SYSTEM) &&
           !c->dflt;
}

void sw_sql_check(struct sw_buf *sb, const struct sw_column *c)
{
    const char *n = c->name;

    /* a required field without a default is required of every writer
       (the merge, which checks in C, aside): another program cannot leave
       it out.  One with a default is filled by the station's _fill
       trigger, as `add` fills it (sync/ddl.c). */
    if (sw_col_sql_required(c))
        sb_addf(sb, "CHECK (%s IS NOT NULL AND (", n);
    else
        sb_addf(sb, "CHECK (%s IS NULL OR (", n);
    if (c->type == SW_TEXT)
        sb_addf(sb, "typeof(%s)='text' AND ", n);
    else
        sb_addf(sb, "typeof(%s)='integer' AND ", n);

    switch (c->check) {
    case CK_NONEMPTY:
        sb_addf(sb, "length(%s)>0 AND ", n);
        /* fall through */
    case CK_TEXT:
        sb_addf(sb, "length(%s)<=%d", n, c->maxlen);
        break;
    case CK_ENUM:
        sb_addf(sb, "%s IN (", n);
        for (const char *const *a = c->allowed; *a; a++)
            sb_addf(sb, "%s'%s'", a == c->allowed ? "" : ",", *a);
        sb_adds(sb, ")");
        break;
    case CK_DATE:
        sb_addf(sb, SQL_DATE, n);
        break;
    case CK_DATETIME:
        /* the date part must be a real date; the rest HH:MM[:SS] */
        sb_addf(sb,
                "length(%1$s) IN (10,16,19) AND "
                "substr(%1$s,1,10) GLOB "
                "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' AND "
                "substr(%1$s,1,10)>='0001-01-01' AND "
                "date(substr(%1$s,1,10),'+0 days') IS substr(%1$s,1,10) AND "
                "(length(%1$s)=10 OR (substr(%1$s,11,6) GLOB "
                "'T[0-2][0-9]:[0-5][0-9]' AND substr(%1$s,12,2)<='23' AND "
                "(length(%1$s)=16 OR substr(%1$s,17,3) GLOB ':[0-5][0-9]')))",
                n);
        break;
    case CK_IDNUM: {
        static const int w[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                  3, 7, 9,  10, 5, 8, 4, 2};
        sb_addf(sb,
                "length(%1$s)=18 AND substr(%1$s,1,17) NOT GLOB '*[^0-9]*' "
                "AND substr('10X98765432',((",
                n);
        for (int i = 0; i < 17; i++)
            sb_addf(sb, "%s%d*substr(%s,%d,1)", i ? "+" : "", w[i], n, i + 1);
        sb_addf(sb, ")%%11)+1,1)=substr(%s,18,1)", n);
        break;
    }
    case CK_PHONE:
        sb_addf(sb,
                "length(%1$s) BETWEEN 3 AND 20 AND %1$s GLOB '[0-9+]*' AND "
                "substr(%1$s,2) NOT GLOB '*[^0-9 -]*'",
                n);
        break;
    case CK_BOOL:
        sb_addf(sb, "%s IN (0,1)", n);
        break;
    case CK_COUNT:
        sb_addf(sb, "%s BETWEEN 0 AND %d", n, c->maxlen);
        break;
    case CK_MONEY:
        sb_addf(sb,
                "%1$s GLOB '[0-9]*' AND %1$s NOT GLOB '*[^0-9.]*' AND ("
                "(instr(%1$s,'.')=0 AND length(%1$s)<=10) OR "
                "(instr(%1$s,'.') BETWEEN 2 AND 11 AND "
                "length(%1$s)-instr(%1$s,'.') BETWEEN 1 AND 2 AND "
                "instr(substr(%1$s,instr(%1$s,'.')+1),'.')=0))",
                n);
        break;
    case CK_REF:
        sb_addf(sb, "%s GLOB '", n);
        for (int i = 0; i < SW_UUID_LEN; i++)
            sb_adds(sb, (i == 8 || i == 13 || i == 18 || i == 23) ? "-"
                                                                  : "[0-9a-f]");
        sb_adds(sb, "'");
        break;
    }
    sb_adds(sb, "))");
}

#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

static const char *const genders[] = {"male", "female", "other", NULL};
static const char *const categories[] = {"elderly_alone", "left_behind_child",
                                         "disabled",      "low_income",
                                         "other",         NULL};
static const char *const risks[] = {"low", "medium", "high", NULL};
static const char *const statuses[] = {"open", "closed", NULL};
static const char *const modes[] = {"home", "phone", "office", "online", NULL};

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

#define NCOLS(a) ((int)(sizeof(a) / sizeof((a)[0])))

const struct sw_table sw_tables[SW_NTABLES] = {
    {"cases", "case", case_cols, NCOLS(case_cols), -1},
    {"visits", "visit", visit_cols, NCOLS(visit_cols), 0},
    {"services", "service", service_cols, NCOLS(service_cols), 0},
};

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

int sw_validate(const struct sw_table *t, const struct sw_column *c,
                const char *v, struct sw_err *err)
{
    const char *tn = t->name, *cn = c->name;
    long long n;

    if (v == NULL) {
        /* the tombstone is never unknown: 0 or 1 */
        if (c->flags & (SW_COL_REQUIRED | SW_COL_SYSTEM))
            return sw_fail(err, SW_EDATA, "%s.%s: is required", tn, cn);
        return 0;
    }
    if (!sw_utf8_valid(v))
        return sw_fail(err, SW_EDATA, "%s.%s: not valid UTF-8", tn, cn);

    switch (c->check) {
    case CK_NONEMPTY:
        if (!*v)
            return sw_fail(err, SW_EDATA, "%s.%s: must not be empty", tn, cn);
        /* fall through */
    case CK_TEXT:
        if (utf8_chars(v) > c->maxlen)
            return sw_fail(err, SW_EDATA, "%s.%s: longer than %d characters",
                           tn, cn, c->maxlen);
        return 0;
    case CK_ENUM:
        for (const char *const *a = c->allowed; *a; a++)
            if (strcmp(*a, v) == 0)
                return 0;
        {
            char list[256] = "";
            for (const char *const *a = c->allowed; *a; a++) {
                if (list[0])
                    strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                strncat(list, *a, sizeof(list) - strlen(list) - 1);
            }
            return sw_fail(err, SW_EDATA, "%s.%s: '%.64s' is not one of %s", tn,
                           cn, v, list);
        }
    case CK_DATE:
        if (strlen(v) != 10 || !date_ok(v))
            return sw_fail(err, SW_EDATA,
                           "%s.%s: not a valid date (YYYY-MM-DD): '%.64s'", tn,
                           cn, v);
        return 0;
    case CK_DATETIME: {
        size_t len = strlen(v);
        if (len >= 10 && date_ok(v) &&
            (len == 10 || (v[10] == 'T' && time_ok(v + 11, len - 11))))
            return 0;
        return sw_fail(err, SW_EDATA,
                       "%s.%s: not a valid date-time "
                       "(YYYY-MM-DD[THH:MM[:SS]]): '%.64s'",
                       tn, cn, v);
    }
    case CK_IDNUM: {
        char want;
        if (strlen(v) != 18 || !all_digits(v, 17) ||
            !(isdigit((unsigned char)v[17]) || v[17] == 'X'))
            return sw_fail(err, SW_EDATA,
                           "%s.%s: must be 17 digits and a check digit "
                           "(0-9 or X): '%.64s'",
                           tn, cn, v);
        want = sw_idnum_check_char(v);
        if (v[17] != want)
            return sw_fail(err, SW_EDATA,
                           "%s.%s: check digit is wrong (GB 11643): "
                           "'%s' should end in %c",
                           tn, cn, v, want);
        return 0;
    }
    case CK_PHONE:
        if (!phone_ok(v))
            return sw_fail(err, SW_EDATA,
                           "%s.%s: not a phone number (3-20 of digits, "
                           "'+', '-', space): '%.64s'",
                           tn, cn, v);
        return 0;
    case CK_BOOL:
        if (strcmp(v, "0") && strcmp(v, "1"))
            return sw_fail(err, SW_EDATA, "%s.%s: must be 0 or 1: '%.64s'", tn,
                           cn, v);
        return 0;
    case CK_COUNT:
        if (!int_text(v, &n) || n < 0 || n > c->maxlen)
            return sw_fail(err, SW_EDATA,
                           "%s.%s: must be a whole number from 0 to %d: "
                           "'%.64s'",
                           tn, cn, c->maxlen, v);
        return 0;
    case CK_MONEY:
        if (!money_ok(v))
            return sw_fail(err, SW_EDATA,
                           "%s.%s: not an amount (digits, up to 2 "
                           "decimals, e.g. 150.50): '%.64s'",
                           tn, cn, v);
        return 0;
    case CK_REF:
        if (!sw_uuid_valid(v))
            return sw_fail(err, SW_EDATA, "%s.%s: not a record id: '%.64s'", tn,
                           cn, v);
        return 0;
    }
    return sw_fail(err, SW_ESOFTWARE, "%s.%s: unknown check", tn, cn);
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

/*
** i18n.c — the admin console's texts (see i18n.h).
*/
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "html.h"
#include "i18n.h"
#include "labels.h"

static const char *const texts[M__COUNT][2] = {
#define I18N_TEXT(id, zh, en) [id] = {zh, en},
    I18N_MESSAGES(I18N_TEXT)
#undef I18N_TEXT
};

const char *tr(enum i18n_lang lang, enum i18n_msg m)
{
    if ((int)m < 0 || m >= M__COUNT)
        return "";
    return texts[m][lang == LANG_EN ? 1 : 0];
}

void i18n_fmt(struct sw_buf *b, enum i18n_lang lang, enum i18n_msg m,
              const char *arg)
{
    const char *t = tr(lang, m), *p = strstr(t, "%s");
    struct sw_buf tmp;
    if (!p) {
        html_esc(b, t);
        return;
    }
    sb_init(&tmp);
    sb_add(&tmp, t, (size_t)(p - t));
    html_esc(b, tmp.buf ? tmp.buf : "");
    sb_release(&tmp);
    html_esc(b, arg);
    html_esc(b, p + 2);
}

/* ---- fields, tables, values ---------------------------------------------- */

/* Field and value labels live in the one table of labels (labels.c). */

const char *i18n_field(enum i18n_lang lang, const struct sw_table *t,
                       const char *col)
{
    return labels_field_name(t, col, lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH);
}

const char *i18n_table(enum i18n_lang lang, const char *table)
{
    if (strcmp(table, "cases") == 0)
        return tr(lang, M_TABLE_CASES);
    if (strcmp(table, "visits") == 0)
        return tr(lang, M_TABLE_VISITS);
    if (strcmp(table, "services") == 0)
        return tr(lang, M_TABLE_SERVICES);
    if (strcmp(table, "referrals") == 0)
        return tr(lang, M_TABLE_REFERRALS);
    if (strcmp(table, "resources") == 0)
        return tr(lang, M_TABLE_RESOURCES);
    return table;
}

const char *i18n_value(enum i18n_lang lang, const char *col, const char *value)
{
    return labels_choice_by_name(col, value,
                                 lang == LANG_EN ? SW_LANG_EN : SW_LANG_ZH);
}

const char *i18n_action(enum i18n_lang lang, const char *action)
{
    static const struct {
        const char *word;
        enum i18n_msg m;
    } acts[] = {
        {"login", M_ACT_LOGIN},
        {"login_failed", M_ACT_LOGIN_FAILED},
        {"logout", M_ACT_LOGOUT},
        {"station_add", M_ACT_STATION_ADD},
        {"token_new", M_ACT_TOKEN_NEW},
        {"revoke", M_ACT_REVOKE},
        {"resolve", M_ACT_RESOLVE},
        {"record_set", M_ACT_RECORD_SET},
        {"admin_add", M_ACT_ADMIN_ADD},
        {"admin_remove", M_ACT_ADMIN_REMOVE},
        {"view", M_ACT_VIEW},
        {"reveal", M_ACT_REVEAL},
        {"search", M_ACT_SEARCH},
        {"purge", M_ACT_PURGE},
        {"export", M_ACT_EXPORT},
        {"report", M_ACT_REPORT},
        {"transfer", M_ACT_TRANSFER},
        {"transfer_decline", M_ACT_TRANSFER_DECLINE},
    };
    for (size_t i = 0; action && i < sizeof(acts) / sizeof(acts[0]); i++)
        if (strcmp(acts[i].word, action) == 0)
            return tr(lang, acts[i].m);
    return action ? action : "";
}

void i18n_check(struct sw_buf *b, enum i18n_lang lang,
                const struct sw_column *c)
{
    char num[32];
    struct sw_buf list;

    snprintf(num, sizeof(num), "%d", c->maxlen);
    switch (c->check) {
    case CK_TEXT:
        i18n_fmt(b, lang, M_CK_TEXT, num);
        break;
    case CK_NONEMPTY:
        i18n_fmt(b, lang, M_CK_NONEMPTY, num);
        break;
    case CK_ENUM:
        sb_init(&list);
        for (int i = 0; c->allowed && c->allowed[i]; i++) {
            const char *l = i18n_value(lang, c->name, c->allowed[i]);
            sb_addf(&list, "%s%s", i ? ", " : "", c->allowed[i]);
            if (l && strcmp(l, c->allowed[i]) != 0)
                sb_addf(&list, " (%s)", l);
        }
        i18n_fmt(b, lang, M_CK_ENUM, list.buf ? list.buf : "");
        sb_release(&list);
        break;
    case CK_DATE:
        i18n_fmt(b, lang, M_CK_DATE, NULL);
        break;
    case CK_DATETIME:
        i18n_fmt(b, lang, M_CK_DATETIME, NULL);
        break;
    case CK_IDNUM:
        i18n_fmt(b, lang, M_CK_IDNUM, NULL);
        break;
    case CK_PHONE:
        i18n_fmt(b, lang, M_CK_PHONE, NULL);
        break;
    case CK_BOOL:
        i18n_fmt(b, lang, M_CK_BOOL, NULL);
        break;
    case CK_COUNT:
        i18n_fmt(b, lang, M_CK_COUNT, num);
        break;
    case CK_MONEY:
        i18n_fmt(b, lang, M_CK_MONEY, NULL);
        break;
    case CK_REF:
        i18n_fmt(b, lang, M_CK_REF, NULL);
        break;
    }
    if (c->flags & SW_COL_REQUIRED) {
        sb_adds(b, lang == LANG_EN ? "; " : "；");
        html_esc(b, tr(lang, M_REQUIRED));
    }
}

/*
** labels.c — Chinese and English labels of tables, fields and choice
** values (see labels.h).
*/
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"

struct field_label {
    const char *table; /* NULL: any table */
    const char *col, *zh, *en;
};

/* Every field of sw_tables[] has a label here (test-labels checks it). */
static const struct field_label fields[] = {
    {NULL, "id", "编号", "Id"},
    {NULL, "station", "站点", "Station"},
    {"cases", "name", "姓名", "Name"},
    {"cases", "gender", "性别", "Gender"},
    {"cases", "birth_date", "出生日期", "Date of birth"},
    {"cases", "id_number", "身份证号", "ID number"},
    {"cases", "phone", "电话", "Phone"},
    {"cases", "village", "村（社区）", "Village"},
    {"cases", "address", "住址", "Address"},
    {"cases", "category", "类别", "Category"},
    {"cases", "risk_level", "风险等级", "Risk level"},
    {"cases", "status", "状态", "Status"},
    {"cases", "worker", "负责社工", "Worker"},
    {"cases", "opened_on", "立案日期", "Opened on"},
    {"cases", "closed_on", "结案日期", "Closed on"},
    {"cases", "notes", "备注", "Notes"},
    /* schema 3 (issue 16 item 5) */
    {"cases", "guardian_name", "监护人/联系人", "Guardian / contact"},
    {"cases", "guardian_relation", "与本人关系", "Guardian's relation"},
    {"cases", "guardian_phone", "监护人电话", "Guardian's phone"},
    {"cases", "hukou_type", "户籍类型", "Hukou type"},
    {NULL, "deleted", "已删除", "Deleted"},
    {NULL, "case_id", "所属个案", "Case"},
    {"visits", "visited_at", "走访时间", "Visited at"},
    {"visits", "worker", "社工", "Worker"},
    {"visits", "mode", "方式", "Mode"},
    {"visits", "purpose", "目的", "Purpose"},
    {"visits", "findings", "情况记录", "Findings"},
    {"visits", "follow_up", "需跟进", "Follow-up"},
    {"visits", "next_visit_on", "下次走访", "Next visit on"},
    {"services", "service_on", "服务日期", "Service date"},
    {"services", "service_type", "服务类型", "Service type"},
    {"services", "provider", "提供方", "Provider"},
    {"services", "minutes", "时长（分钟）", "Minutes"},
    {"services", "amount", "金额", "Amount"},
    {"services", "outcome", "结果", "Outcome"},
    {"services", "notes", "备注", "Notes"},
    {"referrals", "need", "需求类别", "Need"},
    {"referrals", "resource_id", "转介资源", "Resource"},
    {"referrals", "resource_text", "资源（目录外）", "Resource (other)"},
    {"referrals", "referred_by", "转介人", "Referred by"},
    {"referrals", "referred_on", "转介日期", "Referred on"},
    {"referrals", "status", "转介状态", "Status"},
    {"referrals", "follow_up_on", "跟进日期", "Follow up on"},
    {"referrals", "outcome", "结果", "Outcome"},
    {"referrals", "closed_on", "办结日期", "Closed on"},
    {"referrals", "notes", "备注", "Notes"},
    {"resources", "name", "资源名称", "Name"},
    {"resources", "type", "资源类型", "Type"},
    {"resources", "contact", "联系方式", "Contact"},
    {"resources", "areas", "服务范围（村/镇）", "Areas served"},
    {"resources", "notes", "备注", "Notes"},
};

/* Every code of every CK_ENUM column (test-labels checks it). */
static const struct {
    const char *col, *code, *zh, *en;
} choices[] = {
    {"gender", "male", "男", "male"},
    {"gender", "female", "女", "female"},
    {"gender", "other", "其他", "other"},
    {"category", "elderly_alone", "独居老人", "elderly, living alone"},
    {"category", "left_behind_child", "留守儿童", "left-behind child"},
    {"category", "disabled", "残疾人", "disabled"},
    {"category", "low_income", "低收入", "low income"},
    {"category", "other", "其他", "other"},
    {"risk_level", "low", "低", "low"},
    {"risk_level", "medium", "中", "medium"},
    {"risk_level", "high", "高", "high"},
    {"status", "open", "在案", "open"},
    {"status", "closed", "已结案", "closed"},
    {"mode", "home", "入户", "home"},
    {"mode", "phone", "电话", "phone"},
    {"mode", "office", "来访", "office"},
    {"mode", "online", "线上", "online"},
    {"need", "health", "医疗健康", "health"},
    {"need", "income", "生活救助", "income support"},
    {"need", "housing", "住房", "housing"},
    {"need", "education", "教育", "education"},
    {"need", "disability", "残疾康复", "disability"},
    {"need", "elderly", "养老照护", "elderly care"},
    {"need", "child", "儿童保护", "child protection"},
    {"need", "legal", "法律援助", "legal aid"},
    {"need", "mental", "心理支持", "mental health"},
    {"need", "other", "其他", "other"},
    {"status", "referred", "已转介", "referred"},
    {"status", "accepted", "已接收", "accepted"},
    {"status", "completed", "已完成", "completed"},
    {"status", "declined", "未成功", "declined"},
    {"type", "government", "政府部门", "government"},
    {"type", "medical", "医疗机构", "medical"},
    {"type", "ngo", "社会组织", "NGO"},
    {"type", "community", "村（社区）", "community"},
    {"type", "legal", "法律服务", "legal"},
    {"type", "other", "其他", "other"},
    /* schema 3 (issue 16 item 5) */
    {"hukou_type", "agricultural", "农业户口", "agricultural"},
    {"hukou_type", "non_agricultural", "非农业户口", "non-agricultural"},
    {"hukou_type", "resident", "居民户口", "resident (unified)"},
    {"hukou_type", "other", "其他", "other"},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char *pick(const char *zh, const char *en, enum sw_lang l)
{
    return l == SW_LANG_EN ? en : zh;
}

const char *labels_table(const struct sw_table *t, enum sw_lang l)
{
    if (!t)
        return "";
    if (strcmp(t->name, "cases") == 0)
        return pick("个案", "cases", l);
    if (strcmp(t->name, "visits") == 0)
        return pick("走访", "visits", l);
    if (strcmp(t->name, "services") == 0)
        return pick("服务记录", "services", l);
    if (strcmp(t->name, "referrals") == 0)
        return pick("转介", "referrals", l);
    if (strcmp(t->name, "resources") == 0)
        return pick("资源目录", "resources", l);
    return t->name;
}

static const struct field_label *field_entry(const struct sw_table *t,
                                             const char *name)
{
    for (size_t i = 0; i < COUNT(fields); i++)
        if ((!fields[i].table ||
             (t && strcmp(fields[i].table, t->name) == 0)) &&
            strcmp(fields[i].col, name) == 0)
            return &fields[i];
    return NULL;
}

const char *labels_field_name(const struct sw_table *t, const char *name,
                              enum sw_lang l)
{
    const struct field_label *f;
    if (!name)
        return "";
    if (t && t->ref_col >= 0 && strcmp(name, "case") == 0)
        name = t->cols[t->ref_col].name;
    f = field_entry(t, name);
    return f ? pick(f->zh, f->en, l) : name;
}

const char *labels_field(const struct sw_table *t, int col, enum sw_lang l)
{
    if (col == -1)
        return labels_field_name(t, "id", l);
    if (col == -2)
        return labels_field_name(t, "station", l);
    if (!t || col < 0 || col >= t->ncols)
        return "";
    return labels_field_name(t, t->cols[col].name, l);
}

int labels_field_col(const struct sw_table *t, const char *text)
{
    int c;
    if (!t || !text)
        return -3;
    if (strcmp(text, "id") == 0)
        return -1;
    if (strcmp(text, "station") == 0)
        return -2;
    if (t->ref_col >= 0 && strcmp(text, "case") == 0)
        return t->ref_col;
    if ((c = sw_col_index(t, text)) >= 0)
        return c;
    for (c = -2; c < t->ncols; c++) {
        const struct field_label *f =
            field_entry(t, c == -2   ? "station"
                           : c == -1 ? "id"
                                     : t->cols[c].name);
        if (f && (strcmp(f->zh, text) == 0 || strcmp(f->en, text) == 0))
            return c;
    }
    return -3;
}

const char *labels_choice_by_name(const char *col, const char *code,
                                  enum sw_lang l)
{
    if (!col || !code)
        return NULL;
    for (size_t i = 0; i < COUNT(choices); i++)
        if (strcmp(choices[i].col, col) == 0 &&
            strcmp(choices[i].code, code) == 0)
            return pick(choices[i].zh, choices[i].en, l);
    return NULL;
}

const char *labels_choice(const struct sw_column *c, const char *code,
                          enum sw_lang l)
{
    const char *s = c ? labels_choice_by_name(c->name, code, l) : NULL;
    return s ? s : code;
}

const char *labels_choice_code(const struct sw_column *c, const char *text)
{
    if (!c || !text || c->check != CK_ENUM || !c->allowed)
        return NULL;
    for (const char *const *a = c->allowed; *a; a++)
        if (strcmp(*a, text) == 0)
            return *a;
    for (size_t i = 0; i < COUNT(choices); i++)
        if (strcmp(choices[i].col, c->name) == 0 &&
            (strcmp(choices[i].zh, text) == 0 ||
             strcmp(choices[i].en, text) == 0))
            /* the code as the column holds it */
            for (const char *const *a = c->allowed; *a; a++)
                if (strcmp(*a, choices[i].code) == 0)
                    return *a;
    return NULL;
}

/* A locale name that asks for Chinese: zh, zh_CN.UTF-8, zh_TW@... */
static int is_zh(const char *s)
{
    return s && s[0] == 'z' && s[1] == 'h' &&
           (s[2] == '\0' || s[2] == '_' || s[2] == '.' || s[2] == '@' ||
            s[2] == ':');
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

enum sw_lang labels_locale_lang(void)
{
    /* As gettext decides: in the "C" locale (also when the locale the
       environment names is not installed, so setlocale() failed) English
       and LANGUAGE is ignored; otherwise LANGUAGE's first entry (a
       colon-separated list), else the locale of LC_MESSAGES, which
       setlocale(LC_ALL, "") took from LC_ALL, LC_MESSAGES or LANG. */
    const char *loc = setlocale(LC_MESSAGES, NULL);
    const char *lang;
    if (!loc || strcmp(loc, "C") == 0 || strcmp(loc, "POSIX") == 0)
        return SW_LANG_EN;
    lang = env_nonempty("LANGUAGE");
    if (lang)
        return is_zh(lang) ? SW_LANG_ZH : SW_LANG_EN;
    return is_zh(loc) ? SW_LANG_ZH : SW_LANG_EN;
}

static int cur_lang = -1;

enum sw_lang labels_lang(void)
{
    if (cur_lang < 0)
        cur_lang = (int)labels_locale_lang();
    return (enum sw_lang)cur_lang;
}

void labels_set_lang(enum sw_lang l)
{
    cur_lang = (int)l;
}

const char *labels_qualified(char *buf, size_t size, const struct sw_table *t,
                             const struct sw_column *c)
{
    const char *cn = c ? c->name : "";
    const char *l = labels_field_name(t, cn, SW_LANG_ZH);
    if (labels_lang() == SW_LANG_ZH && strcmp(l, cn) != 0)
        snprintf(buf, size, "%s.%s（%s）", t ? t->name : "", cn, l);
    else
        snprintf(buf, size, "%s.%s", t ? t->name : "", cn);
    return buf;
}

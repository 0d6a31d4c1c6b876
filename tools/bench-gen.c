/*
** bench-gen.c — deterministic station records for the benchmarks.
*/
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-gen.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄",
                                       "赵", "吴", "周", "徐", "孙", "马", "朱",
                                       "胡", "郭", "何", "高", "林", "罗"};
static const char *const given[] = {
    "秀英", "桂英", "建国", "志强", "国华", "玉兰", "春梅", "海燕",
    "明",   "伟",   "芳",   "军",   "红",   "丽",   "强",   "磊",
    "洋",   "勇",   "艳",   "杰",   "娟",   "涛",   "桂兰", "淑珍",
    "德明", "文华", "子涵", "浩然", "雨桐", "梓轩"};
static const char *const villages[] = {
    "东村",   "西河村", "南庄村", "北岗村", "杨柳村", "石桥村", "新桥村",
    "大王村", "小李庄", "河口村", "青山村", "白马村", "前进村", "红星村",
    "光明村", "团结村", "三里村", "五星村", "长岭村", "双塘村"};
static const char *const workers[] = {"周敏", "陈静", "李娜", "王磊",
                                      "张伟", "刘洋", "赵丽", "孙涛"};
static const char *const categories[] = {"elderly_alone", "left_behind_child",
                                         "disabled", "low_income", "other"};
static const char *const risks[] = {"low", "medium", "high"};
static const char *const modes[] = {"home", "phone", "office", "online"};
static const char *const purposes[] = {
    "定期探访",     "了解生活状况", "核实低保申请材料", "跟进就医情况",
    "节日慰问",     "学业情况回访", "康复训练指导",     "心理疏导",
    "政策宣传",     "入户评估",     "送药上门",         "协助办理残疾证",
    "安全隐患排查", "监护情况核查"};
/* Findings and notes are clauses made from templates with slots (who,
   what, when, numbers), so that they repeat words, as notes do, but not
   whole sentences. */
static const char *const who[] = {"老人", "孩子", "其女儿", "其儿子", "老伴",
                                  "案主", "母亲", "父亲",   "奶奶",   "爷爷",
                                  "外孙", "儿媳", "监护人", "邻居",   "村医"};
static const char *const health[] = {
    "腿脚不便",     "有糖尿病史", "视力下降",       "近期摔倒一次",
    "精神状态良好", "情绪低落",   "睡眠不好",       "饭量减少",
    "听力较差",     "行动需拄拐", "患慢性支气管炎", "刚做完白内障手术",
    "记忆力减退",   "关节疼痛",   "生活基本能自理", "需要他人照料"};
static const char *const when[] = {"本周", "上月", "近期",   "昨天",  "前天",
                                   "上周", "月初", "春节前", "入冬后"};
static const char *const action[] = {
    "已联系村医上门", "到镇卫生院复诊",   "参加村里组织的活动",
    "与邻居发生矛盾", "修缮了房屋",       "安装了扶手",
    "办理了残疾证",   "更换了煤气管道",   "申请了居家养老服务",
    "领取了助学金",   "去县医院做了检查", "接受了心理疏导",
    "换了新的轮椅",   "转学到镇中心小学", "开始做康复训练"};
static const char *const place[] = {"厨房", "卧室", "院子", "屋顶",
                                    "厕所", "堂屋", "楼梯"};
static const char *const cond[] = {"漏雨",     "潮湿",     "无取暖设备",
                                   "杂物堆放", "电线老化", "地面湿滑",
                                   "已清理",   "照明不足", "有裂缝"};
static const char *const cities[] = {"苏州", "上海", "南京", "无锡",
                                     "杭州", "深圳", "广州", "常州"};
static const char *const advice[] = {
    "定期测量血压",   "按时服药",     "减少独自外出", "增加探访频次",
    "联系心理咨询师", "申请临时救助", "督促按时上学", "多与子女沟通",
    "注意用电安全",   "冬季注意保暖"};
static const char *const weekdays[] = {"一", "二", "三", "四",
                                       "五", "六", "日"};

/* One clause into tmp (size n); returns its length. */
static int clause(struct gen *g, char *tmp, size_t n)
{
    switch (gen_next(g) % 7) {
    case 0:
        return snprintf(tmp, n, "%s血压%u/%u", who[gen_next(g) % N(who)],
                        120 + gen_next(g) % 60, 70 + gen_next(g) % 40);
    case 1:
        return snprintf(tmp, n, "%s%s", who[gen_next(g) % N(who)],
                        health[gen_next(g) % N(health)]);
    case 2:
        return snprintf(tmp, n, "%s%s", when[gen_next(g) % N(when)],
                        action[gen_next(g) % N(action)]);
    case 3:
        return snprintf(tmp, n, "%s%s", place[gen_next(g) % N(place)],
                        cond[gen_next(g) % N(cond)]);
    case 4:
        return snprintf(tmp, n, "子女在%s打工，每%s联系%u次",
                        cities[gen_next(g) % N(cities)],
                        gen_next(g) % 2 ? "月" : "周", 1 + gen_next(g) % 4);
    case 5:
        return snprintf(tmp, n, "%s领取%s%u元", when[gen_next(g) % N(when)],
                        gen_next(g) % 2 ? "低保金" : "临时救助",
                        100 * (3 + gen_next(g) % 28));
    default:
        return snprintf(tmp, n, "建议%s，下周%s再来",
                        advice[gen_next(g) % N(advice)],
                        weekdays[gen_next(g) % N(weekdays)]);
    }
}

void gen_init(struct gen *g, uint64_t seed, int64_t start_ms)
{
    for (int t = 0; t < SW_NTABLES; t++)
        if (sw_tables[t].ncols > GEN_MAXCOLS) {
            fprintf(stderr, "bench-gen: %s has %d columns; GEN_MAXCOLS is %d\n",
                    sw_tables[t].name, sw_tables[t].ncols, GEN_MAXCOLS);
            abort();
        }
    g->s = seed ? seed * 0x9e3779b97f4a7c15ULL : 0x2545f4914f6cdd1dULL;
    g->ms = start_ms;
    g->day = 0;
}

uint32_t gen_next(struct gen *g)
{
    uint64_t x = g->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    g->s = x;
    return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static unsigned pick(struct gen *g, size_t n)
{
    return gen_next(g) % (unsigned)n;
}

void gen_uuid(struct gen *g, char out[SW_UUID_LEN + 1])
{
    uint32_t a = gen_next(g), b = gen_next(g), c = gen_next(g);
    g->ms += 1 + pick(g, 3);
    snprintf(out, SW_UUID_LEN + 1, "%08x-%04x-7%03x-%c%03x-%04x%08x",
             (unsigned)(g->ms >> 16), (unsigned)(g->ms & 0xffff), a & 0xfff,
             "89ab"[(a >> 12) & 3], (a >> 14) & 0xfff, b & 0xffff, c);
}

/* Append formatted text to r->buf; returns its start (NUL-terminated). */
static const char *put(struct gen_rec *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *put(struct gen_rec *r, const char *fmt, ...)
{
    char *at = r->buf + r->len;
    size_t room = sizeof(r->buf) - r->len;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(at, room, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= room)
        n = room > 0 ? (int)room - 1 : 0;
    r->len += (size_t)n + 1;
    return at;
}

static void start(struct gen *g, struct gen_rec *r, int tbl)
{
    memset(r->v, 0, sizeof(r->v));
    r->len = 0;
    r->tbl = tbl;
    gen_uuid(g, r->id);
}

/* A date d days after 2025-03-01 (good enough: 28-day months). */
static void date_of(int d, int *y, int *m, int *dd)
{
    *y = 2025 + d / 336;
    *m = 3 + (d % 336) / 28;
    *dd = 1 + d % 28;
    if (*m > 12) {
        *m -= 12;
        (*y)++;
    }
}

/* 2..max clauses joined with '，' or '；', ending with '。'. */
static const char *findings(struct gen *g, struct gen_rec *r, unsigned max)
{
    char tmp[1024];
    size_t len = 0;
    unsigned n = 2 + pick(g, max - 1);
    for (unsigned i = 0; i < n && len + 200 < sizeof(tmp); i++) {
        int w = clause(g, tmp + len, sizeof(tmp) - len);
        if (w < 0 || (size_t)w >= sizeof(tmp) - len)
            break;
        len += (size_t)w;
        w = snprintf(tmp + len, sizeof(tmp) - len, "%s",
                     i + 1 == n   ? "。"
                     : pick(g, 2) ? "，"
                                  : "；");
        if (w < 0 || (size_t)w >= sizeof(tmp) - len)
            break;
        len += (size_t)w;
    }
    return put(r, "%s", tmp);
}

void gen_case(struct gen *g, struct gen_rec *r)
{
    const struct sw_table *t = &sw_tables[SW_T_CASES];
    int cat = (int)pick(g, N(categories));
    int by = cat == 0   ? 1935 + (int)pick(g, 25)
             : cat == 1 ? 2008 + (int)pick(g, 12)
                        : 1950 + (int)pick(g, 50);
    int bm = 1 + (int)pick(g, 12), bd = 1 + (int)pick(g, 28);
    int y, m, d;
    char idn[19];
    const char *village = villages[pick(g, N(villages))];

    start(g, r, SW_T_CASES);
    snprintf(idn, sizeof(idn), "320481%04d%02d%02d%03u", by, bm, bd,
             pick(g, 1000));
    idn[17] = sw_idnum_check_char(idn);
    idn[18] = '\0';
    date_of(g->day, &y, &m, &d);
    r->v[sw_col_index(t, "name")] = put(
        r, "%s%s", surnames[pick(g, N(surnames))], given[pick(g, N(given))]);
    r->v[sw_col_index(t, "gender")] = pick(g, 2) ? "male" : "female";
    r->v[sw_col_index(t, "birth_date")] = put(r, "%04d-%02d-%02d", by, bm, bd);
    r->v[sw_col_index(t, "id_number")] = put(r, "%s", idn);
    r->v[sw_col_index(t, "phone")] =
        put(r, "1%c%09u", "35789"[pick(g, 5)], gen_next(g) % 1000000000u);
    r->v[sw_col_index(t, "village")] = village;
    r->v[sw_col_index(t, "address")] =
        put(r, "%s%u组%u号", village, 1 + pick(g, 9), 1 + pick(g, 60));
    r->v[sw_col_index(t, "category")] = categories[cat];
    r->v[sw_col_index(t, "risk_level")] = risks[pick(g, N(risks))];
    r->v[sw_col_index(t, "status")] = "open";
    r->v[sw_col_index(t, "worker")] = workers[pick(g, N(workers))];
    r->v[sw_col_index(t, "opened_on")] = put(r, "%04d-%02d-%02d", y, m, d);
    if (pick(g, 2))
        r->v[sw_col_index(t, "notes")] = findings(g, r, 2);
}

void gen_visit(struct gen *g, const char *case_id, struct gen_rec *r)
{
    const struct sw_table *t = &sw_tables[SW_T_VISITS];
    int y, m, d, follow;

    start(g, r, SW_T_VISITS);
    if (pick(g, 150) == 0) /* about 150 visits a day */
        g->day++;
    date_of(g->day, &y, &m, &d);
    follow = pick(g, 3) == 0;
    r->v[sw_col_index(t, "case_id")] = put(r, "%s", case_id);
    r->v[sw_col_index(t, "visited_at")] = put(
        r, "%04d-%02d-%02dT%02u:%02u", y, m, d, 8 + pick(g, 10), pick(g, 60));
    r->v[sw_col_index(t, "worker")] = workers[pick(g, N(workers))];
    r->v[sw_col_index(t, "mode")] = modes[pick(g, 4) == 0 ? 1 : 0];
    r->v[sw_col_index(t, "purpose")] = purposes[pick(g, N(purposes))];
    r->v[sw_col_index(t, "findings")] = findings(g, r, 4);
    r->v[sw_col_index(t, "follow_up")] = follow ? "1" : "0";
    if (follow) {
        date_of(g->day + 7 + (int)pick(g, 21), &y, &m, &d);
        r->v[sw_col_index(t, "next_visit_on")] =
            put(r, "%04d-%02d-%02d", y, m, d);
    }
}

void gen_edit(struct gen *g, int tbl, int *col, char *out, size_t n)
{
    const struct sw_table *t = &sw_tables[tbl];
    struct gen_rec tmp;
    unsigned k = pick(g, 100);

    tmp.len = 0;
    if (tbl == SW_T_CASES) {
        if (k < 40) {
            *col = sw_col_index(t, "risk_level");
            snprintf(out, n, "%s", risks[pick(g, N(risks))]);
        } else if (k < 60) {
            *col = sw_col_index(t, "phone");
            snprintf(out, n, "1%c%09u", "35789"[pick(g, 5)],
                     gen_next(g) % 1000000000u);
        } else if (k < 85) {
            *col = sw_col_index(t, "notes");
            snprintf(out, n, "%s", findings(g, &tmp, 2));
        } else {
            *col = sw_col_index(t, "worker");
            snprintf(out, n, "%s", workers[pick(g, N(workers))]);
        }
    } else {
        if (k < 50) {
            *col = sw_col_index(t, "findings");
            snprintf(out, n, "%s", findings(g, &tmp, 4));
        } else if (k < 70) {
            *col = sw_col_index(t, "mode");
            snprintf(out, n, "%s", modes[pick(g, N(modes))]);
        } else if (k < 85) {
            *col = sw_col_index(t, "worker");
            snprintf(out, n, "%s", workers[pick(g, N(workers))]);
        } else {
            int y, m, d;
            date_of(g->day + 7 + (int)pick(g, 21), &y, &m, &d);
            *col = sw_col_index(t, "next_visit_on");
            snprintf(out, n, "%04d-%02d-%02d", y, m, d);
        }
    }
}

void gen_bare(const struct gen_rec *r, int with_id, struct sw_buf *sb)
{
    const struct sw_table *t = &sw_tables[r->tbl];
    int first = 1;

    if (with_id) {
        sb_adds(sb, r->id);
        first = 0;
    }
    for (int c = 0; c < t->ncols; c++) {
        if (c == sw_col_deleted(t) || !r->v[c])
            continue;
        if (!first)
            sb_add(sb, "\t", 1);
        sb_adds(sb, r->v[c]);
        first = 0;
    }
    sb_add(sb, "\n", 1);
}

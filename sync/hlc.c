#include "config.h"

#include <stdio.h>
#include <string.h>

#include "hlc.h"

int64_t hlc_now(struct hlc_clock *c, int64_t wall_ms)
{
    int64_t pt = wall_ms + c->offset_ms;
    int64_t lms = hlc_ms(c->last);

    if (pt > lms)
        c->last = hlc_pack(pt, 0);
    else if (hlc_counter(c->last) < HLC_COUNTER_MAX)
        c->last = c->last + 1;
    else
        c->last = hlc_pack(lms + 1, 0);
    return c->last;
}

int hlc_recv(struct hlc_clock *c, int64_t remote, int64_t wall_ms,
             struct sw_err *err)
{
    int64_t pt = wall_ms + c->offset_ms;

    if (remote < 0)
        return sw_fail(err, SW_EDATA, _("clock: negative hlc"));
    if (c->max_drift_ms > 0 && hlc_ms(remote) > pt + c->max_drift_ms &&
        c->clamp) {
        int64_t bound = hlc_pack(pt + c->max_drift_ms, 0);
        if (bound > c->last)
            c->last = bound;
        c->clamped++;
        if (hlc_ms(remote) - pt > c->clamped_ahead_ms)
            c->clamped_ahead_ms = hlc_ms(remote) - pt;
        return 0;
    }
    if (c->max_drift_ms > 0 && hlc_ms(remote) > pt + c->max_drift_ms)
        return sw_fail(err, SW_EDATA,
                       _("clock: version is %lld ms ahead of this clock "
                         "(bound %lld ms)"),
                       (long long)(hlc_ms(remote) - pt),
                       (long long)c->max_drift_ms);
    if (remote > c->last)
        c->last = remote;
    return 0;
}

void hlc_format(int64_t h, char *buf)
{
    snprintf(buf, HLC_STR_MAX + 1, "%lld", (long long)h);
}

int hlc_parse(const char *s, int64_t *out)
{
    size_t n = s ? strlen(s) : 0;
    uint64_t v = 0;

    if (n == 0 || n > HLC_STR_MAX || (n > 1 && s[0] == '0'))
        return SW_EDATA;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return SW_EDATA;
        if (v > (UINT64_C(0x7fffffffffffffff) - (uint64_t)(s[i] - '0')) / 10)
            return SW_EDATA;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    *out = (int64_t)v;
    return 0;
}

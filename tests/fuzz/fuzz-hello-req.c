/*
** fuzz-hello-req.c — the body of POST /v1/hello as the county parses it
** (sync/county/http.c's parse_hello, reached by including the file: it
** is static there, and the target sees exactly the server's code).
**
** Input: the hello's JSON.  What the parser accepts must hold what the
** server relies on: a valid site id, an agent of at most AGENT_MAX bytes
** of UTF-8, a station cleaned for messages.
*/
#include "../../sync/county/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct req r;
    struct hello_msg h;
    char why[256];

    memset(&r, 0, sizeof(r));
    sb_init(&r.body);
    if (size)
        sb_add(&r.body, data, size);
    snprintf(r.rep.station, sizeof(r.rep.station), "A01");
    if (parse_hello(&r, &h, why, sizeof(why)) == 0) {
        if (!sw_site_valid(h.site))
            abort();
        if (h.has_agent &&
            (!sw_utf8_valid(h.agent) || strlen(h.agent) > AGENT_MAX))
            abort();
        for (const char *p = h.station; *p; p++)
            if (*p <= 0x20 || *p >= 0x7f)
                abort();
    } else if (!why[0] || !sw_utf8_valid(why)) {
        abort(); /* a refusal says why, in text a client can show */
    }
    sb_release(&r.body);
    return 0;
}

/*
** fuzz-hello-req.c — the body of POST /v1/hello as the county parses it
** (sync/proto.c's proto_hello_parse and proto_negotiate, which
** sync/county/http.c calls; the file is included so that the target is
** built as the server is).
**
** Input: the hello's JSON.  What the parser accepts must hold what the
** server relies on: a valid site id, an agent of at most PROTO_AGENT_MAX
** bytes of UTF-8, a station cleaned for messages, a negotiated schema the
** county serves.
*/
#include "../../sync/county/http.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct req r;
    struct proto_hello h;
    char why[256];
    int64_t use = 0;

    memset(&r, 0, sizeof(r));
    sb_init(&r.body);
    if (size)
        sb_add(&r.body, data, size);
    snprintf(r.rep.station, sizeof(r.rep.station), "A01");
    if (proto_hello_parse(r.body.buf, r.body.len, &h, why, sizeof(why)) == 0) {
        if (!sw_site_valid(h.site))
            abort();
        if (h.has_agent &&
            (!sw_utf8_valid(h.agent) || strlen(h.agent) > PROTO_AGENT_MAX))
            abort();
        if (proto_negotiate(&h, &use, why, sizeof(why)) == 0 &&
            (use < PROTO_SCHEMA_MIN || use > PROTO_SCHEMA))
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

/* JSON checking on any input; the first byte's low bit chooses json or
 * jsonb.  jsonb's canonical text must itself be valid and canonical. */
#include "fuzz.h"

#include <errno.h>
#include <stdbool.h>

#include "migrate/json.h"
#include "migrate/strbuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        bool jsonb = data[0] & 1;
        const char *s = (const char *) data + 1;
        size_t n = size - 1;
        struct strbuf out = {}, again = {};
        const char *reason = NULL;
        int r = json_check(s, n, jsonb, &out, &reason);
        if (r < 0) {
                FUZZ_CHECK(r == -EINVAL && reason, "json_check returned %d", r);
        } else if (jsonb) {
                /* What jsonb takes, json takes too. */
                struct strbuf none = {};
                reason = NULL;
                FUZZ_CHECK(json_check(s, n, false, &none, &reason) == 0, "jsonb takes it, json does not: %s", reason);
                strbuf_done(&none);
                FUZZ_CHECK(out.data, "no jsonb text");
                reason = NULL;
                r = json_check(out.data, out.len, true, &again, &reason);
                FUZZ_CHECK(r == 0, "jsonb text '%s' is refused: %s", out.data, reason);
                FUZZ_CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0,
                           "jsonb text '%s' is not canonical: '%s'", out.data, again.data);
        }
        strbuf_done(&out);
        strbuf_done(&again);
        return 0;
}

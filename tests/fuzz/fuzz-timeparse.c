/* Time parsing on any text: no crash or overflow; a finite time read back
 * from its own formatting is the same instant, and the one timegm() gives. */
#include "fuzz.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "migrate/timeparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct parsed_time t;
        const char *reason = NULL;
        if (time_parse((const char *) data, size, &t, &reason) < 0) {
                FUZZ_CHECK(reason, "an error without a reason");
                return 0;
        }
        (void) time_utc(&t);
        char buf[64];
        int n = time_format(t.micros, buf, sizeof(buf));
        FUZZ_CHECK(n > 0 && (size_t) n < sizeof(buf), "time_format returned %d", n);
        /* Years before AD 1 are printed the way PostgreSQL prints them
         * ("0001-01-01 ... BC" is the year 0), a form source text never
         * uses and time_parse() refuses on purpose: nothing to read back. */
        if (n > 3 && memcmp(buf + n - 3, " BC", 3) == 0)
                return 0;
        struct parsed_time again;
        reason = NULL;
        FUZZ_CHECK(time_parse(buf, (size_t) n, &again, &reason) == 0, "'%s' does not parse: %s", buf, reason);
        FUZZ_CHECK(again.micros == t.micros, "'%s' reads back as %" PRId64 ", not %" PRId64, buf, again.micros,
                   t.micros);
        if (t.micros == TIME_INFINITY || t.micros == TIME_MINUS_INFINITY)
                return 0;
        /* The calendar arithmetic agrees with glibc's timegm(). */
        struct tm tm = {};
        FUZZ_CHECK(strptime(buf, "%Y-%m-%d %H:%M:%S", &tm), "strptime cannot read '%s'", buf);
        time_t secs = timegm(&tm);
        int64_t whole = t.micros / 1000000 - (t.micros % 1000000 < 0);
        FUZZ_CHECK(secs == whole, "'%s' is %" PRId64 " s, timegm says %lld", buf, whole, (long long) secs);
        return 0;
}

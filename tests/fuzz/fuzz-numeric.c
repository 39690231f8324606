/* Numeric text on any input.  The first byte chooses what is exercised:
 *   even: canonical form (which must be its own canonical form and equal
 *         to the input), numeric(p,s) fitting (p, s from the next two
 *         bytes), PostgreSQL's binary form;
 *   odd:  the shortest decimal of the double in the next 8 bytes, which
 *         must read back as exactly that double. */
#include "fuzz.h"

#include <errno.h>
#include <math.h>

#include "migrate/numeric.h"
#include "migrate/strbuf.h"

static void canonical(const char *s, size_t n, int precision, int scale) {
        struct strbuf canon = {}, again = {}, fit = {}, bin = {};
        if (numeric_canonical(s, n, &canon) < 0) {
                strbuf_done(&canon);
                return;
        }
        FUZZ_CHECK(canon.data, "an empty canonical form");
        FUZZ_CHECK(numeric_canonical(canon.data, canon.len, &again) == 0 && strcmp(again.data, canon.data) == 0,
                   "canonical '%s' becomes '%s'", canon.data, again.data ? again.data : "(error)");
        FUZZ_CHECK(numeric_equal(canon.data, canon.len, again.data, again.len), "'%s'", canon.data);
        const char *reason = NULL;
        int r = numeric_fit(canon.data, precision, scale, &fit, &reason);
        if (r == 0)
                FUZZ_CHECK(numeric_equal(canon.data, canon.len, fit.data, fit.len),
                           "'%s' fitted to (%d,%d) became '%s'", canon.data, precision, scale, fit.data);
        else
                FUZZ_CHECK(r == -ERANGE && reason, "numeric_fit returned %d", r);
        r = numeric_to_pg_binary(canon.data, canon.len, &bin);
        FUZZ_CHECK(r == 0 || r == -ERANGE, "numeric_to_pg_binary returned %d", r);
        if (r == 0)
                FUZZ_CHECK(bin.len >= 8 && (bin.len - 8) / 2 == ((size_t) (uint8_t) bin.data[0] << 8 | (uint8_t) bin.data[1]),
                           "%zu bytes for '%s'", bin.len, canon.data);
        strbuf_done(&canon);
        strbuf_done(&again);
        strbuf_done(&fit);
        strbuf_done(&bin);
}

static void from_double(double d) {
        struct strbuf out = {};
        FUZZ_CHECK(numeric_from_double(d, &out) == 0 && out.data, "%a", d);
        if (isnan(d))
                FUZZ_CHECK(strcmp(out.data, "NaN") == 0, "NaN printed as '%s'", out.data);
        else if (d == 0)
                FUZZ_CHECK(strcmp(out.data, "0") == 0, "%a printed as '%s'", d, out.data);
        else
                FUZZ_CHECK(strtod(out.data, NULL) == d || (isinf(d) && strstr(out.data, "Infinity")),
                           "%a printed as '%s'", d, out.data);
        strbuf_done(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1)
                return 0;
        if (data[0] & 1) {
                double d;
                if (size < 1 + sizeof(d))
                        return 0;
                memcpy(&d, data + 1, sizeof(d));
                from_double(d);
                return 0;
        }
        if (size < 3)
                return 0;
        /* -1 means "not given", as the catalog says for numeric without (p,s). */
        int precision = data[1] == 0xff ? -1 : data[1] % 100 + 1, scale = data[2] == 0xff ? -1 : data[2] % 100;
        canonical((const char *) data + 3, size - 3, precision, scale);
        return 0;
}

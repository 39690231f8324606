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

/* PostgreSQL's binary numeric back to decimal text, as numeric_recv() reads it. */
static char *from_pg_binary(const struct strbuf *bin) {
        const uint8_t *b = (const uint8_t *) bin->data;
        unsigned ndigits = b[0] << 8 | b[1], sign = b[4] << 8 | b[5], dscale = b[6] << 8 | b[7];
        int weight = (int16_t) (b[2] << 8 | b[3]);
        struct strbuf out = {};
        if (sign == 0xC000)
                FUZZ_CHECK(strbuf_puts(&out, "NaN") == 0, "ENOMEM");
        else if (sign == 0xD000 || sign == 0xF000)
                FUZZ_CHECK(strbuf_puts(&out, sign == 0xD000 ? "Infinity" : "-Infinity") == 0, "ENOMEM");
        if (out.data)
                return strbuf_steal(&out);
        FUZZ_CHECK(sign == 0 || sign == 0x4000, "sign %#x", sign);
        FUZZ_CHECK(bin->len == 8 + 2 * (size_t) ndigits, "%zu bytes for %u digits", bin->len, ndigits);
        int r = strbuf_puts(&out, sign ? "-" : "");
        /* Integer part: groups weight .. 0; fraction: groups -1 .. -(dscale+3)/4. */
        if (weight < 0)
                r = r < 0 ? r : strbuf_putc(&out, '0');
        for (int w = weight; r >= 0 && w >= 0; w--) {
                long i = (long) weight - w;
                unsigned g = i < (long) ndigits ? (unsigned) (b[8 + 2 * i] << 8 | b[9 + 2 * i]) : 0;
                FUZZ_CHECK(g < 10000, "digit group %u", g);
                r = strbuf_printf(&out, w == weight ? "%u" : "%04u", g);
        }
        struct strbuf frac = {};
        for (int w = -1; r >= 0 && (long) -w * 4 < (long) dscale + 4; w--) {
                long i = (long) weight - w;
                unsigned g = i >= 0 && i < (long) ndigits ? (unsigned) (b[8 + 2 * i] << 8 | b[9 + 2 * i]) : 0;
                r = strbuf_printf(&frac, "%04u", g);
        }
        /* Digits below dscale would be dropped by the server: there must be none. */
        for (size_t i = dscale; r >= 0 && i < frac.len; i++)
                FUZZ_CHECK(frac.data[i] == '0', "digits beyond dscale %u: %s", dscale, frac.data);
        if (r >= 0 && dscale)
                r = strbuf_printf(&out, ".%.*s", (int) dscale, frac.data);
        FUZZ_CHECK(r >= 0, "ENOMEM");
        strbuf_done(&frac);
        return strbuf_steal(&out);
}

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
        if (r == 0) {
                FUZZ_CHECK(bin.len >= 8, "%zu bytes for '%s'", bin.len, canon.data);
                char *back = from_pg_binary(&bin);
                FUZZ_CHECK(numeric_equal(canon.data, canon.len, back, strlen(back)),
                           "'%s' is sent as '%s'", canon.data, back);
                free(back);
        }
        /* The same decimal value: strtod (correctly rounded) reads the same double. */
        char *text = fuzz_cstring((const uint8_t *) s, n);
        double a = strtod(text, NULL), b = strtod(canon.data, NULL);
        FUZZ_CHECK(a == b || (isnan(a) && isnan(b)), "'%s' (%a) became '%s' (%a)", text, a, canon.data, b);
        free(text);
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

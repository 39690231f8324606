#include "migrate/numeric.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int numeric_canonical(const char *s, size_t n, struct strbuf *out) {
        const char *p = s, *end = s + n;
        bool neg = false;

        if (n == 3 && strncasecmp(s, "nan", 3) == 0)
                return strbuf_puts(out, "NaN");
        if (p < end && (*p == '+' || *p == '-'))
                neg = *p++ == '-';
        if ((size_t) (end - p) == 8 && strncasecmp(p, "infinity", 8) == 0)
                return strbuf_puts(out, neg ? "-Infinity" : "Infinity");
        if ((size_t) (end - p) == 3 && strncasecmp(p, "inf", 3) == 0)
                return strbuf_puts(out, neg ? "-Infinity" : "Infinity");

        const char *int_start = p;
        while (p < end && *p >= '0' && *p <= '9')
                p++;
        const char *int_end = p, *frac_start = p, *frac_end = p;
        if (p < end && *p == '.') {
                frac_start = ++p;
                while (p < end && *p >= '0' && *p <= '9')
                        p++;
                frac_end = p;
        }
        if (int_end == int_start && frac_end == frac_start)
                return -EINVAL;
        long exp = 0;
        if (p < end && (*p == 'e' || *p == 'E')) {
                p++;
                bool eneg = false;
                if (p < end && (*p == '+' || *p == '-'))
                        eneg = *p++ == '-';
                if (p >= end || *p < '0' || *p > '9')
                        return -EINVAL;
                while (p < end && *p >= '0' && *p <= '9') {
                        exp = exp * 10 + (*p++ - '0');
                        if (exp > 100000)
                                return -EINVAL;
                }
                if (eneg)
                        exp = -exp;
        }
        if (p != end)
                return -EINVAL;

        /* All digits in one string, with the decimal point "point" digits in. */
        struct strbuf d = {};
        int r = strbuf_append(&d, int_start, (size_t) (int_end - int_start));
        if (r >= 0)
                r = strbuf_append(&d, frac_start, (size_t) (frac_end - frac_start));
        if (r < 0) {
                strbuf_done(&d);
                return r;
        }
        long point = (long) (int_end - int_start) + exp;
        long frac_digits = (long) (frac_end - frac_start) - exp;
        if (frac_digits < 0)
                frac_digits = 0;
        /* Integer part: digits before "point", zero-filled, leading zeros dropped. */
        struct strbuf ip = {}, fp = {};
        for (long i = 0; i < point && r >= 0; i++)
                r = strbuf_putc(&ip, i < (long) d.len ? d.data[i] : '0');
        for (long i = point; i < point + frac_digits && r >= 0; i++)
                r = strbuf_putc(&fp, i >= 0 && i < (long) d.len ? d.data[i] : '0');
        if (r >= 0) {
                const char *digits_ip = ip.data ? ip.data : "";
                while (*digits_ip == '0')
                        digits_ip++;
                bool zero = !*digits_ip && (!fp.data || strspn(fp.data, "0") == fp.len);
                r = strbuf_printf(out, "%s%s", neg && !zero ? "-" : "", *digits_ip ? digits_ip : "0");
                if (r >= 0 && fp.len)
                        r = strbuf_printf(out, ".%s", fp.data);
        }
        strbuf_done(&d);
        strbuf_done(&ip);
        strbuf_done(&fp);
        return r;
}

int numeric_fit(const char *canon, int precision, int scale, struct strbuf *out, const char **reason) {
        if (!strcmp(canon, "NaN") || strstr(canon, "Infinity")) {
                if (precision >= 0 && strcmp(canon, "NaN") != 0) {
                        *reason = "infinity does not fit a numeric column with a precision";
                        return -ERANGE;
                }
                return strbuf_puts(out, canon);
        }
        const char *dot = strchr(canon, '.');
        const char *digits = canon + (canon[0] == '-');
        size_t int_len = dot ? (size_t) (dot - digits) : strlen(digits);
        const char *frac = dot ? dot + 1 : "";
        size_t frac_len = strlen(frac);
        if (scale >= 0) {
                for (size_t i = (size_t) scale; i < frac_len; i++)
                        if (frac[i] != '0') {
                                *reason = "it has more decimal places than the column's scale and would be rounded";
                                return -ERANGE;
                        }
                frac_len = frac_len > (size_t) scale ? (size_t) scale : frac_len;
        }
        if (precision >= 0) {
                /* |value| < 10^(precision - scale), which is below 1 when the
                 * scale exceeds the precision (PostgreSQL 15 allows that): the
                 * first significant digit must not sit left of that power. */
                long room = (long) precision - (scale > 0 ? scale : 0), lead;
                size_t zeros = strspn(frac, "0");
                if (!(int_len == 1 && digits[0] == '0'))
                        lead = (long) int_len;
                else
                        lead = zeros < frac_len ? -(long) zeros : LONG_MIN; /* zero fits any column */
                if (lead > room) {
                        *reason = "it has more digits than the column's precision allows";
                        return -ERANGE;
                }
        }
        int r = strbuf_append(out, canon, (size_t) (digits - canon) + int_len);
        size_t want = scale >= 0 ? (size_t) scale : frac_len;
        if (r >= 0 && want)
                r = strbuf_putc(out, '.');
        for (size_t i = 0; r >= 0 && i < want; i++)
                r = strbuf_putc(out, i < frac_len ? frac[i] : '0');
        return r;
}

int numeric_from_double(double d, struct strbuf *out) {
        if (isnan(d))
                return strbuf_puts(out, "NaN");
        if (isinf(d))
                return strbuf_puts(out, d < 0 ? "-Infinity" : "Infinity");
        char buf[40];
        for (int prec = 1; prec <= 17; prec++) {
                snprintf(buf, sizeof(buf), "%.*g", prec, d);
                if (strtod(buf, NULL) == d)
                        break;
        }
        return numeric_canonical(buf, strlen(buf), out);
}

/* Canonical text without trailing fraction zeros and without "-" on zero. */
static void trim(const char *s, size_t n, const char **ret, size_t *ret_n) {
        const char *dot = memchr(s, '.', n);
        if (dot) {
                while (n > 0 && s[n - 1] == '0')
                        n--;
                if (n > 0 && s[n - 1] == '.')
                        n--;
        }
        if (n == 2 && s[0] == '-' && s[1] == '0') {
                s++;
                n--;
        }
        *ret = s;
        *ret_n = n;
}

bool numeric_equal(const char *a, size_t an, const char *b, size_t bn) {
        trim(a, an, &a, &an);
        trim(b, bn, &b, &bn);
        return an == bn && memcmp(a, b, an) == 0;
}

static int put_be16(struct strbuf *out, uint16_t v) {
        char b[2] = { (char) (v >> 8), (char) v };
        return strbuf_append(out, b, 2);
}

int numeric_to_pg_binary(const char *canon, size_t n, struct strbuf *out) {
        enum { POS = 0x0000, NEG = 0x4000, NAN_ = 0xC000, PINF = 0xD000, NINF = 0xF000 };
        int r;
        if (n == 3 && !memcmp(canon, "NaN", 3))
                return put_be16(out, 0) < 0 || put_be16(out, 0) < 0 || put_be16(out, NAN_) < 0 || put_be16(out, 0) < 0 ? -ENOMEM : 0;
        if (n >= 8 && !memcmp(canon + n - 8, "Infinity", 8))
                return put_be16(out, 0) < 0 || put_be16(out, 0) < 0 || put_be16(out, canon[0] == '-' ? NINF : PINF) < 0 ||
                                       put_be16(out, 0) < 0
                               ? -ENOMEM
                               : 0;
        bool neg = canon[0] == '-';
        const char *p = canon + neg, *end = canon + n;
        const char *dot = memchr(p, '.', (size_t) (end - p));
        size_t int_len = dot ? (size_t) (dot - p) : (size_t) (end - p);
        const char *frac = dot ? dot + 1 : end;
        size_t frac_len = (size_t) (end - frac);
        uint16_t dscale = (uint16_t) frac_len;

        /* Group digits in fours around the decimal point. */
        size_t int_groups = (int_len + 3) / 4, frac_groups = (frac_len + 3) / 4;
        /* dscale has 14 bits and the weight is an int16: wrapping either would
         * change the value (numeric_recv() silently drops digits a dscale hides). */
        if (frac_len > 0x3FFF || int_groups > (size_t) INT16_MAX + 1)
                return -ERANGE;
        size_t total = int_groups + frac_groups;
        uint16_t *groups = calloc(total ? total : 1, sizeof(uint16_t));
        if (!groups)
                return -ENOMEM;
        for (size_t g = 0; g < int_groups; g++) {
                uint16_t v = 0;
                for (long k = 0; k < 4; k++) {
                        long idx = (long) int_len - (long) (int_groups - g) * 4 + k;
                        v = (uint16_t) (v * 10 + (idx >= 0 ? p[idx] - '0' : 0));
                }
                groups[g] = v;
        }
        for (size_t g = 0; g < frac_groups; g++) {
                uint16_t v = 0;
                for (size_t k = 0; k < 4; k++) {
                        size_t idx = g * 4 + k;
                        v = (uint16_t) (v * 10 + (idx < frac_len ? frac[idx] - '0' : 0));
                }
                groups[int_groups + g] = v;
        }
        /* Strip leading and trailing zero groups; weight counts from the first. */
        size_t first = 0, last = total;
        while (first < total && groups[first] == 0)
                first++;
        while (last > first && groups[last - 1] == 0)
                last--;
        int16_t weight = (int16_t) ((long) int_groups - 1 - (long) first);
        size_t ndigits = last - first;
        if (ndigits == 0) {
                weight = 0;
                neg = false;
        }
        r = put_be16(out, (uint16_t) ndigits);
        if (r >= 0)
                r = put_be16(out, (uint16_t) weight);
        if (r >= 0)
                r = put_be16(out, neg ? NEG : POS);
        if (r >= 0)
                r = put_be16(out, dscale);
        for (size_t g = first; r >= 0 && g < last; g++)
                r = put_be16(out, groups[g]);
        free(groups);
        return r;
}

int numeric_from_pg_binary(const char *d, size_t n, struct strbuf *out) {
        enum { POS = 0x0000, NEG = 0x4000, NAN_ = 0xC000, PINF = 0xD000, NINF = 0xF000 };
        const unsigned char *u = (const unsigned char *) d;
        if (n < 8)
                return -EBADMSG;
        size_t ndigits = (size_t) (u[0] << 8 | u[1]);
        int weight = (int16_t) (uint16_t) (u[2] << 8 | u[3]);
        unsigned sign = (unsigned) (u[4] << 8 | u[5]);
        size_t dscale = (size_t) (u[6] << 8 | u[7]);
        if (n != 8 + 2 * ndigits || dscale > 0x3FFF)
                return -EBADMSG;
        if (sign == NAN_)
                return strbuf_puts(out, "NaN");
        if (sign == PINF)
                return strbuf_puts(out, "Infinity");
        if (sign == NINF)
                return strbuf_puts(out, "-Infinity");
        if (sign != POS && sign != NEG)
                return -EBADMSG;
        for (size_t i = 0; i < ndigits; i++)
                if ((u[8 + 2 * i] << 8 | u[9 + 2 * i]) >= 10000)
                        return -EBADMSG;
#define GROUP(idx) ((idx) >= 0 && (size_t) (idx) < ndigits ? (u[8 + 2 * (idx)] << 8 | u[9 + 2 * (idx)]) : 0)
        int r = sign == NEG ? strbuf_putc(out, '-') : 0;
        /* Integer part: groups 0..weight, the first without leading zeros. */
        bool started = false;
        for (int g = 0; r >= 0 && g <= weight; g++) {
                int v = GROUP(g);
                char b[4] = { (char) ('0' + v / 1000), (char) ('0' + v / 100 % 10), (char) ('0' + v / 10 % 10),
                              (char) ('0' + v % 10) };
                size_t skip = 0;
                while (!started && skip < 4 && b[skip] == '0')
                        skip++;
                if (skip < 4) {
                        r = strbuf_append(out, b + skip, 4 - skip);
                        started = true;
                }
        }
        if (r >= 0 && !started)
                r = strbuf_putc(out, '0');
        /* Fraction: exactly dscale digits, from the groups after the point. */
        if (r >= 0 && dscale > 0)
                r = strbuf_putc(out, '.');
        for (size_t k = 0; r >= 0 && k * 4 < dscale; k++) {
                int v = GROUP(weight + 1 + (long) k);
                char b[4] = { (char) ('0' + v / 1000), (char) ('0' + v / 100 % 10), (char) ('0' + v / 10 % 10),
                              (char) ('0' + v % 10) };
                size_t take = dscale - k * 4 < 4 ? dscale - k * 4 : 4;
                r = strbuf_append(out, b, take);
        }
#undef GROUP
        return r;
}

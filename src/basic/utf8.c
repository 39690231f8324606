#include "migrate/utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_sequence_length(const char *s, size_t avail) {
        const unsigned char *u = (const unsigned char *) s;
        size_t n;
        unsigned cp;

        if (avail == 0)
                return 0;
        if (u[0] < 0x80)
                return 1;
        if (u[0] >= 0xc2 && u[0] <= 0xdf)
                n = 2, cp = u[0] & 0x1f;
        else if (u[0] >= 0xe0 && u[0] <= 0xef)
                n = 3, cp = u[0] & 0x0f;
        else if (u[0] >= 0xf0 && u[0] <= 0xf4)
                n = 4, cp = u[0] & 0x07;
        else
                return 0;
        if (avail < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((u[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (u[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

/* The validator is a DFA over byte classes.  The classes split the
 * continuation bytes where the second byte of E0, ED, F0 and F4 sequences
 * is narrower than 80..BF: that is how overlong forms, surrogates and code
 * points past U+10FFFF are refused without decoding. */
enum {
        C_ASCII, /* 00..7F */
        C_80_8F, /* continuation */
        C_90_9F, /* continuation */
        C_A0_BF, /* continuation */
        C_BAD,   /* C0, C1, F5..FF: never in UTF-8 */
        C_LEAD2, /* C2..DF */
        C_E0,    /* second byte A0..BF (no overlong) */
        C_LEAD3, /* E1..EC, EE, EF */
        C_ED,    /* second byte 80..9F (no surrogate) */
        C_F0,    /* second byte 90..BF (no overlong) */
        C_LEAD4, /* F1..F3 */
        C_F4,    /* second byte 80..8F (nothing past U+10FFFF) */
        _C_MAX,
};

enum {
        S_BAD,   /* refused, for good.  Zero: every transition not listed */
        S_OK,    /* between sequences */
        S_NEED1, /* one continuation byte left */
        S_NEED2,
        S_E0,
        S_ED,
        S_NEED3,
        S_F0,
        S_F4,
        _S_MAX,
};

static const uint8_t byte_class[256] = {
        [0x00 ... 0x7f] = C_ASCII, [0x80 ... 0x8f] = C_80_8F, [0x90 ... 0x9f] = C_90_9F, [0xa0 ... 0xbf] = C_A0_BF,
        [0xc0 ... 0xc1] = C_BAD,   [0xc2 ... 0xdf] = C_LEAD2, [0xe0] = C_E0,              [0xe1 ... 0xec] = C_LEAD3,
        [0xed] = C_ED,             [0xee ... 0xef] = C_LEAD3, [0xf0] = C_F0,              [0xf1 ... 0xf3] = C_LEAD4,
        [0xf4] = C_F4,             [0xf5 ... 0xff] = C_BAD,
};

static const uint8_t next_state[_S_MAX][_C_MAX] = {
        [S_OK] = { [C_ASCII] = S_OK, [C_LEAD2] = S_NEED1, [C_E0] = S_E0, [C_LEAD3] = S_NEED2, [C_ED] = S_ED,
                   [C_F0] = S_F0, [C_LEAD4] = S_NEED3, [C_F4] = S_F4 },
        [S_NEED1] = { [C_80_8F] = S_OK, [C_90_9F] = S_OK, [C_A0_BF] = S_OK },
        [S_NEED2] = { [C_80_8F] = S_NEED1, [C_90_9F] = S_NEED1, [C_A0_BF] = S_NEED1 },
        [S_E0] = { [C_A0_BF] = S_NEED1 },
        [S_ED] = { [C_80_8F] = S_NEED1, [C_90_9F] = S_NEED1 },
        [S_NEED3] = { [C_80_8F] = S_NEED2, [C_90_9F] = S_NEED2, [C_A0_BF] = S_NEED2 },
        [S_F0] = { [C_90_9F] = S_NEED2, [C_A0_BF] = S_NEED2 },
        [S_F4] = { [C_80_8F] = S_NEED2 },
};

#define HIGH_BITS UINT64_C(0x8080808080808080)
#define LOW_BITS UINT64_C(0x0101010101010101)

/* Eight ASCII bytes: no high bit; and when NUL is refused, also no byte
 * that borrows when one is subtracted from each (only a zero byte does). */
static inline bool ascii_word(uint64_t w, bool nul_ok) {
        return ((nul_ok ? w : w | (w - LOW_BITS)) & HIGH_BITS) == 0;
}

/* One validator for both entry points; inlined into each so that nul_ok
 * is a constant there. */
static inline __attribute__((always_inline)) bool validate(const char *s, size_t len, size_t *ret_chars,
                                                            bool nul_ok) {
        const unsigned char *u = (const unsigned char *) s;
        size_t i = 0, chars = 0;
        unsigned state = S_OK;

        while (i < len) {
                if (state == S_OK) {
                        /* ASCII, most text: eight bytes at a time. */
                        while (len - i >= 8) {
                                uint64_t a;
                                memcpy(&a, u + i, 8);
                                if (!ascii_word(a, nul_ok))
                                        break;
                                i += 8;
                                chars += 8;
                        }
                        if (len - i < 8) {
                                /* The last few bytes in one word, padded with 01 bytes. */
                                uint64_t a = LOW_BITS;
                                memcpy(&a, u + i, len - i);
                                if (ascii_word(a, nul_ok)) {
                                        chars += len - i;
                                        break;
                                }
                        }
                }
                unsigned char c = u[i++];
                state = next_state[state][byte_class[c]];
                if (state == S_BAD || (!nul_ok && c == 0))
                        return false;
                chars += (c & 0xc0) != 0x80;
        }
        if (state != S_OK)
                return false;
        if (ret_chars)
                *ret_chars = chars;
        return true;
}

bool utf8_validate(const char *s, size_t len, size_t *ret_chars) {
        return validate(s, len, ret_chars, true);
}

bool utf8_is_valid(const char *s, size_t len) {
        return validate(s, len, NULL, true);
}

bool utf8_validate_text(const char *s, size_t len, size_t *ret_chars) {
        return validate(s, len, ret_chars, false);
}

/* The fast UTF-8 validator (ASCII words + DFA) against the plain one of
 * 0.1.0 (one utf8_sequence_length() call per sequence): exhaustively on
 * short strings, on adversarial sequences at every alignment, and on
 * random and mutated text. */
#include <stdint.h>

#include "migrate/utf8.h"
#include "tap.h"

/* The 0.1.0 validator, kept here as the reference. */
static bool reference_valid(const char *s, size_t len, size_t *ret_chars) {
        size_t chars = 0;
        for (size_t i = 0; i < len;) {
                size_t n = utf8_sequence_length(s + i, len - i);
                if (n == 0)
                        return false;
                i += n;
                chars++;
        }
        *ret_chars = chars;
        return true;
}

static size_t mismatches;

static void compare(const unsigned char *s, size_t len) {
        size_t want_chars = 0, got_chars = 0;
        bool want = reference_valid((const char *) s, len, &want_chars);
        bool got = utf8_validate((const char *) s, len, &got_chars);
        /* utf8_validate_text(): the same, and no NUL byte. */
        size_t text_chars = 0;
        bool want_text = want && !memchr(s, 0, len);
        bool got_text = utf8_validate_text((const char *) s, len, &text_chars);
        if (want == got && (!want || want_chars == got_chars) && got == utf8_is_valid((const char *) s, len) &&
            want_text == got_text && (!want_text || text_chars == want_chars))
                return;
        if (mismatches++ < 5) {
                printf("# mismatch on %zu bytes (reference %s, %zu chars; fast %s, %zu chars):", len,
                       want ? "valid" : "invalid", want_chars, got ? "valid" : "invalid", got_chars);
                for (size_t i = 0; i < len && i < 40; i++)
                        printf(" %02x", s[i]);
                printf("\n");
        }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rng(void) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        return rng_state;
}

static void test_every_string_up_to_three_bytes(void) {
        unsigned char b[3] = { 0 };
        mismatches = 0;
        compare(b, 0);
        for (unsigned x = 0; x < 256; x++) {
                b[0] = (unsigned char) x;
                compare(b, 1);
                for (unsigned y = 0; y < 256; y++) {
                        b[1] = (unsigned char) y;
                        compare(b, 2);
                        for (unsigned z = 0; z < 256; z++) {
                                b[2] = (unsigned char) z;
                                compare(b, 3);
                        }
                }
        }
        CHECK(mismatches == 0);
}

/* Every four-byte string made of the bytes where the rules change. */
static void test_four_bytes_at_the_edges(void) {
        static const unsigned char edges[] = { 0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1,
                                               0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3,
                                               0xf4, 0xf5, 0xf8, 0xfe, 0xff };
        const size_t n = sizeof(edges);
        unsigned char b[4];
        mismatches = 0;
        for (size_t i = 0; i < n * n * n * n; i++) {
                size_t k = i;
                for (int j = 0; j < 4; j++, k /= n)
                        b[j] = edges[k % n];
                compare(b, 4);
        }
        CHECK(mismatches == 0);
}

/* Known answers, so that the two validators cannot agree on a wrong one;
 * each placed after 0..40 ASCII bytes and followed by 0..20, so it falls
 * on every position of the word-at-a-time fast path. */
static void test_adversarial_at_every_alignment(void) {
        static const struct {
                const char *bytes;
                bool valid;
        } cases[] = {
                { "\xc0\xaf", false },             /* overlong '/' */
                { "\xc1\xbf", false },             /* overlong */
                { "\xe0\x80\xaf", false },         /* overlong, 3 bytes */
                { "\xe0\x9f\xbf", false },         /* overlong U+07FF */
                { "\xe0\xa0\x80", true },          /* U+0800 */
                { "\xed\x9f\xbf", true },          /* U+D7FF */
                { "\xed\xa0\x80", false },         /* surrogate U+D800 */
                { "\xed\xbf\xbf", false },         /* surrogate U+DFFF */
                { "\xee\x80\x80", true },          /* U+E000 */
                { "\xef\xbf\xbf", true },          /* U+FFFF */
                { "\xf0\x8f\xbf\xbf", false },     /* overlong, 4 bytes */
                { "\xf0\x90\x80\x80", true },      /* U+10000 */
                { "\xf4\x8f\xbf\xbf", true },      /* U+10FFFF */
                { "\xf4\x90\x80\x80", false },     /* U+110000 */
                { "\xf5\x80\x80\x80", false },
                { "\xff", false },
                { "\x80", false },                 /* lone continuation */
                { "\xc3", false },                 /* truncated */
                { "\xe2\x82", false },             /* truncated */
                { "\xf0\x9f\x98", false },         /* truncated */
                { "\xc3\xa9", true },              /* é */
                { "\xe2\x82\xac", true },          /* € */
                { "\xf0\x9f\x98\x80", true },      /* 😀 */
                { "\xc3\xa9\xa9", false },         /* one continuation too many */
        };
        unsigned char buf[128];
        mismatches = 0;
        for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
                size_t len = strlen(cases[c].bytes), chars = 0;
                bool got = utf8_validate(cases[c].bytes, len, &chars);
                if (got != cases[c].valid) {
                        printf("# case %zu: expected %s\n", c, cases[c].valid ? "valid" : "invalid");
                        CHECK(got == cases[c].valid);
                }
                for (size_t before = 0; before <= 40; before++)
                        for (size_t after = 0; after <= 20; after++) {
                                memset(buf, 'a', sizeof(buf));
                                memcpy(buf + before, cases[c].bytes, len);
                                compare(buf, before + len + after);
                                bool whole = utf8_validate((const char *) buf, before + len + after, &chars);
                                if (whole != cases[c].valid || (whole && chars != before + 1 + after)) {
                                        printf("# case %zu after %zu ASCII bytes, before %zu: %s, %zu chars\n", c, before,
                                               after, whole ? "valid" : "invalid", chars);
                                        CHECK(!"known answer");
                                        return;
                                }
                        }
        }
        CHECK(mismatches == 0);
}

/* utf8_validate_text(): a NUL byte at every position of ASCII and of
 * non-ASCII text of every length up to 40 is refused; without it, the text
 * is valid with the right count. */
static void test_nul_at_every_position(void) {
        unsigned char buf[64];
        size_t chars, wrong = 0;
        mismatches = 0;
        for (size_t len = 1; len <= 40; len++)
                for (size_t wide = 0; wide < 2; wide++) {
                        memset(buf, 'x', sizeof(buf));
                        if (wide && len >= 2)
                                memcpy(buf + len - 2, "\xc3\xa9", 2);
                        if (!utf8_validate_text((const char *) buf, len, &chars) ||
                            chars != len - (wide && len >= 2))
                                wrong++;
                        for (size_t at = 0; at < len; at++) {
                                unsigned char keep = buf[at];
                                buf[at] = 0;
                                if (utf8_validate_text((const char *) buf, len, &chars))
                                        wrong++;
                                compare(buf, len);
                                buf[at] = keep;
                        }
                }
        CHECK(wrong == 0);
        CHECK(mismatches == 0);
}

static size_t put_code_point(unsigned char *p, uint32_t cp) {
        if (cp < 0x80) {
                p[0] = (unsigned char) cp;
                return 1;
        }
        if (cp < 0x800) {
                p[0] = (unsigned char) (0xc0 | cp >> 6);
                p[1] = (unsigned char) (0x80 | (cp & 0x3f));
                return 2;
        }
        if (cp < 0x10000) {
                p[0] = (unsigned char) (0xe0 | cp >> 12);
                p[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
                p[2] = (unsigned char) (0x80 | (cp & 0x3f));
                return 3;
        }
        p[0] = (unsigned char) (0xf0 | cp >> 18);
        p[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3f));
        p[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3f));
        p[3] = (unsigned char) (0x80 | (cp & 0x3f));
        return 4;
}

/* Text of mostly-ASCII runs and random code points (surrogates and values
 * past U+10FFFF included, so some are invalid), then 0-3 random byte
 * mutations; and plain random bytes. */
static void test_random_and_mutated(void) {
        unsigned char buf[600];
        size_t valid = 0, total = 0;
        mismatches = 0;
        for (int round = 0; round < 300000; round++) {
                size_t len = 0, target = rng() % 500;
                if (round % 4 == 3) {
                        for (len = 0; len < target; len++)
                                buf[len] = (unsigned char) rng();
                } else {
                        while (len < target) {
                                uint64_t r = rng();
                                if (r % 3 == 0) {
                                        size_t run = r % 37;
                                        for (size_t i = 0; i < run; i++)
                                                buf[len++] = (unsigned char) (0x20 + (rng() % 95));
                                } else {
                                        static const uint32_t limits[] = { 0x80, 0x800, 0x10000, 0x110000, 0x200000 };
                                        uint32_t cp = (uint32_t) (rng() % limits[(r >> 8) % 5]);
                                        len += put_code_point(buf + len, cp);
                                }
                        }
                        for (uint64_t m = rng() % 4; round % 2 && m > 0 && len > 0; m--)
                                buf[rng() % len] = (unsigned char) rng();
                }
                size_t chars;
                valid += utf8_validate((const char *) buf, len, &chars);
                total++;
                compare(buf, len);
        }
        printf("# %zu of %zu random strings valid\n", valid, total);
        CHECK(valid > total / 10 && valid < total - total / 10); /* both answers were exercised */
        CHECK(mismatches == 0);
}

int main(void) {
        RUN(test_every_string_up_to_three_bytes);
        RUN(test_four_bytes_at_the_edges);
        RUN(test_adversarial_at_every_alignment);
        RUN(test_nul_at_every_position);
        RUN(test_random_and_mutated);
        TAP_END();
}

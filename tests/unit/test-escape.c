/* The one escaper for everything printed that came from a file or a database. */
#include "migrate/cleanup.h"
#include "migrate/escape.h"
#include "tap.h"

static char *escaped(const char *s, size_t n, unsigned flags) {
        struct strbuf b = {};
        if (escape_append(&b, s, n, flags) < 0 || strbuf_puts(&b, "") < 0) {
                strbuf_done(&b);
                return NULL;
        }
        return strbuf_steal(&b);
}

#define ESCAPES(in, flags, expected)                                            \
        do {                                                                    \
                _cleanup_free_ char *_e = escaped(in, sizeof(in) - 1, flags);   \
                CHECK_STREQ(_e, expected);                                      \
        } while (0)

static void test_c0_and_del(void) {
        ESCAPES("a\x1b]0;pwned\x07z", 0, "a\\x1b]0;pwned\\x07z");
        ESCAPES("\x1b[31mred", 0, "\\x1b[31mred");
        ESCAPES("line\nmigrate: error: fake", 0, "line\\x0amigrate: error: fake");
        ESCAPES("\t\r\b\x7f", 0, "\\x09\\x0d\\x08\\x7f");
        ESCAPES("a\0b", 0, "a\\x00b");
}

static void test_c1(void) {
        /* As code points (what a UTF-8 terminal acts on) and as raw bytes. */
        ESCAPES("\xc2\x9b" "31m", 0, "\\u{9b}31m");
        ESCAPES("\xc2\x85\xc2\x80\xc2\x9f", 0, "\\u{85}\\u{80}\\u{9f}");
        ESCAPES("\x9b" "2J", 0, "\\x9b2J");
        /* U+00A0 is past C1: kept. */
        ESCAPES("\xc2\xa0", 0, "\xc2\xa0");
}

static void test_invalid_utf8(void) {
        ESCAPES("\xff\xfe", 0, "\\xff\\xfe");
        ESCAPES("a\xc3", 0, "a\\xc3");
        ESCAPES("\xe2\x82x", 0, "\\xe2\\x82x");
        ESCAPES("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");   /* a surrogate */
        ESCAPES("\xc0\xaf", 0, "\\xc0\\xaf");            /* overlong '/' */
}

static void test_valid_text_kept(void) {
        ESCAPES("plain ASCII: table users, (id) 'x' \\ ok", 0, "plain ASCII: table users, (id) 'x' \\ ok");
        ESCAPES("gr\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80", 0,
                "gr\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80");
        /* A combining mark is printable: kept, unless code points are asked for. */
        ESCAPES("cafe\xcc\x81", 0, "cafe\xcc\x81");
}

static void test_terminal_reordering(void) {
        ESCAPES("a\xe2\x80\xae" "cba", 0, "a\\u{202e}cba");   /* right-to-left override */
        ESCAPES("\xe2\x81\xa6x\xe2\x81\xa9", 0, "\\u{2066}x\\u{2069}");
        ESCAPES("a\xe2\x80\xa8" "b", 0, "a\\u{2028}b");       /* line separator */
}

static void test_codepoints(void) {
        /* NFC and NFD print alike; their code points do not. */
        ESCAPES("caf\xc3\xa9", ESCAPE_CODEPOINTS, "caf\\u{e9}");
        ESCAPES("cafe\xcc\x81", ESCAPE_CODEPOINTS, "cafe\\u{301}");
        ESCAPES("\xf0\x9f\x98\x80\x1b", ESCAPE_CODEPOINTS, "\\u{1f600}\\x1b");
}

static void test_quoted(void) {
        ESCAPES("it's a\\b", ESCAPE_QUOTED, "it''s a\\x5cb");
        ESCAPES("it's", 0, "it's");
}

static void test_escape_text(void) {
        _cleanup_free_ char *e = escape_text("t\x1b[2Jx");
        CHECK_STREQ(e, "t\\x1b[2Jx");
}

static void test_output_never_has_control_bytes(void) {
        /* Every two-byte sequence, then a lone lead byte: the result is
         * printable ASCII or valid UTF-8 with no C0, DEL or C1 in it. */
        char s[3];
        for (int a = 0; a < 256; a++)
                for (int b = 0; b < 256; b++) {
                        s[0] = (char) a, s[1] = (char) b, s[2] = (char) 0xe2;
                        _cleanup_free_ char *e = escaped(s, 3, 0);
                        CHECK(e);
                        if (!e)
                                return;
                        for (const unsigned char *p = (const unsigned char *) e; *p; p++) {
                                if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
                                        printf("# byte 0x%02x in the escape of %02x %02x e2\n", *p, a, b);
                                        CHECK(!"control byte in escaped output");
                                        return;
                                }
                        }
                }
}

int main(void) {
        RUN(test_c0_and_del);
        RUN(test_c1);
        RUN(test_invalid_utf8);
        RUN(test_valid_text_kept);
        RUN(test_terminal_reordering);
        RUN(test_codepoints);
        RUN(test_quoted);
        RUN(test_escape_text);
        RUN(test_output_never_has_control_bytes);
        TAP_END();
}

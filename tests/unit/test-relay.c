/* The front end's filter on the worker's output: text passes, nothing that
 * drives a terminal does, whatever the chunking. */
#include <stdlib.h>
#include <string.h>

#include "migrate/relay.h"
#include "tap.h"

/* Filter "in" in chunks of "step" bytes, as reads of a pipe would cut it. */
static char *filter(const char *in, size_t len, size_t step) {
        char *out = calloc(4 * len + 1, 1), pending[64];
        size_t o = 0, n_pending = 0;
        for (size_t i = 0; i < len || n_pending > 0;) {
                size_t take = i + step <= len ? step : len - i;
                memcpy(pending + n_pending, in + i, take);
                n_pending += take, i += take;
                size_t w, used = relay_filter(pending, n_pending, i >= len, out + o, &w);
                o += w;
                memmove(pending, pending + used, n_pending - used);
                n_pending -= used;
                if (i >= len && used == 0)
                        break;
        }
        out[o] = '\0';
        return out;
}

static void check(const char *in, size_t len, const char *expected) {
        for (size_t step = 1; step <= len + 1; step++) {
                char *out = filter(in, len, step);
                CHECK_STREQ(out, expected);
                free(out);
        }
}
#define CHECK_FILTER(in, expected) check(in, sizeof(in) - 1, expected)

static void test_text_passes(void) {
        CHECK_FILTER("migrate: copy main.users: 5/10 rows\n", "migrate: copy main.users: 5/10 rows\n");
        CHECK_FILTER("tab\there\r\n", "tab\there\r\n");
        CHECK_FILTER("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

static void test_progress_bar_passes(void) {
        CHECK_FILTER("\r\033[Kcopy   main.users [####....] 5/10", "\r\033[Kcopy   main.users [####....] 5/10");
}

static void test_terminal_controls_escaped(void) {
        /* a title change, colours, a cursor move, a bell, an ESC at the end */
        CHECK_FILTER("\033]0;owned\007x", "\\x1b]0;owned\\x07x");
        CHECK_FILTER("\033[31mred\033[0m", "\\x1b[31mred\\x1b[0m");
        CHECK_FILTER("\033[2J", "\\x1b[2J");
        CHECK_FILTER("a\033", "a\\x1b");
        CHECK_FILTER("a\033[", "a\\x1b[");
        CHECK_FILTER("nul\0del\x7f", "nul\\x00del\\x7f");
        CHECK_FILTER("\b\f\v", "\\x08\\x0c\\x0b");
}

static void test_c1_and_invalid_utf8_escaped(void) {
        CHECK_FILTER("\xc2\x9b" "31m", "\\xc2\\x9b31m");     /* CSI as a C1 control */
        CHECK_FILTER("\x9b" "31m", "\\x9b31m");              /* a bare C1 byte */
        CHECK_FILTER("\xc3(", "\\xc3(");                     /* a lead byte without its continuation */
        CHECK_FILTER("\xed\xa0\x80", "\\xed\\xa0\\x80");     /* a surrogate */
        CHECK_FILTER("\xc0\xaf", "\\xc0\\xaf");              /* overlong */
        CHECK_FILTER("end\xe2\x82", "end\\xe2\\x82");        /* cut off at the end */
        CHECK_FILTER("\xc2\xa0ok", "\xc2\xa0ok");            /* U+00A0 is text */
}

int main(void) {
        RUN(test_text_passes);
        RUN(test_progress_bar_passes);
        RUN(test_terminal_controls_escaped);
        RUN(test_c1_and_invalid_utf8_escaped);
        TAP_END();
}

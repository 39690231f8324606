/* log_hold(): errors and hints wait (the sources' integrity checks come
 * first); everything else is printed at once. */
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "migrate/log.h"
#include "tap.h"

static int saved = -1, fd = -1;

static void capture(void) {
        fflush(stderr);
        fd = memfd_create("stderr", 0);
        saved = dup(STDERR_FILENO);
        dup2(fd, STDERR_FILENO);
}

/* What was printed since capture(), and capturing goes on. */
static char *printed(void) {
        fflush(stderr);
        off_t size = lseek(fd, 0, SEEK_END);
        char *text = calloc((size_t) size + 1, 1);
        if (text && size > 0 && pread(fd, text, (size_t) size, 0) != size)
                text[0] = '\0';
        return text;
}

static void uncapture(void) {
        fflush(stderr);
        dup2(saved, STDERR_FILENO);
        close(saved);
        close(fd);
}

static void test_held_then_printed_in_order(void) {
        capture();
        log_hold();
        log_error("first %d", 1);
        log_info("progress line");
        log_notice("a notice");
        log_hint("a hint");
        char *during = printed();
        log_release(true);
        char *after = printed();
        uncapture();
        CHECK_STREQ(during, "migrate: progress line\nmigrate: notice: a notice\n");
        CHECK_STREQ(after, "migrate: progress line\nmigrate: notice: a notice\n"
                           "migrate: error: first 1\nmigrate: hint: a hint\n");
        free(during);
        free(after);
}

static void test_dropped(void) {
        capture();
        log_hold();
        log_error("a symptom of the damage");
        log_error_errno(-5, "another");
        log_release(false);
        log_error("the verdict");
        char *all = printed();
        uncapture();
        CHECK_STREQ(all, "migrate: error: the verdict\n");
        free(all);
}

static void test_not_held(void) {
        capture();
        log_release(true); /* nothing held: nothing printed */
        log_error("at once");
        char *all = printed();
        uncapture();
        CHECK_STREQ(all, "migrate: error: at once\n");
        free(all);
}

static void test_held_text_is_escaped(void) {
        capture();
        log_hold();
        log_error("value %s", "\x1b[31mred");
        log_release(true);
        char *all = printed();
        uncapture();
        CHECK_STREQ(all, "migrate: error: value \\x1b[31mred\n");
        free(all);
}

int main(void) {
        RUN(test_held_then_printed_in_order);
        RUN(test_dropped);
        RUN(test_not_held);
        RUN(test_held_text_is_escaped);
        TAP_END();
}

/* SQLite partial-index predicates made acceptable to PostgreSQL. */
#include "migrate/cleanup.h"
#include "migrate/predicate.h"
#include "tap.h"

static struct column columns[] = {
        { .name = (char *) "needs_compilation", .spec = { .type = COL_BOOLEAN } },
        { .name = (char *) "Archived", .spec = { .type = COL_BOOLEAN } },
        { .name = (char *) "count", .spec = { .type = COL_BIGINT } },
};
static const struct table table = { .name = (char *) "t", .columns = columns, .n_columns = 3 };

static void check(const char *in, const char *expected) {
        _cleanup_free_ char *out = predicate_for_postgres(&table, in);
        CHECK_STREQ(out, expected);
}

static void test_boolean_comparisons(void) {
        check("needs_compilation = 1", "needs_compilation = true");
        check("needs_compilation=0", "needs_compilation = false");
        check("needs_compilation == 1", "needs_compilation = true");
        check("\"Archived\" != 0 AND needs_compilation <> 1", "\"Archived\" <> false AND needs_compilation <> true");
        check("archived = 1", "archived = true"); /* names are case-insensitive */
}

static void test_left_alone(void) {
        check("count = 1", "count = 1");                       /* not boolean */
        check("needs_compilation = 10", "needs_compilation = 10"); /* not 0/1: PostgreSQL decides */
        check("needs_compilation = 1.0", "needs_compilation = 1.0");
        check("name = 'needs_compilation = 1'", "name = 'needs_compilation = 1'"); /* inside a string */
        check("x_needs_compilation = 1", "x_needs_compilation = 1");
        check("needs_compilation", "needs_compilation");
        check("needs_compilation IS NOT NULL", "needs_compilation IS NOT NULL");
}

int main(void) {
        RUN(test_boolean_comparisons);
        RUN(test_left_alone);
        TAP_END();
}

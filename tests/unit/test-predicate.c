/* SQLite partial-index predicates made acceptable to PostgreSQL, through
 * the expression translator: every name quoted, a boolean column compared
 * with 0 or 1 compared with false or true. */
#include "migrate/cleanup.h"
#include "migrate/expr.h"
#include "tap.h"

static struct column columns[] = {
        { .name = (char *) "needs_compilation", .spec = { .type = COL_BOOL } },
        { .name = (char *) "Archived", .spec = { .type = COL_BOOL } },
        { .name = (char *) "count", .spec = { .type = COL_INT64 } },
        { .name = (char *) "name", .spec = { .type = COL_TEXT } },
        { .name = (char *) "x_needs_compilation", .spec = { .type = COL_INT64 } },
};
static const struct table table = { .name = (char *) "t", .columns = columns, .n_columns = 5 };

static void check(const char *in, const char *expected) {
        const struct expr_target target = { .use = EXPR_PREDICATE, .table = &table };
        _cleanup_free_ char *out = NULL, *why = NULL;
        int r = expr_translate(in, &target, &out, &why);
        CHECK(r == 0);
        CHECK_STREQ(out, expected);
}

static void test_boolean_comparisons(void) {
        check("needs_compilation = 1", "(\"needs_compilation\" = true)");
        check("needs_compilation=0", "(\"needs_compilation\" = false)");
        check("needs_compilation == 1", "(\"needs_compilation\" = true)");
        check("\"Archived\" != 0 AND needs_compilation <> 1",
              "((\"Archived\" <> false) AND (\"needs_compilation\" <> true))");
        check("archived = 1", "(\"Archived\" = true)"); /* names are case-insensitive */
        check("1 = needs_compilation", "(true = \"needs_compilation\")");
}

static void test_left_alone(void) {
        check("count = 1", "(\"count\" = 1)");                           /* not boolean */
        check("needs_compilation = 10", "(\"needs_compilation\" = 10)"); /* not 0/1: PostgreSQL decides */
        check("needs_compilation = 1.0", "(\"needs_compilation\" = 1.0)");
        check("name = 'needs_compilation = 1'", "(\"name\" = 'needs_compilation = 1')"); /* inside a string */
        check("x_needs_compilation = 1", "(\"x_needs_compilation\" = 1)");
        check("needs_compilation", "\"needs_compilation\"");
        check("needs_compilation IS NOT NULL", "(\"needs_compilation\" IS NOT NULL)");
}

int main(void) {
        RUN(test_boolean_comparisons);
        RUN(test_left_alone);
        TAP_END();
}

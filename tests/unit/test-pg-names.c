/* PostgreSQL's 63-byte names: the shortening rule of pg_names.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/catalog.h"
#include "migrate/cleanup.h"
#include "migrate/pg_names.h"
#include "migrate/strv.h"
#include "tap.h"

static void test_short_names_unchanged(void) {
        char name[64];
        memset(name, 'a', 63);
        name[63] = '\0';
        _cleanup_free_ char *s = pg_name_shorten(name);
        CHECK_STREQ(s, name);
}

static void test_long_names_hashed(void) {
        char a[101], b[101];
        memset(a, 'x', 100);
        a[100] = '\0';
        memcpy(b, a, sizeof(a));
        b[99] = 'y';
        _cleanup_free_ char *sa = pg_name_shorten(a), *sb = pg_name_shorten(b), *sa2 = pg_name_shorten(a);
        CHECK(strlen(sa) == 63);
        CHECK(strlen(sb) == 63);
        CHECK(strncmp(sa, a, 54) == 0 && sa[54] == '_');
        CHECK(strcmp(sa, sb) != 0); /* same first 63 bytes, different names */
        CHECK_STREQ(sa, sa2);       /* the same name always gives the same result */
}

static void test_cut_at_character_boundary(void) {
        /* 27 two-byte characters (54 bytes) then more: the cut must not split one. */
        char name[200] = "i";
        for (int i = 0; i < 40; i++)
                strcat(name, "\xc3\xa9");
        _cleanup_free_ char *s = pg_name_shorten(name);
        CHECK(strlen(s) <= 63);
        size_t body = strlen(s) - 9;
        CHECK(s[body] == '_');
        CHECK(((unsigned char) s[body - 1] & 0xc0) != 0xc0); /* not a lead byte left alone */
        _cleanup_free_ char *t = pg_name_with_suffix(name, "_1");
        CHECK(strlen(t) <= 63);
        CHECK(strcmp(t + strlen(t) - 2, "_1") == 0);
}

static void test_check_refuses_and_shortens(void) {
        char long_name[80];
        memset(long_name, 'n', 79);
        long_name[79] = '\0';
        struct column cols[1] = { { .name = strdup(long_name), .declared = strdup("TEXT") } };
        struct index idx[1] = { { .name = strdup(long_name) } };
        struct table t = { .name = strdup("t"), .columns = cols, .n_columns = 1, .indexes = idx, .n_indexes = 1 };
        struct catalog c = { .tables = &t, .n_tables = 1 };
        char **problems = NULL, **notes = NULL;
        CHECK(pg_names_check(&c, &problems, &notes) == -EINVAL);
        CHECK(problems && problems[0] && !problems[1]);
        CHECK_CONTAINS(problems[0], "column t.nnnn");
        CHECK(strlen(idx[0].name) == 63);
        CHECK(notes && notes[0]);
        CHECK_CONTAINS(notes[0], "created as");
        strv_free(problems);
        strv_free(notes);
        free(cols[0].name);
        free(cols[0].declared);
        free(idx[0].name);
        free(t.name);
}

static void test_check_refuses_system_column_names(void) {
        struct column cols[3] = { { .name = strdup("xmin") }, { .name = strdup("XMax") }, { .name = strdup("ctid") } };
        struct table t = { .name = strdup("boxes"), .columns = cols, .n_columns = 3 };
        struct catalog c = { .tables = &t, .n_tables = 1 };
        char **problems = NULL, **notes = NULL;
        CHECK(pg_names_check(&c, &problems, &notes) == -EINVAL);
        CHECK(problems && problems[0] && problems[1] && !problems[2]); /* XMax is quoted: a name of its own */
        CHECK_CONTAINS(problems[0], "column boxes.xmin: PostgreSQL gives every table a system column named xmin");
        CHECK_CONTAINS(problems[1], "column boxes.ctid");
        CHECK(!notes);
        strv_free(problems);
        for (size_t i = 0; i < 3; i++)
                free(cols[i].name);
        free(t.name);
}

int main(void) {
        RUN(test_short_names_unchanged);
        RUN(test_long_names_hashed);
        RUN(test_cut_at_character_boundary);
        RUN(test_check_refuses_and_shortens);
        RUN(test_check_refuses_system_column_names);
        TAP_END();
}

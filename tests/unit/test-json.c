/* JSON checked for json columns and put in jsonb's canonical text.  The
 * expected texts were printed by PostgreSQL 15 (SELECT $1::jsonb::text). */
#include <errno.h>
#include <string.h>

#include "migrate/json.h"
#include "migrate/strbuf.h"
#include "tap.h"

static void test_jsonb_text_as_postgresql_prints_it(void) {
        static const struct {
                const char *in, *jsonb;
        } cases[] = {
                { "{\"b\":1,\"a\":2}", "{\"a\": 2, \"b\": 1}" },
                { "{\"aa\":1,\"b\":2,\"a\":3}", "{\"a\": 3, \"b\": 2, \"aa\": 1}" },
                { "{\"a\":1,\"a\":2}", "{\"a\": 2}" },
                { "[1, 2.50, -0, 1E2, 1.0e-2, 0.0]", "[1, 2.50, 0, 100, 0.010, 0.0]" },
                { " { \"x\" : [ ] , \"y\" : { } } ", "{\"x\": [], \"y\": {}}" },
                { "\"tab\\there \\u00e9 \\ud83d\\ude00 \\/ \\u001f\"", "\"tab\\there \xc3""\xa9"" \xf0""\x9f""\x98""\x80"" / \\u001f\"" },
                { "true", "true" },
                { "null", "null" },
                { "123456789012345678901234567890", "123456789012345678901234567890" },
                { "{\"\xc3""\xa9""\":\"\xf0""\x9f""\x98""\x80""\",\"e\":\"x\",\"\":0}", "{\"\": 0, \"e\": \"x\", \"\xc3""\xa9""\": \"\xf0""\x9f""\x98""\x80""\"}" },
                { "[{\"b\":[true,false,null]},\"s\"]", "[{\"b\": [true, false, null]}, \"s\"]" },
                { "-1.5e+3", "-1500" },
                { "{\"k\":\"quote\\\" back\\\\ nl\\n\"}", "{\"k\": \"quote\\\" back\\\\ nl\\n\"}" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_strbuf_ struct strbuf out = {};
                const char *reason = NULL;
                CHECK(json_check(cases[i].in, strlen(cases[i].in), true, &out, &reason) == 0);
                CHECK_STREQ(out.data, cases[i].jsonb);
        }
}

static void test_json_only_checks(void) {
        _cleanup_strbuf_ struct strbuf out = {};
        const char *reason = NULL;
        /* json keeps the text: nothing is produced, \u0000 and huge exponents are fine. */
        const char *text = "{\"a\": \"\\u0000\", \"n\": 1e999999}";
        CHECK(json_check(text, strlen(text), false, &out, &reason) == 0);
        CHECK(out.len == 0);
        CHECK(json_check("\"\\u0000\"", strlen("\"\\u0000\""), true, &out, &reason) == -EINVAL);
        CHECK_CONTAINS(reason, "u0000 cannot be stored in jsonb");
}

static void test_invalid(void) {
        static const struct {
                const char *in, *reason;
        } cases[] = {
                { "", "a value is missing" },
                { "{\"a\" 1}", "a ':' is missing" },
                { "{\"a\": 1", "an object is not closed" },
                { "[1, 2", "an array is not closed" },
                { "{a: 1}", "an object key is not a string" },
                { "\"open", "a string is not closed" },
                { "\"a\tb\"", "control character" },
                { "\"\\q\"", "invalid escape" },
                { "\"\\u12\"", "four hex digits" },
                { "\"\\ud83d\"", "surrogate pair" },
                { "01", "there is text after the JSON value" },
                { "1.", "a number is malformed" },
                { "tru", "a number is malformed" },
                { "[1] x", "there is text after the JSON value" },
        };
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                _cleanup_strbuf_ struct strbuf out = {};
                const char *reason = NULL;
                CHECK(json_check(cases[i].in, strlen(cases[i].in), true, &out, &reason) == -EINVAL);
                CHECK_CONTAINS(reason, cases[i].reason);
        }
}

/* PostgreSQL's json keeps text as written: a lone surrogate escape and a
 * few thousand levels of nesting are accepted there (jsonb refuses the
 * first), so json accepts them here too. */
static void test_json_as_postgresql_json_takes_it(void) {
        static const char *const lone[] = { "[\"\\ud800\"]", "\"\\udc00 x\"", "\"\\ud800\\u0041\"" };
        for (size_t i = 0; i < sizeof(lone) / sizeof(lone[0]); i++) {
                _cleanup_strbuf_ struct strbuf out = {};
                const char *reason = NULL;
                CHECK(json_check(lone[i], strlen(lone[i]), false, &out, &reason) == 0);
                CHECK(json_check(lone[i], strlen(lone[i]), true, &out, &reason) == -EINVAL);
                CHECK_CONTAINS(reason, "surrogate");
        }
        char deep[4002];
        memset(deep, '[', 1500);
        memset(deep + 1500, ']', 1500);
        _cleanup_strbuf_ struct strbuf out = {};
        const char *reason = NULL;
        CHECK(json_check(deep, 3000, false, &out, &reason) == 0);
        memset(deep, '[', 2001);
        memset(deep + 2001, ']', 2001);
        CHECK(json_check(deep, 4002, false, &out, &reason) == -EINVAL);
        CHECK_CONTAINS(reason, "nested too deeply");
}

int main(void) {
        RUN(test_jsonb_text_as_postgresql_prints_it);
        RUN(test_json_as_postgresql_json_takes_it);
        RUN(test_json_only_checks);
        RUN(test_invalid);
        TAP_END();
}

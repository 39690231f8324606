/* SHA-256, and value_equal() between a value and the digest a target gave
 * for it (large values are verified that way). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/cleanup.h"
#include "migrate/sha256.h"
#include "migrate/value.h"
#include "tap.h"

static const char *hex(const unsigned char d[SHA256_DIGEST_SIZE]) {
        static char s[2 * SHA256_DIGEST_SIZE + 1];
        for (int i = 0; i < SHA256_DIGEST_SIZE; i++)
                snprintf(s + 2 * i, 3, "%02x", d[i]);
        return s;
}

/* FIPS 180-4 examples (and the empty message). */
static void test_known_digests(void) {
        unsigned char d[SHA256_DIGEST_SIZE];
        sha256("", 0, d);
        CHECK_STREQ(hex(d), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        sha256("abc", 3, d);
        CHECK_STREQ(hex(d), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
        sha256(two, strlen(two), d);
        CHECK_STREQ(hex(d), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        /* One million 'a', fed in uneven pieces across block boundaries. */
        struct sha256 c;
        sha256_init(&c);
        char a[1000];
        memset(a, 'a', sizeof(a));
        for (size_t done = 0, step = 1; done < 1000000; done += step, step = step % 997 + 1)
                sha256_update(&c, a, done + step > 1000000 ? 1000000 - done : step);
        sha256_final(&c, d);
        CHECK_STREQ(hex(d), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void test_value_against_digest(void) {
        unsigned char d[SHA256_DIGEST_SIZE];
        sha256("abc", 3, d);
        struct value digest = { .kind = VALUE_DIGEST, .s = (const char *) d, .n = 3 };
        struct value blob = { .kind = VALUE_BLOB, .s = "abc", .n = 3 };
        struct value text = { .kind = VALUE_TEXT, .s = "abc", .n = 3 };
        struct value other = { .kind = VALUE_BLOB, .s = "abd", .n = 3 };
        struct value longer = { .kind = VALUE_BLOB, .s = "abcd", .n = 4 };
        struct value number = { .kind = VALUE_INT, .i = 3 };
        CHECK(value_equal(&blob, &digest));
        CHECK(value_equal(&digest, &text));
        CHECK(!value_equal(&other, &digest));
        CHECK(!value_equal(&digest, &longer));
        CHECK(!value_equal(&number, &digest));
        struct value wrong_length = digest;
        wrong_length.n = 4;
        CHECK(!value_equal(&blob, &wrong_length));
        _cleanup_free_ char *s = value_describe(&digest);
        CHECK_CONTAINS(s, "a value of 3 bytes SHA-256 ba7816bf");
}

int main(void) {
        RUN(test_known_digests);
        RUN(test_value_against_digest);
        TAP_END();
}

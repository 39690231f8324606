/* SHA-256 (FIPS 180-4), so a value too large to read back whole can be
 * compared with the digest the PostgreSQL server computes of it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32

struct sha256 {
        uint32_t h[8];
        uint64_t length; /* bytes hashed so far */
        unsigned char block[64];
        size_t used; /* bytes waiting in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t n);
void sha256_final(struct sha256 *c, unsigned char out[static SHA256_DIGEST_SIZE]);
void sha256(const void *data, size_t n, unsigned char out[static SHA256_DIGEST_SIZE]);

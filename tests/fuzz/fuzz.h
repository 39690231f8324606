/* Shared by the fuzz targets (tests/fuzz/fuzz-*.c).  Each target defines
 * LLVMFuzzerTestOneInput(); with clang it is linked with libFuzzer, with any
 * compiler also with replay-main.c, which runs it over the seed corpus.
 * A broken property aborts, which both drivers report as a finding. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, ...)                                                   \
        do {                                                                    \
                if (!(cond)) {                                                  \
                        fprintf(stderr, "%s:%d: property broken: %s: ", __FILE__, __LINE__, #cond); \
                        fprintf(stderr, __VA_ARGS__);                           \
                        fputc('\n', stderr);                                    \
                        abort();                                                \
                }                                                               \
        } while (0)

/* The input as a C string: up to its first NUL byte. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                abort();
        memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

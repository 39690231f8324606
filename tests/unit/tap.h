/* A minimal TAP producer: meson runs each unit program with protocol 'tap',
 * so every case shows up by name and a failing check names file and line. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count __attribute__((unused)), tap_failed_cases __attribute__((unused));
static bool tap_case_failed __attribute__((unused));

#define CHECK(cond)                                                                     \
        do {                                                                            \
                if (!(cond)) {                                                          \
                        printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
                        tap_case_failed = true;                                         \
                }                                                                       \
        } while (0)

#define CHECK_STREQ(a, b)                                                                           \
        do {                                                                                        \
                const char *_a = (a), *_b = (b);                                                    \
                if (!_a || !_b || strcmp(_a, _b) != 0) {                                            \
                        printf("# %s:%d: %s == %s\n#   got:      \"%s\"\n#   expected: \"%s\"\n", \
                               __FILE__, __LINE__, #a, #b, _a ? _a : "(null)", _b ? _b : "(null)");  \
                        tap_case_failed = true;                                                     \
                }                                                                                   \
        } while (0)

#define CHECK_CONTAINS(hay, needle)                                                                   \
        do {                                                                                          \
                const char *_h = (hay), *_n = (needle);                                               \
                if (!_h || !strstr(_h, _n)) {                                                         \
                        printf("# %s:%d: \"%s\" should contain \"%s\"\n", __FILE__, __LINE__,       \
                               _h ? _h : "(null)", _n);                                               \
                        tap_case_failed = true;                                                       \
                }                                                                                     \
        } while (0)

#define CHECK_NOT_CONTAINS(hay, needle)                                                               \
        do {                                                                                          \
                const char *_h = (hay), *_n = (needle);                                               \
                if (_h && strstr(_h, _n)) {                                                           \
                        printf("# %s:%d: \"%s\" must not contain \"%s\"\n", __FILE__, __LINE__, _h, _n); \
                        tap_case_failed = true;                                                       \
                }                                                                                     \
        } while (0)

#define RUN(fn)                                                                   \
        do {                                                                      \
                tap_case_failed = false;                                          \
                fn();                                                             \
                printf("%s %d - %s\n", tap_case_failed ? "not ok" : "ok", ++tap_count, #fn); \
                if (tap_case_failed)                                              \
                        tap_failed_cases++;                                       \
                fflush(stdout);                                                   \
        } while (0)

#define TAP_END()                                        \
        do {                                                 \
                printf("1..%d\n", tap_count);                \
                return tap_failed_cases ? EXIT_FAILURE : 0;  \
        } while (0)

/* NULL-terminated string vectors, for lists of notices and parameters. */
#pragma once

#include <stddef.h>

size_t strv_length(char *const *v);
/* Append a copy of s. */
int strv_push(char ***v, const char *s);
/* Append s itself; it is freed on failure. */
int strv_consume(char ***v, char *s);
void strv_free(char **v);
static inline void strv_freep(char ***v) {
        strv_free(*v);
}

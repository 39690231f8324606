#include "migrate/strv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t strv_length(char *const *v) {
        size_t n = 0;
        while (v && v[n])
                n++;
        return n;
}

int strv_consume(char ***v, char *s) {
        if (!s)
                return -ENOMEM;
        size_t n = strv_length(*v);
        char **w = reallocarray(*v, n + 2, sizeof(char *));
        if (!w) {
                free(s);
                return -ENOMEM;
        }
        w[n] = s;
        w[n + 1] = NULL;
        *v = w;
        return 0;
}

int strv_push(char ***v, const char *s) {
        return strv_consume(v, strdup(s));
}

void strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

#include "migrate/pg_params.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "migrate/strbuf.h"
#include "migrate/strv.h"

int pg_params_set(struct pg_params *p, const char *keyword, const char *value) {
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (strcmp(p->keywords[i], keyword) == 0) {
                        char *v = strdup(value);
                        if (!v)
                                return -ENOMEM;
                        free(p->values[i]);
                        p->values[i] = v;
                        return 0;
                }
        int r = strv_push(&p->keywords, keyword);
        if (r < 0)
                return r;
        return strv_push(&p->values, value);
}

const char *pg_params_get(const struct pg_params *p, const char *keyword) {
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (strcmp(p->keywords[i], keyword) == 0)
                        return p->values[i];
        return NULL;
}

static bool is_secret(const char *keyword) {
        return strstr(keyword, "password") != NULL;
}

char *pg_params_describe(const struct pg_params *p) {
        struct strbuf b = {};
        for (size_t i = 0; p->keywords && p->keywords[i]; i++) {
                if (is_secret(p->keywords[i]))
                        continue;
                if (strbuf_printf(&b, "%s%s=%s", b.len ? " " : "", p->keywords[i], p->values[i]) < 0) {
                        strbuf_done(&b);
                        return NULL;
                }
        }
        return strbuf_steal(&b);
}

void pg_params_done(struct pg_params *p) {
        /* Wipe secrets before freeing: the worker may dump core later. */
        for (size_t i = 0; p->keywords && p->keywords[i]; i++)
                if (is_secret(p->keywords[i]) && p->values[i])
                        explicit_bzero(p->values[i], strlen(p->values[i]));
        strv_free(p->keywords);
        strv_free(p->values);
        *p = (struct pg_params) {};
}

/* A parser for the gcfg (git-config-like) file format, with nothing
 * product-specific in it.  Names are case-insensitive and '-' matches '_';
 * subsection names are case-sensitive.  A repeated section adds to the first,
 * a repeated variable makes a list whose last value wins. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct gcfg_section {
        char *name;
        char *subsection; /* NULL for [name] */
        unsigned line;
};

struct gcfg_entry {
        const struct gcfg_section *section;
        char *name;
        char *value; /* NULL for a bare "Name" without '=' */
        unsigned line;
};

struct gcfg {
        char *path;
        struct gcfg_section **sections;
        size_t n_sections;
        struct gcfg_entry *entries;
        size_t n_entries;
};

/* Parse a buffer; "path" is used in error messages.  On error returns a
 * negative errno and "FILE:LINE: what is wrong" in *ret_error. */
int gcfg_parse(const char *path, const char *data, size_t size, struct gcfg **ret, char **ret_error);
/* Read and parse a file. */
int gcfg_load(const char *path, struct gcfg **ret, char **ret_error);
/* Read and parse an open file; "path" names it in messages.  A setgid
 * caller opens the file with the caller's rights and passes the descriptor,
 * so that what is read is what was checked. */
int gcfg_load_fd(int fd, const char *path, struct gcfg **ret, char **ret_error);
/* The message for a file that open() refused with errno e. */
char *gcfg_open_error(const char *path, int e);
void gcfg_free(struct gcfg *c);
static inline void gcfg_freep(struct gcfg **c) {
        if (*c)
                gcfg_free(*c);
}

/* Case-insensitive comparison where '-' and '_' are the same letter. */
bool gcfg_name_eq(const char *a, const char *b);

bool gcfg_has_section(const struct gcfg *c, const char *section, const char *subsection);
/* The last assignment of a variable, or NULL. */
const struct gcfg_entry *gcfg_find(const struct gcfg *c, const char *section, const char *subsection,
                                   const char *name);
/* Booleans: true/yes/on/1, false/no/off/0 in any case, bare = true, blank = false. */
int gcfg_entry_bool(const struct gcfg *c, const struct gcfg_entry *e, bool *ret, char **ret_error);

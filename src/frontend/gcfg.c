/* gcfg parser: one pass over the bytes, tracking the line for every error. */
#include "migrate/gcfg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "migrate/cleanup.h"
#include "migrate/strbuf.h"
#include "migrate/utf8.h"

#define GCFG_MAX_SIZE (16u * 1024 * 1024)

struct scanner {
        const char *path;
        const char *p, *end;
        unsigned line;
        char **error;
};

static int fail(struct scanner *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct scanner *s, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        _cleanup_free_ char *msg = strdup_vprintf(fmt, ap);
        va_end(ap);
        free(*s->error);
        *s->error = strdup_printf("%s:%u: %s", s->path, s->line, msg ? msg : "out of memory");
        return -EINVAL;
}

static bool at_eol(const struct scanner *s) {
        return s->p >= s->end || *s->p == '\n';
}

static void skip_blanks(struct scanner *s) {
        while (s->p < s->end && (*s->p == ' ' || *s->p == '\t'))
                s->p++;
}

static void skip_to_eol(struct scanner *s) {
        while (!at_eol(s))
                s->p++;
}

static bool is_name_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(char c) {
        return is_name_start(c) || (c >= '0' && c <= '9') || c == '-';
}

/* One character, printable in a message: 'x' or \xNN. */
static const char *show_char(char c, char buf[static 8]) {
        if (c == '\n')
                return "end of line";
        if ((unsigned char) c < 0x20 || (unsigned char) c >= 0x7f)
                snprintf(buf, 8, "\\x%02x", (unsigned char) c);
        else
                snprintf(buf, 8, "'%c'", c);
        return buf;
}

/* The same without quotes, to follow a backslash in a message. */
static const char *show_escape(char c, char buf[static 8]) {
        if ((unsigned char) c < 0x20 || (unsigned char) c >= 0x7f)
                snprintf(buf, 8, "x%02x", (unsigned char) c);
        else
                snprintf(buf, 8, "%c", c);
        return buf;
}

static char fold_name_char(char c) {
        if (c == '_')
                return '-';
        if (c >= 'A' && c <= 'Z')
                return (char) (c + ('a' - 'A'));
        return c;
}

bool gcfg_name_eq(const char *a, const char *b) {
        for (;; a++, b++) {
                if (fold_name_char(*a) != fold_name_char(*b))
                        return false;
                if (!*a)
                        return true;
        }
}

/* Reads [A-Za-z][A-Za-z0-9-]* ; "what" names it in the error. */
static int scan_name(struct scanner *s, const char *what, char **ret) {
        const char *start = s->p;
        char buf[8];
        if (s->p >= s->end || !is_name_start(*s->p))
                return fail(s, "invalid %s name: it must start with a letter, found %s", what,
                            s->p >= s->end ? "end of file" : show_char(*s->p, buf));
        while (s->p < s->end && is_name_char(*s->p))
                s->p++;
        *ret = strndup(start, (size_t) (s->p - start));
        return *ret ? 0 : -ENOMEM;
}

/* After a header or value: only blanks and an optional comment may follow. */
static int expect_eol(struct scanner *s, const char *after) {
        char buf[8];
        skip_blanks(s);
        if (s->p < s->end && (*s->p == ';' || *s->p == '#'))
                skip_to_eol(s);
        if (!at_eol(s))
                return fail(s, "unexpected %s after %s", show_char(*s->p, buf), after);
        return 0;
}

static int scan_subsection(struct scanner *s, char **ret) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        char buf[8];
        int r;

        s->p++; /* opening quote */
        for (;;) {
                if (at_eol(s))
                        return fail(s, "unterminated quote in section header: add the closing '\"'");
                char c = *s->p++;
                if (c == '"')
                        break;
                if (c == '\\') {
                        if (at_eol(s))
                                return fail(s, "'\\' at the end of a section header");
                        c = *s->p++;
                        if (c != '"' && c != '\\')
                                return fail(s, "unknown escape '\\%s' in a subsection name: only \\\\ and \\\" are allowed",
                                            show_escape(c, buf));
                }
                r = strbuf_putc(&b, c);
                if (r < 0)
                        return r;
        }
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

static int add_section(struct gcfg *c, char *name, char *sub, unsigned line) {
        /* A repeated section adds to the first one. */
        for (size_t i = 0; i < c->n_sections; i++) {
                struct gcfg_section *x = c->sections[i];
                if (gcfg_name_eq(x->name, name) &&
                    ((!x->subsection && !sub) || (x->subsection && sub && strcmp(x->subsection, sub) == 0))) {
                        free(name);
                        free(sub);
                        /* Move it to the end so the parser's "current section" is last. */
                        memmove(c->sections + i, c->sections + i + 1, (c->n_sections - i - 1) * sizeof(*c->sections));
                        c->sections[c->n_sections - 1] = x;
                        return 0;
                }
        }
        struct gcfg_section **v = reallocarray(c->sections, c->n_sections + 1, sizeof(*v));
        struct gcfg_section *x = calloc(1, sizeof(*x));
        if (v)
                c->sections = v;
        if (!v || !x) {
                free(x);
                free(name);
                free(sub);
                return -ENOMEM;
        }
        *x = (struct gcfg_section) { .name = name, .subsection = sub, .line = line };
        c->sections[c->n_sections++] = x;
        return 0;
}

static int scan_section_header(struct scanner *s, struct gcfg *c) {
        _cleanup_free_ char *name = NULL, *sub = NULL;
        unsigned line = s->line;
        char buf[8];
        int r;

        s->p++; /* '[' */
        skip_blanks(s);
        r = scan_name(s, "section", &name);
        if (r < 0)
                return r;
        if (s->p < s->end && (*s->p == ' ' || *s->p == '\t')) {
                skip_blanks(s);
                if (s->p < s->end && *s->p == '"') {
                        r = scan_subsection(s, &sub);
                        if (r < 0)
                                return r;
                }
                skip_blanks(s);
        }
        if (at_eol(s))
                return fail(s, "bad section header: missing ']'");
        if (*s->p != ']')
                return fail(s, "bad section header: unexpected %s, expected ']' or a quoted subsection name",
                            show_char(*s->p, buf));
        s->p++;
        r = expect_eol(s, "section header");
        if (r < 0)
                return r;
        return add_section(c, TAKE_PTR(name), TAKE_PTR(sub), line);
}

/* A value: quotes toggle, escapes \\ \" \n \t, a line-ending '\' continues an
 * unquoted value, ';' and '#' start a comment outside quotes, unquoted blanks
 * at either end are trimmed. */
static int scan_value(struct scanner *s, char **ret) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        size_t keep = 0; /* length without trailing unquoted blanks */
        bool quoted = false;
        unsigned quote_line = 0;
        char buf[8];
        int r;

        skip_blanks(s);
        for (;;) {
                if (at_eol(s)) {
                        if (quoted)
                                return fail(s, "unterminated quote (opened on line %u): add the closing '\"'", quote_line);
                        break;
                }
                char c = *s->p++;
                if (c == '"') {
                        quoted = !quoted;
                        quote_line = s->line;
                        keep = b.len;
                        continue;
                }
                if (!quoted && (c == ';' || c == '#')) {
                        skip_to_eol(s);
                        break;
                }
                if (c == '\\') {
                        if (s->p >= s->end)
                                return fail(s, "'\\' at the end of the file: a backslash must be followed by a newline, \\, \", n or t");
                        c = *s->p++;
                        if (c == '\n') {
                                if (quoted)
                                        return fail(s, "unterminated quote (opened on line %u): a quoted value cannot continue on the next line",
                                                    quote_line);
                                s->line++;
                                continue;
                        }
                        switch (c) {
                        case 'n': c = '\n'; break;
                        case 't': c = '\t'; break;
                        case '\\':
                        case '"': break;
                        default:
                                return fail(s, "unknown escape '\\%s': only \\\\, \\\", \\n, \\t and a '\\' at the end of a line are allowed",
                                            show_escape(c, buf));
                        }
                        r = strbuf_putc(&b, c);
                        if (r < 0)
                                return r;
                        keep = b.len;
                        continue;
                }
                r = strbuf_putc(&b, c);
                if (r < 0)
                        return r;
                if (quoted || (c != ' ' && c != '\t'))
                        keep = b.len;
        }
        if (b.data)
                b.data[keep] = '\0';
        *ret = strbuf_steal(&b);
        return *ret ? 0 : -ENOMEM;
}

static int add_entry(struct gcfg *c, char *name, char *value, unsigned line) {
        struct gcfg_entry *v = reallocarray(c->entries, c->n_entries + 1, sizeof(*v));
        if (!v) {
                free(name);
                free(value);
                return -ENOMEM;
        }
        c->entries = v;
        c->entries[c->n_entries++] = (struct gcfg_entry) {
                .section = c->sections[c->n_sections - 1],
                .name = name,
                .value = value,
                .line = line,
        };
        return 0;
}

static int scan_variable(struct scanner *s, struct gcfg *c) {
        _cleanup_free_ char *name = NULL, *value = NULL;
        unsigned line = s->line;
        char buf[8];
        int r;

        r = scan_name(s, "variable", &name);
        if (r < 0)
                return r;
        if (c->n_sections == 0)
                return fail(s, "variable '%s' comes before any [section] header: put it under its section, e.g. [Postgres]",
                            name);
        skip_blanks(s);
        if (s->p < s->end && *s->p == '=') {
                s->p++;
                r = scan_value(s, &value);
                if (r < 0)
                        return r;
        } else {
                /* A bare name (a boolean set to true) may only be followed by a comment. */
                if (!at_eol(s) && *s->p != ';' && *s->p != '#')
                        return fail(s, "unexpected %s after variable name '%s': expected '='", show_char(*s->p, buf), name);
                skip_to_eol(s);
        }
        return add_entry(c, TAKE_PTR(name), TAKE_PTR(value), line);
}

/* Reject what a text configuration file never contains, naming the line. */
static int check_bytes(struct scanner *s) {
        const char *p = s->p;
        s->line = 1;
        while (p < s->end) {
                unsigned char c = (unsigned char) *p;
                if (c == '\0')
                        return fail(s, "NUL byte in the file: is it a text configuration file?");
                if (c == '\r' && !(p + 1 < s->end && p[1] == '\n') && p + 1 != s->end)
                        return fail(s, "carriage return in the middle of a line");
                size_t n = utf8_sequence_length(p, (size_t) (s->end - p));
                if (n == 0)
                        return fail(s, "invalid UTF-8 byte \\x%02x: save the file as UTF-8", c);
                if (c == '\n')
                        s->line++;
                p += n;
        }
        return 0;
}

int gcfg_parse(const char *path, const char *data, size_t size, struct gcfg **ret, char **ret_error) {
        _cleanup_(gcfg_freep) struct gcfg *c = NULL;
        _cleanup_free_ char *text = NULL;
        struct scanner s = { .path = path, .error = ret_error, .line = 1 };
        int r;

        *ret_error = NULL;
        /* A UTF-8 byte order mark is allowed and skipped. */
        if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
                data += 3;
                size -= 3;
        }
        s.p = data;
        s.end = data + size;
        r = check_bytes(&s);
        if (r < 0)
                return r;

        /* Work on a copy without carriage returns: CRLF files parse like LF files. */
        text = malloc(size + 1);
        if (!text)
                return -ENOMEM;
        size_t n = 0;
        for (size_t i = 0; i < size; i++)
                if (data[i] != '\r')
                        text[n++] = data[i];
        text[n] = '\0';

        c = calloc(1, sizeof(*c));
        if (!c || !(c->path = strdup(path)))
                return -ENOMEM;

        s.p = text;
        s.end = text + n;
        s.line = 1;
        while (s.p < s.end) {
                r = 0;
                skip_blanks(&s);
                if (s.p < s.end && (*s.p == ';' || *s.p == '#'))
                        skip_to_eol(&s);
                else if (s.p < s.end && *s.p == '[')
                        r = scan_section_header(&s, c);
                else if (!at_eol(&s))
                        r = scan_variable(&s, c);
                if (r < 0)
                        return r;
                if (s.p < s.end) {
                        s.p++; /* the newline */
                        s.line++;
                }
        }
        *ret = TAKE_PTR(c);
        return 0;
}

char *gcfg_open_error(const char *path, int e) {
        return strdup_printf("%s: cannot open the configuration file: %s%s", path, strerror(e),
                             e == EACCES ? " (run as root or as a member of the server's group)"
                             : e == ENOENT ? " (give the right file with --config FILE)" : "");
}

int gcfg_load(const char *path, struct gcfg **ret, char **ret_error) {
        *ret_error = NULL;
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0) {
                int e = errno;
                *ret_error = gcfg_open_error(path, e);
                return -e;
        }
        return gcfg_load_fd(fd, path, ret, ret_error);
}

int gcfg_load_fd(int fd, const char *path, struct gcfg **ret, char **ret_error) {
        _cleanup_(strbuf_done) struct strbuf b = {};
        struct stat st;
        char chunk[65536];

        *ret_error = NULL;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode)) {
                *ret_error = strdup_printf("%s: is a directory, not a configuration file: give the .gcfg file with --config FILE", path);
                return -EISDIR;
        }
        for (;;) {
                ssize_t n = read(fd, chunk, sizeof(chunk));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = errno;
                        *ret_error = strdup_printf("%s: cannot read the configuration file: %s", path, strerror(e));
                        return -e;
                }
                if (n == 0)
                        break;
                if (strbuf_append(&b, chunk, (size_t) n) < 0)
                        return -ENOMEM;
                if (b.len > GCFG_MAX_SIZE) {
                        *ret_error = strdup_printf("%s: larger than %u MiB: is this really a configuration file?", path,
                                                   GCFG_MAX_SIZE >> 20);
                        return -EFBIG;
                }
        }
        return gcfg_parse(path, b.data ? b.data : "", b.len, ret, ret_error);
}

void gcfg_free(struct gcfg *c) {
        for (size_t i = 0; i < c->n_entries; i++) {
                free(c->entries[i].name);
                free(c->entries[i].value);
        }
        for (size_t i = 0; i < c->n_sections; i++) {
                free(c->sections[i]->name);
                free(c->sections[i]->subsection);
                free(c->sections[i]);
        }
        free(c->entries);
        free(c->sections);
        free(c->path);
        free(c);
}

static bool section_matches(const struct gcfg_section *x, const char *section, const char *subsection) {
        if (!gcfg_name_eq(x->name, section))
                return false;
        if (!subsection || !x->subsection)
                return !subsection && !x->subsection;
        return strcmp(x->subsection, subsection) == 0;
}

bool gcfg_has_section(const struct gcfg *c, const char *section, const char *subsection) {
        for (size_t i = 0; i < c->n_sections; i++)
                if (section_matches(c->sections[i], section, subsection))
                        return true;
        return false;
}

const struct gcfg_entry *gcfg_find(const struct gcfg *c, const char *section, const char *subsection,
                                   const char *name) {
        for (size_t i = c->n_entries; i > 0; i--) {
                const struct gcfg_entry *e = &c->entries[i - 1];
                if (gcfg_name_eq(e->name, name) && section_matches(e->section, section, subsection))
                        return e;
        }
        return NULL;
}

int gcfg_entry_bool(const struct gcfg *c, const struct gcfg_entry *e, bool *ret, char **ret_error) {
        static const char *const yes[] = { "true", "yes", "on", "1" }, *const no[] = { "false", "no", "off", "0", "" };

        if (!e->value) {
                *ret = true;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                if (strcasecmp(e->value, yes[i]) == 0) {
                        *ret = true;
                        return 0;
                }
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                if (strcasecmp(e->value, no[i]) == 0) {
                        *ret = false;
                        return 0;
                }
        *ret_error = strdup_printf("%s:%u: %s.%s = \"%s\" is not a boolean: use true or false", c->path, e->line,
                                   e->section->name, e->name, e->value);
        return -EINVAL;
}

#include "engine_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "migrate/strv.h"

int fixture_init(struct engine_fixture *f) {
        *f = (struct engine_fixture) {};
        f->source = mem_db_new("in-memory source");
        f->target = mem_db_new("in-memory target");
        if (!f->source || !f->target)
                return -ENOMEM;
        progress_init(&f->progress, false, false);
        f->e = (struct engine) {
                .source = &f->source->db,
                .target = &f->target->db,
                .map = &f->map,
                .progress = &f->progress,
                .name = "main",
                .max_reported = 20,
        };
        return 0;
}

int fixture_add_table(struct engine_fixture *f, const char *name, size_t n, const char *const *columns,
                      const enum col_type *types, const char *const *pk) {
        int r = mem_db_add_table(f->source, name, n, columns, types, pk);
        return r < 0 ? r : mem_db_add_table(f->target, name, n, columns, types, pk);
}

int fixture_map(struct engine_fixture *f) {
        char **problems = NULL;
        int r = f->source->db.ops->read_catalog(&f->source->db, &f->source_catalog);
        if (r >= 0)
                r = f->target->db.ops->read_catalog(&f->target->db, &f->target_catalog);
        if (r >= 0)
                r = mapping_build(f->source_catalog, f->target_catalog, &f->map, &problems);
        for (char **p = problems; p && *p; p++)
                printf("# mapping: %s\n", *p);
        strv_free(problems);
        return r;
}

void fixture_done(struct engine_fixture *f) {
        mapping_done(&f->map);
        if (f->source_catalog)
                catalog_free(f->source_catalog);
        if (f->target_catalog)
                catalog_free(f->target_catalog);
        mem_db_free(f->source);
        mem_db_free(f->target);
        *f = (struct engine_fixture) {};
}

static int saved_stderr = -1, capture_fd = -1;

int capture_start(void) {
        fflush(stderr);
        capture_fd = memfd_create("stderr", 0);
        saved_stderr = dup(STDERR_FILENO);
        if (capture_fd < 0 || saved_stderr < 0 || dup2(capture_fd, STDERR_FILENO) < 0)
                return -errno;
        return 0;
}

char *capture_end(void) {
        fflush(stderr);
        dup2(saved_stderr, STDERR_FILENO);
        close(saved_stderr);
        off_t size = lseek(capture_fd, 0, SEEK_END);
        char *text = calloc(size > 0 ? (size_t) size + 1 : 1, 1);
        if (text && size > 0 && pread(capture_fd, text, (size_t) size, 0) != size) {
                free(text);
                text = NULL;
        }
        close(capture_fd);
        saved_stderr = capture_fd = -1;
        /* Shown in the TAP output too, as comments, for whoever reads a failure. */
        for (const char *p = text; p && *p;) {
                size_t len = strcspn(p, "\n");
                printf("# | %.*s\n", (int) len, p);
                p += len + (p[len] == '\n');
        }
        return text;
}

size_t count_occurrences(const char *hay, const char *needle) {
        size_t n = 0;
        for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

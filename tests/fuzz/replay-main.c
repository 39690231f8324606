/* Without libFuzzer (gcc builds): run a fuzz target once over each file
 * named on the command line or found in a directory named there, so the
 * seed corpus and every regression input run in every build type. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        size_t cap = 4096, len = 0;
        uint8_t *buf = malloc(cap);
        for (size_t n; buf && (n = fread(buf + len, 1, cap - len, f)) > 0;) {
                len += n;
                if (len == cap) {
                        uint8_t *b = realloc(buf, cap *= 2);
                        if (!b)
                                free(buf);
                        buf = b;
                }
        }
        int failed = ferror(f);
        fclose(f);
        if (!buf || failed) {
                fprintf(stderr, "%s: cannot read it\n", path);
                free(buf);
                return -EIO;
        }
        /* An exact-size copy, so ASan sees any read past the input. */
        uint8_t *exact = malloc(len ? len : 1);
        if (!exact) {
                free(buf);
                return -ENOMEM;
        }
        memcpy(exact, buf, len);
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
        printf("ran %s\n", path);
        return 1;
}

static int run_path(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path);
        struct dirent **names;
        int n = scandir(path, &names, NULL, alphasort), total = 0;
        if (n < 0) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                return -errno;
        }
        for (int i = 0; i < n; i++) {
                if (names[i]->d_name[0] != '.' && total >= 0) {
                        char *child = NULL;
                        if (asprintf(&child, "%s/%s", path, names[i]->d_name) < 0)
                                total = -ENOMEM;
                        else {
                                int r = run_path(child);
                                total = r < 0 ? r : total + r;
                        }
                        free(child);
                }
                free(names[i]);
        }
        free(names);
        return total;
}

int main(int argc, char **argv) {
        int total = 0;
        for (int i = 1; i < argc; i++) {
                int r = run_path(argv[i]);
                if (r < 0)
                        return 1;
                total += r;
        }
        if (total == 0) {
                fprintf(stderr, "no input to run: give corpus files or directories\n");
                return 1;
        }
        printf("%d inputs ran without a finding\n", total);
        return 0;
}

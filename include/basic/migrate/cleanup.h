/* Scope-bound cleanup: a variable declared _cleanup_free_ is freed when it
 * leaves scope, so error paths need no goto ladder. */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_fclose_ _cleanup_(fclosep)
#define _cleanup_close_ _cleanup_(closep)

static inline void freep(void *p) {
        free(*(void **) p);
}

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

/* Hand a pointer out of a cleanup scope: returns it and clears the variable. */
#define TAKE_PTR(p)                              \
        ({                                       \
                __typeof__(p) _taken_ = (p);     \
                (p) = NULL;                      \
                _taken_;                         \
        })

/* The same for a file descriptor: returns it and leaves -EBADF behind. */
#define TAKE_FD(fd)                              \
        ({                                       \
                int _taken_fd_ = (fd);           \
                (fd) = -EBADF;                   \
                _taken_fd_;                      \
        })

/* Declare "void name##p(type **)" that calls func on a non-NULL pointer. */
#define DEFINE_POINTER_CLEANUP(type, func)             \
        static inline void func##p(type **p) {         \
                if (*p)                                \
                        func(*p);                      \
        }

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

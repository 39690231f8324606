#include "migrate/output.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "migrate/exit_status.h"

static int failure[3]; /* errno of the first failed write to fd 1 and 2 */

void output_failed(int fd, int e) {
        if (fd >= 1 && fd <= 2 && failure[fd] == 0)
                failure[fd] = e ? e : EIO;
}

static void check_stream(FILE *f, int fd) {
        errno = 0;
        if (fflush(f) != 0 || ferror(f))
                output_failed(fd, errno);
}

int output_finish(bool succeeded) {
        check_stream(stdout, STDOUT_FILENO);
        check_stream(stderr, STDERR_FILENO);
        if (!failure[1] && !failure[2])
                return 0;
        if (!succeeded)
                return 0; /* the run's own failure says more than the lost output */
        /* Say it where it can still be read; if both are gone, the status says it. */
        int fd = failure[2] ? STDOUT_FILENO : STDERR_FILENO;
        if (!failure[fd]) {
                char msg[512];
                int n = snprintf(msg, sizeof(msg),
                                 "migrate: error: cannot write to standard %s (%s): the output was cut short, but the "
                                 "command itself completed successfully (a migration is committed, a --verify found no "
                                 "difference); exit status %d (man migrate, OUTPUT)\n",
                                 failure[1] ? "output" : "error", strerror(failure[1] ? failure[1] : failure[2]),
                                 EXIT_STATUS_OUTPUT);
                if (n > 0) {
                        ssize_t w = write(fd, msg, (size_t) n < sizeof(msg) ? (size_t) n : sizeof(msg) - 1);
                        (void) w; /* nothing left to tell a failure on */
                }
        }
        return -ERR_OUTPUT;
}

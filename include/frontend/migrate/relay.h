/* The front end's side of the worker's output.  The worker has no terminal:
 * its stdout and stderr are pipes that the front end copies to its own, so
 * nothing the worker does reaches the administrator's terminal except text.
 * Control bytes are shown escaped (\xNN), except newline, tab, carriage
 * return and the one sequence the progress bar uses (ESC [ K); so is
 * invalid UTF-8 and C1 controls.  A write that fails (a closed pipe) is
 * recorded with output_failed() and the rest is discarded: the worker is
 * never blocked nor killed by its readers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Escape "len" bytes of "in" into "out" (room for 4 * len bytes).  Unless
 * "final", a tail that may be the start of an allowed sequence is left for
 * the next call; returns the number of input bytes consumed, and the bytes
 * written in *ret_out_len. */
size_t relay_filter(const char *in, size_t len, bool final, char *out, size_t *ret_out_len);

/* Copy the worker's stdout (out_fd) and stderr (err_fd) to fds 1 and 2
 * until it has exited and both pipes are drained.  Closes both fds. */
int relay_run(pid_t worker, int out_fd, int err_fd);

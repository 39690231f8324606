/* Did what migrate printed reach its reader?  SIGPIPE is ignored: a closed
 * output (migrate database | head -1) never kills migrate nor changes what it
 * does to the databases; it is reported by the exit status instead. */
#pragma once

#include <stdbool.h>

/* Remember that writing to fd 1 or 2 failed with errno "e". */
void output_failed(int fd, int e);
/* At the end, after flushing: -ECOMM (ERR_OUTPUT, exit 74) when the run
 * succeeded but its output could not be written in full (said on whichever
 * of stdout and stderr still works); else 0. */
int output_finish(bool succeeded);

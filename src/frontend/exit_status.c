/* The one place an error becomes an exit status (table in exit_status.h). */
#include "migrate/exit_status.h"

#include <signal.h>

int exit_status_from_error(int r, int signal) {
        if (r >= 0)
                return EXIT_STATUS_OK;
        switch (-r) {
        case ERR_USAGE:
                return EXIT_STATUS_USAGE;
        case ERR_MISMATCH:
                return EXIT_STATUS_MISMATCH;
        case ERR_NOT_EMPTY:
                return EXIT_STATUS_NOT_EMPTY;
        case ERR_BUSY:
                return EXIT_STATUS_BUSY;
        case ERR_INCOMPLETE:
                return EXIT_STATUS_INCOMPLETE;
        case ERR_DATA:
                return EXIT_STATUS_DATA;
        case ERR_SOURCE:
                return EXIT_STATUS_SOURCE;
        case ERR_OUTPUT:
                return EXIT_STATUS_OUTPUT;
        case ERR_NOT_PERMITTED:
                return EXIT_STATUS_NOT_PERMITTED;
        case ERR_CONFIG:
                return EXIT_STATUS_CONFIG;
        case ERR_INTERRUPTED:
                /* A shell's 128 + N; SIGINT when the signal is not known (a wait cut short). */
                return EXIT_STATUS_SIGNAL_BASE + (signal > 0 && signal < 128 ? signal : SIGINT);
        default:
                return EXIT_STATUS_FAILED;
        }
}

/* Exit statuses: documented in man/migrate.1 and kept stable.
 *
 * Errors travel up as a negative errno (the message already said, or held
 * by the caller's context: README, "Errors"); the exit status is decided in
 * one place, exit_status_from_error(), from the errno alone.  Each status has
 * exactly one errno; every other errno is a plain failure (1):
 *
 *   errno          exit status
 *   0              0   EXIT_STATUS_OK
 *   (any other)    1   EXIT_STATUS_FAILED
 *   EBADRQC        2   EXIT_STATUS_USAGE          an invalid request: the command line
 *   EBADE          3   EXIT_STATUS_MISMATCH       "invalid exchange": source and target differ
 *   ENOTEMPTY      4   EXIT_STATUS_NOT_EMPTY      the target holds data
 *   EBUSY          5   EXIT_STATUS_BUSY           the server runs, or others use or lock a database
 *   EINPROGRESS    6   EXIT_STATUS_INCOMPLETE     a commit left part done
 *   EOVERFLOW      65  EXIT_STATUS_DATA           values the target cannot hold
 *   EMEDIUMTYPE    66  EXIT_STATUS_SOURCE         the source cannot be used as it is
 *   ECOMM          74  EXIT_STATUS_OUTPUT         the output could not be sent
 *   EKEYREJECTED   77  EXIT_STATUS_NOT_PERMITTED  the caller is refused
 *   EUCLEAN        78  EXIT_STATUS_CONFIG         the configuration must be corrected
 *   EINTR          128 + the signal (SIGINT when none is known)
 *
 * EBUSY, ENOTEMPTY, EMEDIUMTYPE and EINTR mean what they say wherever they
 * come from (a driver returns -EBUSY for a locked database, -EMEDIUMTYPE for a
 * source it cannot use).  The others are errnos nothing below the front end
 * returns, so a system call's EACCES or EPERM stays a plain failure: a step
 * that means one of those outcomes returns its ERR_ name. */
#pragma once

#include <errno.h>

enum {
        EXIT_STATUS_OK = 0,
        EXIT_STATUS_FAILED = 1,      /* the run failed; the target is unchanged */
        EXIT_STATUS_USAGE = 2,       /* bad command line; nothing was done */
        EXIT_STATUS_MISMATCH = 3,    /* verification found differences; nothing was committed */
        EXIT_STATUS_NOT_EMPTY = 4,   /* the target holds data and --drop-all was not given */
        EXIT_STATUS_BUSY = 5,        /* Package Manager is running: the service is up, or other sessions use the target */
        EXIT_STATUS_INCOMPLETE = 6,  /* a fault during the commit: some databases committed, the message says which */
        EXIT_STATUS_DATA = 65,       /* source values the target cannot hold (sysexits EX_DATAERR) */
        EXIT_STATUS_SOURCE = 66,     /* the source database cannot be used as it is: not a file, empty, corrupt (EX_NOINPUT) */
        EXIT_STATUS_OUTPUT = 74,     /* the run completed (committed / no difference) but its output was lost (EX_IOERR) */
        EXIT_STATUS_NOT_PERMITTED = 77, /* not root nor a member of the access group (sysexits EX_NOPERM) */
        EXIT_STATUS_CONFIG = 78,     /* unusable configuration file, or a unit that runs as root (sysexits EX_CONFIG) */
        EXIT_STATUS_SIGNAL_BASE = 128, /* + the signal number: interrupted; nothing was committed */
};

/* The errno of each exit status (the table above); return them negated. */
enum {
        ERR_USAGE = EBADRQC,
        ERR_MISMATCH = EBADE,
        ERR_NOT_EMPTY = ENOTEMPTY,
        ERR_BUSY = EBUSY,
        ERR_INCOMPLETE = EINPROGRESS,
        ERR_DATA = EOVERFLOW,
        ERR_SOURCE = EMEDIUMTYPE,
        ERR_OUTPUT = ECOMM,
        ERR_NOT_PERMITTED = EKEYREJECTED,
        ERR_CONFIG = EUCLEAN,
        ERR_INTERRUPTED = EINTR,
};

/* The exit status for r (0 or a negative errno).  "signal": the signal that
 * interrupted the run, 0 if none; it is the status of -EINTR. */
int exit_status_from_error(int r, int signal);

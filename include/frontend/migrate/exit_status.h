/* Exit statuses: documented in man/migrate.1 and kept stable. */
#pragma once

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

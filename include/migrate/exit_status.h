/* Exit statuses: documented in man/migrate.1 and kept stable. */
#pragma once

enum {
        EXIT_STATUS_OK = 0,
        EXIT_STATUS_FAILED = 1,      /* the run failed; the target is unchanged */
        EXIT_STATUS_USAGE = 2,       /* bad command line; nothing was done */
        EXIT_STATUS_CONFIG = 78,     /* unusable configuration file (sysexits EX_CONFIG) */
};

/* The one errno -> exit status table (exit_status.h): every exit status is
 * reachable from exactly one errno, anything else is a plain failure (1),
 * and -EINTR is 128 + the signal. */
#include <signal.h>

#include "migrate/exit_status.h"
#include "tap.h"

/* Every status but 0, 1 and 128+N, with the errno the header documents. */
static const struct {
        int status, err;
} table[] = {
        { EXIT_STATUS_USAGE, EBADRQC },      { EXIT_STATUS_MISMATCH, EBADE },
        { EXIT_STATUS_NOT_EMPTY, ENOTEMPTY }, { EXIT_STATUS_BUSY, EBUSY },
        { EXIT_STATUS_INCOMPLETE, EINPROGRESS }, { EXIT_STATUS_DATA, EOVERFLOW },
        { EXIT_STATUS_SOURCE, EMEDIUMTYPE }, { EXIT_STATUS_OUTPUT, ECOMM },
        { EXIT_STATUS_NOT_PERMITTED, EKEYREJECTED }, { EXIT_STATUS_CONFIG, EUCLEAN },
};

#define N_TABLE (sizeof(table) / sizeof(table[0]))

static void success_is_zero(void) {
        CHECK(exit_status_from_error(0, 0) == EXIT_STATUS_OK);
        CHECK(exit_status_from_error(0, SIGINT) == EXIT_STATUS_OK);
        CHECK(exit_status_from_error(1, 0) == EXIT_STATUS_OK); /* a count, not an error */
}

static void documented_table(void) {
        for (size_t i = 0; i < N_TABLE; i++) {
                int got = exit_status_from_error(-table[i].err, 0);
                if (got != table[i].status)
                        printf("# -%d: exit status %d, expected %d\n", table[i].err, got, table[i].status);
                CHECK(got == table[i].status);
                /* A signal does not change what a step found. */
                CHECK(exit_status_from_error(-table[i].err, SIGTERM) == table[i].status);
        }
}

static void named_errnos_match_the_table(void) {
        const int named[] = { ERR_USAGE, ERR_MISMATCH, ERR_NOT_EMPTY, ERR_BUSY, ERR_INCOMPLETE,
                              ERR_DATA,  ERR_SOURCE,   ERR_OUTPUT,    ERR_NOT_PERMITTED, ERR_CONFIG };
        CHECK(sizeof(named) / sizeof(named[0]) == N_TABLE);
        for (size_t i = 0; i < N_TABLE; i++)
                CHECK(named[i] == table[i].err);
        CHECK(ERR_INTERRUPTED == EINTR);
}

/* One errno per status: scanning every errno Linux has, each status of the
 * table is reached exactly once, and nothing else but -EINTR leaves 1. */
static void one_errno_per_status(void) {
        size_t hits[N_TABLE] = {};
        for (int e = 1; e < 4096; e++) {
                int s = exit_status_from_error(-e, 0);
                if (e == EINTR) {
                        CHECK(s == EXIT_STATUS_SIGNAL_BASE + SIGINT);
                        continue;
                }
                bool known = false;
                for (size_t i = 0; i < N_TABLE; i++)
                        if (s == table[i].status) {
                                hits[i]++;
                                known = true;
                        }
                if (!known && s != EXIT_STATUS_FAILED) {
                        printf("# -%d: unexpected exit status %d\n", e, s);
                        CHECK(s == EXIT_STATUS_FAILED);
                }
        }
        for (size_t i = 0; i < N_TABLE; i++) {
                if (hits[i] != 1)
                        printf("# exit status %d reached by %zu errnos\n", table[i].status, hits[i]);
                CHECK(hits[i] == 1);
        }
}

/* What system calls and drivers return for plain failures stays 1. */
static void unknown_errno_is_failure(void) {
        const int plain[] = { EIO, EINVAL, ENOMEM, EACCES, EPERM, ENOENT, EBADMSG, ERANGE, EDOM, EPIPE,
                              ECONNREFUSED, ETIMEDOUT, ENOSPC, EROFS, ESTALE, EOPNOTSUPP, ESRCH, ECHILD };
        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
                CHECK(exit_status_from_error(-plain[i], 0) == EXIT_STATUS_FAILED);
        }
        CHECK(exit_status_from_error(-100000, 0) == EXIT_STATUS_FAILED);
        CHECK(exit_status_from_error(-1 - 0x7ffffffe, 0) == EXIT_STATUS_FAILED);
}

static void interrupted_is_128_plus_signal(void) {
        CHECK(exit_status_from_error(-EINTR, SIGINT) == 130);
        CHECK(exit_status_from_error(-EINTR, SIGQUIT) == 131);
        CHECK(exit_status_from_error(-EINTR, SIGKILL) == 137);
        CHECK(exit_status_from_error(-EINTR, SIGTERM) == 143);
        CHECK(exit_status_from_error(-EINTR, SIGHUP) == 129);
        /* Interrupted without a known signal (a wait cut short): as Ctrl-C. */
        CHECK(exit_status_from_error(-EINTR, 0) == 130);
        CHECK(exit_status_from_error(-EINTR, -1) == 130);
        CHECK(exit_status_from_error(-EINTR, 200) == 130);
        /* A signal alone does not make a plain failure an interruption: the run decides that. */
        CHECK(exit_status_from_error(-EIO, SIGINT) == EXIT_STATUS_FAILED);
}

int main(void) {
        RUN(success_is_zero);
        RUN(documented_table);
        RUN(named_errnos_match_the_table);
        RUN(one_errno_per_status);
        RUN(unknown_errno_is_failure);
        RUN(interrupted_is_128_plus_signal);
        TAP_END();
}

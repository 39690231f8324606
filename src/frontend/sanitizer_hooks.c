/* Compiled into sanitizer builds only (-Db_sanitize=address...).
 * LeakSanitizer stops the world with ptrace, which a setgid process (run by
 * an ordinary user, so not dumpable) cannot do: it would abort every setgid
 * run of the privilege tests.  Leaks are still checked in every other run. */
#include <sys/auxv.h>

int __lsan_is_turned_off(void);

int __lsan_is_turned_off(void) {
        return getauxval(AT_SECURE) != 0;
}

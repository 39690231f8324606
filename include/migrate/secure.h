/* Hygiene for a program that may run setgid: the environment rebuilt from
 * an allow-list, inherited file descriptors closed, no core dumps while it
 * holds passwords, and a configuration file only if the real user could
 * read it anyway. */
#pragma once

#include <stdbool.h>

/* Running with more privilege than the caller (AT_SECURE: setgid). */
bool secure_mode(void);
/* Call first thing in main(). */
int secure_setup(void);
/* Under setgid, refuse a file the real user could not read without it. */
int secure_check_readable(const char *path, char **ret_error);

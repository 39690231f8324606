/* Hygiene for a program that may run setgid: the environment rebuilt from
 * an allow-list, inherited file descriptors closed, no core dumps while it
 * holds passwords, and a configuration file only if the real user could
 * read it anyway (opened with the caller's rights, read from that descriptor). */
#pragma once

#include <stdbool.h>

/* Running with more privilege than the caller (AT_SECURE: setgid). */
bool secure_mode(void);
/* Call first thing in main(). */
int secure_setup(void);
/* Open a file the caller named, for reading, with the caller's own rights:
 * under setgid the effective group is the real one for the open().  Returns
 * the descriptor or a negative errno. */
int secure_open_as_caller(const char *path);

/* The one place that hides secrets from anything the program prints. */
#pragma once

#include <stdbool.h>

#define REDACTED "xxxxx"

/* A copy of text with every password replaced by REDACTED: the password of
 * any scheme://user:password@host URL, and the value of any parameter whose
 * name contains "password" (URL query, keyword=value).  NULL on ENOMEM. */
char *redact_secrets(const char *text);

/* Does a parameter of this name hold a secret?  Any name containing "pass",
 * in any case (password, sslpassword, Password, PassPhrase...).  Give the
 * name already percent-decoded. */
bool redact_is_secret_name(const char *name);

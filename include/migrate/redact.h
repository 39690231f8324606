/* The one place that hides secrets from anything the program prints. */
#pragma once

#define REDACTED "xxxxx"

/* A copy of text with every password replaced by REDACTED: the password of
 * any scheme://user:password@host URL, and the value of any parameter whose
 * name contains "password" (URL query, keyword=value).  NULL on ENOMEM. */
char *redact_secrets(const char *text);

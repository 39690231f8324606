#!/bin/bash
# Everything migrate prints goes through log.h, which escapes it (escape.h):
# a printf/fputs/write to a stream anywhere else would print names and values
# from the databases raw.  This keeps new code from forgetting it.
# Allowed: log.c (the sink), the constant help text (cli.c) and --version (main.c).
# Usage: check-output-sinks.sh SRC-DIR
set -uo pipefail
src=$1
pattern='(^|[^a-z_])(v?f?printf|fputs|puts|fputc|putc|putchar|fwrite|v?dprintf|perror)[[:space:]]*\('
found=$(grep -nE "$pattern" "$src"/*/*.c |
	grep -vE '^[^:]*/(log\.c|strbuf\.c):' |
	grep -vE ':[0-9]+:[[:space:]]*(\*|/\*|//)' |
	grep -vE '__attribute__\(\(format\(printf' |
	grep -vE '^[^:]*/cli\.c:[0-9]+:[[:space:]]*fputs\(topic == CLI_DATABASE \? help_database : help_overview, f\);' |
	grep -vE '^[^:]*/main\.c:[0-9]+:[[:space:]]*printf\("migrate %s\\n", MIGRATE_VERSION\);')
if [ -n "$found" ]; then
	echo "FAIL: output that does not go through log.h (use log_error/log_notice/log_info/out_line):"
	echo "$found"
	exit 1
fi
# And the sink does call the escaper.
grep -q 'escape_append' "$src/basic/log.c" || { echo "FAIL: log.c no longer escapes"; exit 1; }
echo "all output goes through log.h"

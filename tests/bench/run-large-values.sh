#!/bin/bash
# run-large-values.sh [SIZES]
#
# Peak RSS of migrate with large values (issue 8, item 10): one table with
# values of 1 MB, 100 MB and 600 MB (or SIZES, bytes, comma-separated),
# migrated into a throwaway PostgreSQL server and verified, then a byte
# changed in the source and verified again.  Prints, for each run, the peak
# RSS of migrate's process tree beside the bound: 64 MiB + the largest
# value.  Needs about 3 GB of free memory over all processes (the script
# itself, migrate, the server) and 1.5 GB of disk; about three minutes.
#
# MIGRATE_BIN=path measures that binary (default: build/src/migrate).
# Exit status: that of tests/migrate/test_large_values.py (0: all checks,
# including the bound, passed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
bin=${MIGRATE_BIN:-$top/build/src/migrate}
export LARGE_VALUE_SIZES=${1:-1000000,100000000,600000000}
cd "$top/tests/migrate"
exec "$top/tests/harness/with-postgres.sh" /usr/bin/python3 "$top/tests/migrate/test_large_values.py" "$bin" |
	grep -E '^(ok|not ok|# .*peak RSS|1\.\.)'

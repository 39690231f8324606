#!/bin/bash
# The README's example: on a fresh Debian 12 machine, as root, install what is
# missing, build, start a throwaway PostgreSQL server, create sample Package
# Manager SQLite databases and run `migrate database --progress` on them.
# Everything lives in a temporary directory that is removed at the end.
#
# MIGRATE_BIN=path skips the install and build steps (the test suite uses it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

if [ -z "${MIGRATE_BIN:-}" ]; then
	"$top/tests/install-deps.sh"
	if [ -d "$top/build-example" ]; then
		meson setup --reconfigure "$top/build-example" >/dev/null
	else
		meson setup "$top/build-example" >/dev/null
	fi
	ninja -C "$top/build-example" >/dev/null
	MIGRATE_BIN=$top/build-example/src/migrate
fi
export MIGRATE_BIN

# The inner part runs while the throwaway server is up.
exec "$top/tests/harness/with-postgres.sh" bash -c '
set -euo pipefail
work=$(mktemp -d)
chmod 0755 "$work" # migrate runs its work as the service account rstudio-pm
trap "rm -rf \"$work\"" EXIT
# The sample databases belong to whoever runs the server in real life.
/usr/bin/python3 "$1/tests/sample/make-sample-dbs.py" --dir "$work/db"

cat >"$work/rstudio-pm.gcfg" <<CFG
; A Package Manager configuration with both database sections.
[Database]
Provider = sqlite

[SQLite]
Dir = $work/db

[Postgres]
URL = "$MIGRATE_TEST_PG_URL"
UsageDataURL = "$MIGRATE_TEST_PG_USAGE_URL"
CFG

echo
echo "\$ migrate --config $work/rstudio-pm.gcfg database --progress"
status=0
"$MIGRATE_BIN" --config "$work/rstudio-pm.gcfg" database --progress || status=$?
echo "(migrate exited with status $status)"
exit $status
' example "$top"

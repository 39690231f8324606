#!/bin/bash
# The Debian package, as an administrator meets it, on this machine (root):
# build it from this checkout, lint it, install it, run the installed binary
# as root, a non-member and a member (a real migration into the PostgreSQL
# server of with-postgres.sh, which wraps this script), upgrade it with and
# without an administrator's dpkg-statoverride, remove and purge it.
#
#   with-postgres.sh check-deb.sh
#
# It leaves the accounts rstudio-pm, mgt-member and mgt-outsider (other tests
# use them) and nothing else.  Prints TAP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/package/lib.sh
. "$here/lib.sh"

pkg=rstudio-pm-migrate
bin=/opt/rstudio-pm/bin/migrate
man_page=/usr/share/man/man1/migrate.1.gz
sysusers=/usr/lib/sysusers.d/rstudio-pm-migrate.conf

[ "$(id -u)" -eq 0 ] || bail "must run as root: it installs the package"
[ -n "${MIGRATE_TEST_PG_URL:-}" ] || bail "run me under tests/harness/with-postgres.sh"
status_of() { dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true; }
# A package left by an interrupted run of this test goes; anything else that
# is in the way is not ours to remove.
case $(status_of) in
'' | not-installed) ;;
*) dpkg -P "$pkg" >/dev/null ;;
esac
[ ! -e "$bin" ] || bail "$bin exists and belongs to no package: not overwriting it"
! dpkg-statoverride --list "$bin" >/dev/null ||
	bail "a dpkg-statoverride for $bin exists already: $(dpkg-statoverride --list "$bin")"
opt_existed=0
[ ! -e /opt/rstudio-pm ] || opt_existed=1
"$top/tests/harness/ensure-accounts.sh" --test-users

work=$(mktemp -d /var/tmp/check-deb.XXXXXX)
override_added=0
cleanup() {
	set +e
	((override_added)) && dpkg-statoverride --remove "$bin" 2>/dev/null
	case $(status_of) in '' | not-installed) ;; *) dpkg -P "$pkg" >/dev/null 2>&1 ;; esac
	rm -rf -- "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
chmod 0711 "$work"

# --- the built package ----------------------------------------------------
if ! "$top/packaging/build-packages.sh" --deb "$work/out" >"$work/build.out" 2>&1; then
	tail -n 40 "$work/build.out" | sed 's/^/# /'
	bail "packaging/build-packages.sh --deb failed"
fi
deb=$(ls "$work/out/${pkg}_"*.deb)
check "the .deb is built: $(basename "$deb")" test -f "$deb"

lint=$(lintian --allow-root --pedantic --display-info --display-experimental "$deb" 2>&1 || true)
check "lintian: no tag at all, pedantic and info included (overrides carry reasons)" equals "$lint" ""
overrides=$(dpkg-deb --fsys-tarfile "$deb" | tar -xOf - ./usr/share/lintian/overrides/$pkg)
# A comment gives the reason of the overrides below it, up to a blank line.
check "every lintian override has its reason above it" \
	lacks "$(awk '/^#/ { r = 1 } /^$/ { r = 0 } /^[^#]/ && !r { print "no reason: " $0 }' <<<"$overrides")" .

fields=$(dpkg-deb -f "$deb" Depends)
for lib in 'libc6 \(>= ' 'libpq5 \(>= ' 'libsqlite3-0 \(>= ' 'libsystemd0 \(>= ' 'libcap2 \(>= '; do
	check "Depends from shlibs: ${lib%% *}" matches "$fields" "(^|, )$lib"
done
check "Depends on a systemd-sysusers for the group" matches "$fields" 'systemd \| systemd-standalone-sysusers \| systemd-sysusers'

payload=$(dpkg-deb -c "$deb")
check "payload: $bin" matches "$payload" " \./opt/rstudio-pm/bin/migrate$"
check "payload: the man page $man_page" matches "$payload" " \.$man_page$"
check "payload: the sysusers.d file" matches "$payload" " \.$sysusers$"

mkdir "$work/x" "$work/control"
dpkg-deb -x "$deb" "$work/x"
dpkg-deb -e "$deb" "$work/control"
# postinst: the group first (systemd-sysusers), then the binary is given to it.
order=$(grep -nE '^[[:space:]]*(systemd-sysusers|chown|chmod) ' "$work/control/postinst" | sed -E 's/^([0-9]+):[[:space:]]*([a-z-]+) .*/\2/' | tr '\n' ' ')
check "postinst: systemd-sysusers, then chown root:rstudio-pm, then chmod 2755" equals "$order" "systemd-sysusers chown chmod "
# shellcheck disable=SC2016 # the script's own text: $binary is not ours to expand
check "postinst: chown and chmod only without a statoverride (Policy 10.9.1)" \
	matches "$(tr '\n' ' ' <"$work/control/postinst")" 'if ! dpkg-statoverride --list "\$binary" >/dev/null 2>&1; then[[:space:]]+chown root:rstudio-pm "\$binary"[[:space:]]+chmod 2755 "\$binary"'
check "no postrm removes the group or the account" bash -c "! grep -Es 'groupdel|userdel|delgroup|deluser' '$work/control/postrm'"
check_hardening "packaged binary" "$work/x$bin"
check "the sysusers.d file is systemd/rstudio-pm-migrate.sysusers" \
	cmp "$top/systemd/rstudio-pm-migrate.sysusers" "$work/x$sysusers"
# On an empty system the file declares what the server expects.
mkdir -p "$work/root/etc"
: >"$work/root/etc/passwd"
: >"$work/root/etc/group"
systemd-sysusers --root="$work/root" "$work/x$sysusers" >/dev/null 2>&1 || true
check "sysusers.d: creates the system group rstudio-pm" \
	matches "$(cat "$work/root/etc/group")" '^rstudio-pm:x:[0-9]+:$'
check "sysusers.d: creates the account rstudio-pm, home /var/lib/rstudio-pm, no login shell" \
	matches "$(cat "$work/root/etc/passwd")" '^rstudio-pm:x:[0-9]+:[0-9]+:[^:]*:/var/lib/rstudio-pm:/usr/sbin/nologin$'

# --- install ----------------------------------------------------------------
check "dpkg -i installs it" dpkg -i "$deb"
check "status: installed" equals "$(status_of)" installed
mode_of() { stat -c '%a %U %G' "$bin" 2>&1; }
check "$bin is 2755 root:rstudio-pm" equals "$(mode_of)" "2755 root rstudio-pm"
check "the group rstudio-pm exists" getent group rstudio-pm
check "$man_page belongs to $pkg alone" equals "$(dpkg -S "$man_page" 2>&1)" "$pkg: $man_page"
check "man -w migrate finds the package's page" equals "$(man -w migrate 2>&1)" "$man_page"
page=$(MANWIDTH=80 man -P cat migrate 2>&1 || true)
check "man migrate renders the page" matches "$page" '^NAME'
check "man migrate shows what migrate does" matches "$page" 'move Posit Package Manager data between SQLite and PostgreSQL'
check "man migrate shows the exit statuses" matches "$page" '^EXIT STATUS'

out=$("$bin" help 2>&1) && rc=0 || rc=$?
check "root: migrate help exits 0" equals "$rc" 0
check "root: migrate help shows the usage" matches "$out" '^Usage: migrate \[--config FILE\] COMMAND'

# A Package Manager installation: the service account's database directory,
# its configuration root:rstudio-pm 0640.
db=$work/db
/usr/bin/python3 "$top/tests/sample/make-sample-dbs.py" --dir "$db" >/dev/null
chown -R rstudio-pm:rstudio-pm "$db"
chmod 0750 "$db"
chmod 0640 "$db"/*
config=$work/rstudio-pm.gcfg
printf '[SQLite]\nDir = %s\n[Postgres]\nURL = "%s"\nUsageDataURL = "%s"\n' \
	"$db" "$MIGRATE_TEST_PG_URL" "$MIGRATE_TEST_PG_USAGE_URL" >"$config"
chown root:rstudio-pm "$config"
chmod 0640 "$config"

out=$(runuser -u mgt-outsider -- "$bin" --config "$config" database 2>&1) && rc=0 || rc=$?
check "a non-member is refused: exit 77" equals "$rc" 77
check "a non-member is told who may run it" matches "$out" 'only root or members of the group rstudio-pm'

# Without a system bus migrate refuses while a /opt/rstudio-pm/bin/rstudio-pm
# process runs; the privilege test starts such a stand-in for a short while,
# and on a shared machine it may run now: let it end first.
for _ in $(seq 150); do
	pgrep -f '^/opt/rstudio-pm/bin/rstudio-pm( |$)' >/dev/null || break
	sleep 1
done
out=$(runuser -u mgt-member -- "$bin" --config "$config" database 2>&1) && rc=0 || rc=$?
check "a member migrates with the installed binary: exit 0" equals "$rc" 0
[ "$rc" -eq 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
check "a member's migration ends in the success verdict" \
	matches "$out" '^migrate: success: main and usage databases, .* verified value by value and committed\.$'
want=$(sqlite3 "$db/rstudio-pm-usage.sqlite" 'SELECT count(*) FROM package_downloads')
got=$($MIGRATE_TEST_PSQL -At -d "$MIGRATE_TEST_PGDATABASE_USAGE" -c 'SELECT count(*) FROM package_downloads' 2>&1 || true)
check "the member's migration put every usage row into PostgreSQL ($want)" equals "$got" "$want"

# --- upgrades (the same .deb again) -------------------------------------------
check "upgrade without an override: dpkg -i again" dpkg -i "$deb"
check "upgrade without an override: still 2755 root:rstudio-pm" equals "$(mode_of)" "2755 root rstudio-pm"
dpkg-statoverride --add root rstudio-pm 0750 "$bin"
override_added=1
check "upgrade with the administrator's statoverride 0750: dpkg -i again" dpkg -i "$deb"
check "upgrade with the administrator's statoverride: it wins (0750 root:rstudio-pm)" \
	equals "$(mode_of)" "750 root rstudio-pm"
dpkg-statoverride --remove "$bin"
override_added=0
check "upgrade after the override is removed: dpkg -i again" dpkg -i "$deb"
check "upgrade after the override is removed: 2755 root:rstudio-pm again" equals "$(mode_of)" "2755 root rstudio-pm"

# --- remove, purge ------------------------------------------------------------
files=$(dpkg -L "$pkg")
left() { # the package's files and directories still there, except shared directories
	local p
	while read -r p; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		[ -d "$p" ] && [ ! -L "$p" ] && [ "${p#/opt/rstudio-pm}" = "$p" ] && continue
		[ -d "$p" ] && ((opt_existed)) && continue
		echo "$p"
	done <<<"$files"
}
check "before dpkg -r: the package's files are there" test -n "$(left)"
check "dpkg -r removes it" dpkg -r "$pkg"
check "after dpkg -r: no file of the package is left (nor /opt/rstudio-pm)" equals "$(left)" ""
check "after dpkg -r: man -w migrate finds nothing" bash -c '! man -w migrate'
check "dpkg -P purges it" dpkg -P "$pkg"
check "after dpkg -P: no file of the package is left" equals "$(left)" ""
check "after dpkg -P: dpkg knows nothing of it" matches "$(status_of)" '^(not-installed)?$'
check "after dpkg -P: no statoverride for $bin" bash -c "! dpkg-statoverride --list '$bin'"
# Debian practice: system accounts stay on purge (files may still be theirs).
check "after dpkg -P: the group rstudio-pm stays" getent group rstudio-pm
check "after dpkg -P: the account rstudio-pm keeps its group" equals "$(id -gn rstudio-pm 2>&1)" rstudio-pm
check "after dpkg -P: mgt-member is still in rstudio-pm" matches "$(id -nG mgt-member)" '(^| )rstudio-pm( |$)'
check "after dpkg -P: grpck finds /etc/group and /etc/gshadow consistent" grpck -r

tap_done

#!/bin/bash
# The RPM, built here with rpmbuild from this checkout and checked without
# installing it (this is a Debian machine): its payload (paths, modes,
# owners), its scriptlets, its dependencies and the hardening of the binary.
# Prints TAP.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=tests/package/lib.sh
. "$here/lib.sh"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if ! "$top/packaging/build-packages.sh" --rpm "$work/out" >"$work/build.out" 2>&1; then
	tail -n 40 "$work/build.out" | sed 's/^/# /'
	bail "packaging/build-packages.sh --rpm failed"
fi
rpm=$(ls "$work"/out/rstudio-pm-migrate-[0-9]*.rpm)
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" "$top/meson.build" | head -n 1)
check "the .rpm is built: $(basename "$rpm")" equals "$(rpm -qp --qf '%{NAME} %{VERSION}' "$rpm")" \
	"rstudio-pm-migrate $version"

# --dump: path size mtime digest mode owner group isconfig isdoc rdev symlink
dump=$(rpm -qp --dump "$rpm")
entry() { awk -v p="$1" '$1 == p { print $5, $6, $7 }' <<<"$dump"; }
check "payload: /opt/rstudio-pm/bin/migrate is 2755 root:rstudio-pm" \
	equals "$(entry /opt/rstudio-pm/bin/migrate)" "0102755 root rstudio-pm"
check "payload: /opt/rstudio-pm/bin is a directory 0755 root:root" \
	equals "$(entry /opt/rstudio-pm/bin)" "040755 root root"
check "payload: /opt/rstudio-pm is a directory 0755 root:root" \
	equals "$(entry /opt/rstudio-pm)" "040755 root root"
man_path=$(awk '$1 ~ "^/usr/share/man/man1/migrate\\.1" { print $1 }' <<<"$dump")
check "payload: the man page under %{_mandir} (/usr/share/man/man1)" matches "$man_path" '^/usr/share/man/man1/migrate\.1(\.gz)?$'
check "payload: the man page is 0644 root:root" equals "$(entry "$man_path")" "0100644 root root"
check "payload: the man page is marked as documentation" \
	equals "$(awk -v p="$man_path" '$1 == p { print $9 }' <<<"$dump")" 1
check "payload: the sysusers.d file is 0644 root:root" \
	equals "$(entry /usr/lib/sysusers.d/rstudio-pm-migrate.conf)" "0100644 root root"
check "payload: nothing else (but build-id links)" equals "$(awk '{ print $1 }' <<<"$dump" |
	grep -Ev '^/usr/lib/\.build-id(/|$)' |
	grep -Exv '/opt/rstudio-pm|/opt/rstudio-pm/bin|/opt/rstudio-pm/bin/migrate|/usr/share/man/man1/migrate\.1(\.gz)?|/usr/lib/sysusers\.d/rstudio-pm-migrate\.conf' || true)" ""

scripts=$(rpm -qp --scripts "$rpm")
pre=$(rpm -qp --qf '%{PREIN}' "$rpm")
check "%pre creates the group when missing (getent || groupadd -r)" \
	matches "$pre" '^getent group rstudio-pm >/dev/null \|\| groupadd -r rstudio-pm$'
check "%pre creates the account: system, group rstudio-pm, home /var/lib/rstudio-pm, no login shell" \
	matches "$(tr -d '\\\n' <<<"$pre" | tr -s ' ')" 'useradd -r -g rstudio-pm -d /var/lib/rstudio-pm -M -s /usr/sbin/nologin .*rstudio-pm'
check "no scriptlet removes the group or the account" lacks "$scripts" 'userdel|groupdel'
check "the only scriptlet is %pre" equals "$(grep -E '^[a-z]+ scriptlet' <<<"$scripts" | sed 's/ (.*//')" "preinstall scriptlet"
# The scriptlet itself, on this machine where the accounts exist: a no-op.
ensure="$top/tests/harness/ensure-accounts.sh"
if [ "$(id -u)" -eq 0 ]; then
	"$ensure"
	before=$(sha256sum /etc/group /etc/passwd)
	check "%pre with the accounts present: exits 0" sh -c "$pre"
	check "%pre with the accounts present: changes nothing" equals "$(sha256sum /etc/group /etc/passwd)" "$before"
fi

requires=$(rpm -qp --qf '[%{REQUIRENAME} %{REQUIREFLAGS:deptype}\n]' "$rpm")
for lib in 'libpq.so.5()(64bit)' 'libsqlite3.so.0()(64bit)' 'libsystemd.so.0()(64bit)' 'libcap.so.2()(64bit)' 'libc.so.6()(64bit)'; do
	check "requires $lib (found by rpm in the binary)" has_line "$(rpm -qp --requires "$rpm")" "$lib"
done
check "requires shadow-utils for %pre" matches "$requires" '^shadow-utils pre$'

mkdir "$work/x"
rpm2archive - <"$rpm" | tar -xzf - -C "$work/x"
check_hardening "packaged binary" "$work/x/opt/rstudio-pm/bin/migrate"
check "the sysusers.d file is systemd/rstudio-pm-migrate.sysusers" \
	cmp "$top/systemd/rstudio-pm-migrate.sysusers" "$work/x/usr/lib/sysusers.d/rstudio-pm-migrate.conf"
check "the packaged binary runs: --version says $version" \
	equals "$("$work/x/opt/rstudio-pm/bin/migrate" --version 2>&1)" "migrate $version"

tap_done

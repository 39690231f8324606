#!/bin/bash
# Install, as root on Debian 12, the packages the build and the tests need.
# Calls apt-get only when something is missing, so a second run is instant.
set -euo pipefail

packages=(
	gcc pkg-config meson ninja-build              # build
	libpq-dev libsqlite3-dev libsystemd-dev libcap-dev
	postgresql sqlite3 python3                    # test harness and sample data
	mandoc man-db                                 # man page lint and `man migrate`
	dbus-daemon python3-dbusmock                  # a real bus with a fake systemd
	pgloader time                                 # the benchmark and its smoke test
	debhelper dpkg-dev fakeroot lintian rpm       # packaging/build-packages.sh, tests/package
	rpm2cpio binutils                             # rpm2archive, readelf: the packages' payload
	systemd                                       # systemd-sysusers: the .deb creates its group with it
	clang libclang-rt-dev llvm                    # fuzzing: libFuzzer runtime, llvm-symbolizer
	golang-go golang-github-mattn-go-sqlite3-dev  # the server's Go SQLite driver reads what migrate writes
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run this as root (sudo)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

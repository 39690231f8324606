#!/bin/bash
# build-packages.sh [--deb] [--rpm] [OUTDIR]
#
# Builds the Debian package and the RPM of migrate from this source tree into
# OUTDIR (default: ./packages), both by default.  The build happens in a copy
# of the tree in a temporary directory: dpkg-buildpackage writes beside its
# source, and neither build may leave anything in the checkout.
#
#   .deb: dpkg-buildpackage (debhelper, meson) with packaging/debian/
#   .rpm: rpmbuild with packaging/rpm/migrate.spec.  On Debian, rpm's own
#         database is empty, so no BuildRequires can be met through it:
#         rpmbuild runs with --nodeps after this script has checked the
#         Debian packages that provide them (rpm_build_requires below).
#
# Needs: debhelper, dpkg-dev, rpm (tests/install-deps.sh installs them).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
want_deb=0 want_rpm=0 out=
for a in "$@"; do
	case $a in
	--deb) want_deb=1 ;;
	--rpm) want_rpm=1 ;;
	-h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "build-packages: unknown option $a (try --help)" >&2; exit 2 ;;
	*) [ -z "$out" ] || { echo "build-packages: one OUTDIR only" >&2; exit 2; }; out=$a ;;
	esac
done
((want_deb || want_rpm)) || want_deb=1 want_rpm=1
out=${out:-packages}
mkdir -p "$out"
out=$(cd "$out" && pwd)

die() { echo "build-packages: $*" >&2; exit 1; }

# One version, from meson.build; the Debian changelog and the spec must agree.
version=$(sed -n "s/^  version: '\([^']*\)',$/\1/p" "$top/meson.build" | head -n 1)
[ -n "$version" ] || die "cannot read the project version from meson.build"
deb_version=$(dpkg-parsechangelog -l "$top/packaging/debian/changelog" -S Version)
[ "$deb_version" = "$version" ] ||
	die "packaging/debian/changelog is at $deb_version, meson.build at $version: add a changelog entry (dch -v $version)"
rpm_version=$(sed -n 's/^Version:[[:space:]]*//p' "$top/packaging/rpm/migrate.spec")
[ "$rpm_version" = "$version" ] ||
	die "packaging/rpm/migrate.spec has Version $rpm_version, meson.build $version: update Version and %changelog"

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
name=rstudio-pm-migrate
src=$work/$name-$version

# The source tree without git data, build directories and earlier output.
mkdir "$src"
excludes=(--exclude=./.git --exclude='./build*' --exclude=./packages --exclude=./debian)
case $out/ in "$top"/*) excludes+=("--exclude=./${out#"$top"/}") ;; esac
tar -C "$top" "${excludes[@]}" -cf - . | tar -C "$src" -xf -

if ((want_deb)); then
	cp -r "$top/packaging/debian" "$src/debian"
	root_cmd=()
	[ "$(id -u)" -eq 0 ] || root_cmd=(-rfakeroot)
	echo "build-packages: building the .deb (log: $out/deb-build.log)"
	if ! (cd "$src" && dpkg-buildpackage -b -us -uc "${root_cmd[@]}") >"$out/deb-build.log" 2>&1; then
		tail -n 40 "$out/deb-build.log" >&2
		die "dpkg-buildpackage failed"
	fi
	rm -rf "$src/debian" "$src/obj-"*
	for f in "$work"/*.deb; do cp "$f" "$out/" && echo "$out/${f##*/}"; done
fi

if ((want_rpm)); then
	# Debian packages that provide the spec's BuildRequires.
	rpm_build_requires=(gcc meson ninja-build pkgconf libpq-dev libsqlite3-dev libsystemd-dev libcap-dev)
	missing=()
	for p in "${rpm_build_requires[@]}"; do
		[ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] || die "the .rpm needs these Debian packages: ${missing[*]} (apt-get install them)"
	rpmtop=$work/rpmbuild
	mkdir -p "$rpmtop/SOURCES"
	tar -C "$work" -czf "$rpmtop/SOURCES/$name-$version.tar.gz" "$name-$version"
	echo "build-packages: building the .rpm (log: $out/rpm-build.log)"
	if ! rpmbuild -bb --nodeps --define "_topdir $rpmtop" "$top/packaging/rpm/migrate.spec" \
		>"$out/rpm-build.log" 2>&1; then
		tail -n 40 "$out/rpm-build.log" >&2
		die "rpmbuild failed"
	fi
	for f in "$rpmtop"/RPMS/*/*.rpm; do cp "$f" "$out/" && echo "$out/${f##*/}"; done
fi
echo "build-packages: done, in $out"

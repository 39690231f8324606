# shellcheck shell=bash
# Sourced by the package tests: TAP output and the checks both packages share.

tap_n=0 tap_failed=0

# check DESCRIPTION COMMAND [ARGS...]: one TAP line; on failure the command's
# output follows as comments.  Always returns 0 (the scripts use set -e);
# tap_done counts the failures.
check() {
	local what=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	tap_n=$((tap_n + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $tap_n - $what"
	else
		echo "not ok $tap_n - $what"
		tap_failed=$((tap_failed + 1))
		printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
	fi
	return 0
}

# The plan, last; the exit status says whether everything passed.
tap_done() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# equals ACTUAL EXPECTED
equals() {
	[ "$1" = "$2" ] || { printf 'got:      %s\nexpected: %s\n' "$1" "$2"; return 1; }
}

# matches TEXT EXTENDED_REGEX: some line of TEXT matches.
matches() {
	grep -Eq -- "$2" <<<"$1" || { printf 'nothing matches /%s/ in:\n%s\n' "$2" "$1"; return 1; }
}

# has_line TEXT LINE: LINE is one of TEXT's lines, exactly.
has_line() {
	grep -Fxq -- "$2" <<<"$1" || { printf 'no line "%s" in:\n%s\n' "$2" "$1"; return 1; }
}

# lacks TEXT EXTENDED_REGEX: no line of TEXT matches.
lacks() {
	! grep -Eq -- "$2" <<<"$1" || { printf 'unexpected /%s/ in:\n%s\n' "$2" "$1"; return 1; }
}

# check_hardening WHAT FILE: the flags of the hardened build, seen in the ELF
# file (-fPIE -pie, -z relro, -z now, -fstack-protector-strong, FORTIFY).
check_hardening() {
	local what=$1 f=$2 header dynamic segments symbols
	header=$(readelf -hW "$f" 2>&1)
	dynamic=$(readelf -dW "$f" 2>&1)
	segments=$(readelf -lW "$f" 2>&1)
	symbols=$(readelf --dyn-syms -W "$f" 2>&1)
	check "$what: position-independent executable (ELF type DYN)" matches "$header" 'Type: +DYN '
	check "$what: position-independent executable (FLAGS_1 PIE)" matches "$dynamic" 'FLAGS_1\).* PIE'
	check "$what: BIND_NOW (-z now)" matches "$dynamic" '\(FLAGS\).*BIND_NOW'
	check "$what: GNU_RELRO segment (-z relro)" matches "$segments" '^ *GNU_RELRO '
	check "$what: stack protector (__stack_chk_fail)" matches "$symbols" ' __stack_chk_fail(@|$)'
	check "$what: FORTIFY_SOURCE (__*_chk functions)" \
		matches "$(grep -v __stack_chk_fail <<<"$symbols")" ' __[a-z0-9_]+_chk(@|$)'
}

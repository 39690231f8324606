#!/bin/bash
# The layers (README "Layout"): each may include only its own and the lower
# layers' headers, and only the libraries its layer may use.  The build
# enforces the first through per-layer include directories; this checks both
# from the sources, including the library headers that would compile anyway
# (sqlite3.h is in /usr/include).
# Usage: check-layers.sh TOP-DIR         check the tree at TOP-DIR
#        check-layers.sh --self-test TOP-DIR CC...
#            also prove that a violation fails: in a copy of the tree, each
#            injected forbidden include must make this check fail, and
#            compiling it with the layer's include directories must fail.
set -uo pipefail

layers=(basic engine drivers frontend)
# Library headers each layer must not include (a regex on the included name).
forbidden_basic='^(libpq-fe\.h|libpq/|postgresql/|sqlite3\.h|systemd/|sys/capability\.h)'
forbidden_engine=$forbidden_basic
forbidden_drivers='^(systemd/|sys/capability\.h)'
forbidden_frontend='^$'

check() {
	local top=$1 fail=0 i j layer f inc name found
	for i in "${!layers[@]}"; do
		layer=${layers[$i]}
		local forbidden_var=forbidden_$layer
		local forbidden=${!forbidden_var}
		for f in "$top/src/$layer"/*.c "$top/include/$layer/migrate"/*.h; do
			[ -e "$f" ] || continue
			while IFS= read -r inc; do
				case $inc in
				'"migrate/'*)
					name=${inc#\"migrate/}
					name=${name%\"}
					found=
					for ((j = 0; j <= i; j++)); do
						[ -e "$top/include/${layers[$j]}/migrate/$name" ] && found=${layers[$j]}
					done
					if [ -z "$found" ]; then
						echo "FAIL: ${f#$top/} ($layer) includes migrate/$name, which is not in $layer or a layer below it"
						fail=1
					fi
					;;
				'<'*)
					name=${inc#<}
					name=${name%>}
					if [[ $name =~ $forbidden ]]; then
						echo "FAIL: ${f#$top/} ($layer) includes <$name>, a library the $layer layer must not use"
						fail=1
					fi
					;;
				esac
			done < <(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/p' "$f")
		done
	done
	return $fail
}

if [ "${1-}" != --self-test ]; then
	check "$1" || exit 1
	echo "every layer includes only what it may"
	exit 0
fi

top=$2
shift 2
cc=("$@")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# The tree as it is passes; each injected violation fails.
check "$top" >/dev/null || { echo "FAIL: the tree itself does not pass"; exit 1; }
for v in 'engine/copy.c:#include "migrate/pg_db.h"' \
	 'engine/copy.c:#include <libpq-fe.h>' \
	 'engine/copy.c:#include <sqlite3.h>' \
	 'basic/log.c:#include "migrate/catalog.h"' \
	 'basic/log.c:#include "migrate/config.h"' \
	 'drivers/pg_db.c:#include "migrate/service.h"' \
	 'drivers/pg_db.c:#include <systemd/sd-bus.h>'; do
	file=${v%%:*}
	line=${v#*:}
	rm -rf "$tmp/tree"
	mkdir "$tmp/tree"
	cp -r "$top/src" "$top/include" "$tmp/tree/"
	printf '%s\n' "$line" >> "$tmp/tree/src/$file"
	if check "$tmp/tree" > "$tmp/out"; then
		echo "FAIL: '$line' in src/$file was not reported"
		status=1
	else
		echo "ok: '$line' in src/$file reported: $(head -1 "$tmp/out")"
	fi
done

# And the build's include directories refuse a higher layer's header: the
# engine cannot even compile an include of a driver's or the front end's.
I=()
for layer in basic engine; do I+=("-I$top/include/$layer"); done
printf '#include "migrate/catalog.h"\nint f(void);\nint f(void) { return 0; }\n' > "$tmp/ok.c"
if ! "${cc[@]}" "${I[@]}" -fsyntax-only "$tmp/ok.c" 2> "$tmp/err"; then
	echo "FAIL: an engine file including an engine header does not compile:"
	cat "$tmp/err"
	status=1
fi
for h in migrate/pg_db.h migrate/driver_factory.h migrate/config.h libpq-fe.h; do
	printf '#include "%s"\n' "$h" > "$tmp/bad.c"
	if "${cc[@]}" "${I[@]}" -fsyntax-only "$tmp/bad.c" 2> "$tmp/err"; then
		echo "FAIL: an engine file including $h compiles with the engine's include directories"
		status=1
	else
		echo "ok: an engine file including $h does not compile"
	fi
done
exit $status

#!/bin/bash
# ensure-accounts.sh [--test-users]
#
# Creates, when missing, the accounts a Package Manager installation has:
# the group rstudio-pm and the system user rstudio-pm (the service account
# migrate's worker becomes when started by root).  With --test-users also
# mgt-member (in the group rstudio-pm) and mgt-outsider (not in it), for the
# privilege tests.  Must run as root; idempotent; leaves the accounts.
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "ensure-accounts: must run as root" >&2; exit 1; }

exists() { getent "$1" "$2" >/dev/null; }

exists group rstudio-pm || groupadd --system rstudio-pm
exists passwd rstudio-pm ||
	useradd --system --gid rstudio-pm --home-dir /var/lib/rstudio-pm --no-create-home \
		--shell /usr/sbin/nologin rstudio-pm

if [ "${1:-}" = --test-users ]; then
	exists passwd mgt-member || useradd --no-create-home --shell /bin/sh mgt-member
	id -nG mgt-member | tr ' ' '\n' | grep -qx rstudio-pm || usermod -aG rstudio-pm mgt-member
	exists passwd mgt-outsider || useradd --no-create-home --shell /bin/sh mgt-outsider
fi
exit 0

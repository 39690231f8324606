#!/bin/bash
# with-fake-systemd.sh COMMAND [ARGS...]
#
# Runs COMMAND with a private, real dbus-daemon as its system bus
# (DBUS_SYSTEM_BUS_ADDRESS) on which python3-dbusmock serves a fake systemd
# (fake_systemd.py beside this script).  COMMAND drives the fake with
#   fake-systemd-ctl AddUnit rstudio-pm.service inactive rstudio-pm rstudio-pm
#   fake-systemd-ctl SetActiveState rstudio-pm.service active
#   fake-systemd-ctl FailWith org.freedesktop.DBus.Error.AccessDenied
# (FAKE_SYSTEMD_CTL holds that command).  Everything is stopped afterwards,
# whatever happens; exits with COMMAND's status.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
python=/usr/bin/python3

[ -x /usr/bin/dbus-daemon ] || { echo "with-fake-systemd: dbus-daemon missing (apt-get install dbus-daemon)" >&2; exit 1; }
$python -c 'import dbusmock' 2>/dev/null || { echo "with-fake-systemd: python3-dbusmock missing" >&2; exit 1; }

work=$(mktemp -d)
chmod 0755 "$work" # other test users must reach the socket
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A system-bus-like configuration that lets every local user talk to it.
cat >"$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$work/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --nopidfile --print-address=3 3>"$work/address" &
pids+=($!)
for _ in $(seq 100); do [ -S "$work/system_bus_socket" ] && break; sleep 0.05; done
[ -S "$work/system_bus_socket" ] || { echo "with-fake-systemd: dbus-daemon did not start" >&2; exit 1; }
export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$work/system_bus_socket"

$python -m dbusmock --system --template "$here/fake_systemd.py" >"$work/dbusmock.log" 2>&1 &
pids+=($!)
cat >"$work/fake-systemd-ctl" <<CTL
#!/bin/bash
# fake-systemd-ctl METHOD ARGS...: call a mock method of the fake systemd.
exec $python - "\$@" <<'PY'
import sys, dbus
bus = dbus.bus.BusConnection("$DBUS_SYSTEM_BUS_ADDRESS")
obj = bus.get_object('org.freedesktop.systemd1', '/org/freedesktop/systemd1')
getattr(obj, sys.argv[1])(*sys.argv[2:], dbus_interface='org.freedesktop.DBus.Mock')
PY
CTL
chmod 0755 "$work/fake-systemd-ctl"
export FAKE_SYSTEMD_CTL="$work/fake-systemd-ctl"
# Ready when the fake answers on the bus.
for _ in $(seq 200); do
	"$FAKE_SYSTEMD_CTL" FailWith "" 2>/dev/null && break
	sleep 0.05
done
"$FAKE_SYSTEMD_CTL" FailWith "" || { echo "with-fake-systemd: the fake systemd did not start:" >&2; cat "$work/dbusmock.log" >&2; exit 1; }

status=0
"$@" || status=$?
exit $status

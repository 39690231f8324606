'''A python3-dbusmock template standing in for systemd's manager on a private
system bus: just what migrate asks (GetUnit, the unit's ActiveState, the
service's User and Group), with systemd's real error for an unknown unit
(org.freedesktop.systemd1.NoSuchUnit), which the stock template lacks.

Mock methods, on interface org.freedesktop.DBus.Mock:
  AddUnit(name, active_state, user, group)   add or replace a loaded unit
  AddUnloadedUnit(name, user, group)  a unit file systemd has not loaded:
                          GetUnit says NoSuchUnit, LoadUnit loads it (inactive)
  SetActiveState(name, active_state)
  FailWith(error_name)    make GetUnit answer that D-Bus error ('' to stop)
'''

import dbus

from dbusmock import MOCK_IFACE, mockobject

BUS_NAME = 'org.freedesktop.systemd1'
MAIN_OBJ = '/org/freedesktop/systemd1'
MAIN_IFACE = 'org.freedesktop.systemd1.Manager'
UNIT_IFACE = 'org.freedesktop.systemd1.Unit'
SERVICE_IFACE = 'org.freedesktop.systemd1.Service'
SYSTEM_BUS = True


def load(mock, _parameters):
    mock.units = {}
    mock.unloaded = {}
    mock.failure = ''
    mock.AddProperties(MAIN_IFACE, {'Version': 'v252-fake'})


def unit_path(name):
    # systemd escapes every non-alphanumeric byte as _XX
    escaped = ''.join(c if c.isalnum() else f'_{ord(c):02x}' for c in name)
    return f'/org/freedesktop/systemd1/unit/{escaped}'


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def GetUnit(self, name):
    if self.failure:
        raise dbus.exceptions.DBusException('fake systemd was told to fail', name=self.failure)
    if str(name) not in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not loaded.',
                                            name='org.freedesktop.systemd1.NoSuchUnit')
    return dbus.ObjectPath(self.units[str(name)])


@dbus.service.method(MAIN_IFACE, in_signature='s', out_signature='o')
def LoadUnit(self, name):
    if self.failure:
        raise dbus.exceptions.DBusException('fake systemd was told to fail', name=self.failure)
    if str(name) in self.unloaded:
        user, group = self.unloaded.pop(str(name))
        self.AddUnit(name, 'inactive', user, group)
    if str(name) not in self.units:
        raise dbus.exceptions.DBusException(f'Unit {name} not found.',
                                            name='org.freedesktop.systemd1.NoSuchUnit')
    return dbus.ObjectPath(self.units[str(name)])


@dbus.service.method(MOCK_IFACE, in_signature='sss')
def AddUnloadedUnit(self, name, user, group):
    path = unit_path(str(name))
    if path in mockobject.objects:
        self.RemoveObject(path)
    self.units.pop(str(name), None)
    self.unloaded[str(name)] = (str(user), str(group))


@dbus.service.method(MOCK_IFACE, in_signature='ssss')
def AddUnit(self, name, active_state, user, group):
    path = unit_path(str(name))
    if path in mockobject.objects:
        self.RemoveObject(path)
    self.units[str(name)] = path
    self.AddObject(path, UNIT_IFACE, {
        'Id': dbus.String(name),
        'LoadState': dbus.String('loaded'),
        'ActiveState': dbus.String(active_state),
    }, [])
    mockobject.objects[path].AddProperties(SERVICE_IFACE, {
        'User': dbus.String(user),
        'Group': dbus.String(group),
    })


@dbus.service.method(MOCK_IFACE, in_signature='ss')
def SetActiveState(self, name, active_state):
    mockobject.objects[self.units[str(name)]].UpdateProperties(UNIT_IFACE, {
        'ActiveState': dbus.String(active_state)})


@dbus.service.method(MOCK_IFACE, in_signature='s')
def FailWith(self, error_name):
    self.failure = str(error_name)

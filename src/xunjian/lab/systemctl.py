"""The lab host's ``systemctl`` (a stand-in: the lab has no systemd), for the units that
:mod:`xunjian.lab.unitd` supervises. It answers ``show UNIT -p A,B`` / ``--property=A``,
``is-active`` and ``is-enabled`` from the unit file, the ``multi-user.target.wants`` link that
``systemctl enable`` makes, the supervisor's state file and /proc (MainPID must be alive).
Installed as ``<lab host root>/usr/bin/systemctl`` by :mod:`xunjian.lab.datasync`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from xunjian.lab.unitd import STATE_DIR, read_unit

NO_SUCH_UNIT = 4  # systemctl's exit for an unknown unit (is-active: 4 too)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def properties(root: Path, unit: str) -> dict[str, str] | None:
    """The unit's properties as ``systemctl show`` names them; None: no such unit file."""
    name = unit.removesuffix(".service")
    path = root / "etc/systemd/system" / f"{name}.service"
    if not path.is_file():
        return None
    service = read_unit(path)["Service"] if read_unit(path).has_section("Service") else {}
    wants = root / "etc/systemd/system/multi-user.target.wants" / f"{name}.service"
    try:
        state = json.loads((root / STATE_DIR / f"{name}.json").read_text())
    except (OSError, ValueError):
        state = {}
    pid = int(state.get("MainPID") or 0)
    active, sub = str(state.get("ActiveState", "inactive")), str(state.get("SubState", "dead"))
    supervisor = root / STATE_DIR / f"{name}.unitd.pid"
    try:
        running = _alive(int(supervisor.read_text().split()[0]))
    except (OSError, ValueError, IndexError):
        running = False
    if not running:
        active, sub, pid = "inactive", "dead", 0
    elif pid and not _alive(pid):  # exited; the supervisor has not noticed yet
        active, sub, pid = "deactivating", "stop-sigterm", 0
    return {
        "Id": f"{name}.service",
        "LoadState": "loaded",
        "ActiveState": active,
        "SubState": sub,
        "UnitFileState": "enabled" if wants.exists() else "disabled",
        "Restart": service.get("Restart", "no"),
        "RestartUSec": str(service.get("RestartSec", "100ms")),
        "NRestarts": str(int(state.get("NRestarts", 0))),
        "MainPID": str(pid),
        "WorkingDirectory": service.get("WorkingDirectory", ""),
        "ExecMainStartTimestamp": str(state.get("ExecMainStartTimestamp", "")),
    }


def main(argv: list[str] | None = None, root: str = "/") -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    args = [a for a in args if a not in ("--no-pager", "--quiet", "-q")]
    wanted: list[str] = []
    rest: list[str] = []
    while args:
        a = args.pop(0)
        if a in ("-p", "--property"):
            wanted += args.pop(0).split(",") if args else []
        elif a.startswith("--property="):
            wanted += a.split("=", 1)[1].split(",")
        elif a != "--":
            rest.append(a)
    if len(rest) != 2 or rest[0] not in ("show", "is-active", "is-enabled"):
        print(
            "lab systemctl: only show UNIT [-p A,B], is-active UNIT, is-enabled UNIT",
            file=sys.stderr,
        )
        return 1
    verb, unit = rest
    props = properties(Path(root), unit)
    if props is None:
        if verb == "show":  # systemd shows an unknown unit as not-found, exit 0
            props = {"Id": unit, "LoadState": "not-found", "ActiveState": "inactive",
                     "SubState": "dead", "UnitFileState": "", "Restart": "no",
                     "NRestarts": "0", "MainPID": "0"}  # fmt: skip
        else:
            print(f"Unit {unit} could not be found.", file=sys.stderr)
            return NO_SUCH_UNIT
    if verb == "is-active":
        print(props["ActiveState"])
        return 0 if props["ActiveState"] == "active" else 3
    if verb == "is-enabled":
        print(props["UnitFileState"])
        return 0 if props["UnitFileState"] == "enabled" else 1
    for key in wanted or list(props):
        print(f"{key}={props.get(key, '')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(root=os.environ.get("XUNJIAN_LAB_HOST_ROOT", "/")))

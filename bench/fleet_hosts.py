"""An emulated fleet on loopback for bench/fleet.py: N hosts, 10 checks each.

Host i (1-based) is 127.0.20.i, continuing into 127.0.21.x past 254. Every host has

* sshd on port 2222: one sshd per 16 hosts (sshd takes at most 16 ListenAddress lines), each
  with its own host key, key authentication only, ``LogLevel VERBOSE`` to its own log file so
  the connections a run opens can be counted ("Accepted publickey");
* something on port 8080: one small listener process (this file, ``listen`` subcommand) bound
  to 8080 on every fleet address, never a wildcard address;
* 8 log files ``hosts/ADDRESS/app1.log`` .. ``app8.log`` under the fleet directory, each ending
  with a success marker line.

Everything lives in one temporary directory under /tmp, removed by :meth:`Fleet.stop`.
The 10 checks of a host (:func:`checks`) are shared by every row of the benchmark: the
inventory for xunjian is generated from them, and the ssh baselines run their commands.
"""

from __future__ import annotations

import os
import selectors
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SSH_PORT = 2222
APP_PORT = 8080
LOGS_PER_HOST = 8
LOG_LINES = 40
SUCCESS = "传输成功"
FAILURE = "传输失败"
PER_SSHD = 16  # sshd refuses more ListenAddress entries per process
MAX_HOSTS = 254 * 20  # 127.0.20.x .. 127.0.39.x: well inside loopback either way


def address(i: int) -> str:
    """Host i (1-based): 127.0.20.1 .. 127.0.20.254, then 127.0.21.1 ..."""
    if not 1 <= i <= MAX_HOSTS:
        raise ValueError(f"host number {i} out of range 1..{MAX_HOSTS}")
    return f"127.0.{20 + (i - 1) // 254}.{1 + (i - 1) % 254}"


def host_id(i: int) -> str:
    return f"h{i:03d}"


@dataclass(frozen=True)
class Check:
    """One observation on one host: the command a person would run and how to judge it."""

    kind: str  # "port" | "log"
    name: str
    command: str  # the literal command for this host (floor, naive loop)
    generic: str  # the same command for any host, the address taken from $SSH_CONNECTION
    judge: Callable[[int, str], str | None]  # (rc, stdout) -> None if it passes, else why
    spec: dict[str, object]  # the inventory entry


# The address the client connected to, on the host itself: the third field of $SSH_CONNECTION.
_HERE = '"$(set -- $SSH_CONNECTION; echo $3)"'


def _judge_port(addr: str, port: int, owners: tuple[str, ...]) -> Callable[[int, str], str | None]:
    def judge(rc: int, out: str) -> str | None:
        lines = [ln for ln in out.splitlines() if f"{addr}:{port}" in ln]
        if rc != 0 or not lines:
            return f"nothing listens on {addr}:{port} (rc={rc})"
        if not any(f'"{o}"' in ln for ln in lines for o in owners):
            return f"{addr}:{port} not owned by {'|'.join(owners)}: {lines[0].strip()}"
        return None

    return judge


def _judge_log(path: str) -> Callable[[int, str], str | None]:
    def judge(rc: int, out: str) -> str | None:
        if rc != 0:
            return f"cannot read {path} (rc={rc})"
        if FAILURE in out:
            return f"{path} holds {FAILURE!r}"
        if SUCCESS not in out:
            return f"{path}: no {SUCCESS!r} in the last {LOG_LINES} lines"
        return None

    return judge


def checks(root: Path, i: int, app_owner: str) -> list[Check]:
    """Host i's 10 checks: ports 2222 (sshd) and 8080 (the listener), then 8 logs."""
    addr = address(i)
    out: list[Check] = []
    for port, owners in ((SSH_PORT, ("sshd",)), (APP_PORT, (app_owner,))):
        out.append(
            Check(
                kind="port",
                name=f"port-{port}",
                command=f"timeout 30 ss -Hltnp src {addr}:{port}",
                generic=f"timeout 30 ss -Hltnp src {_HERE}:{port}",
                judge=_judge_port(addr, port, owners),
                spec={"step": "1.1", "kind": "port", "port": port, "process": list(owners)},
            )
        )
    hosts = root / "hosts"
    for k in range(1, LOGS_PER_HOST + 1):
        path = str(hosts / addr / f"app{k}.log")
        tail = f"timeout 30 env LC_ALL=C tail -n {LOG_LINES} --"
        out.append(
            Check(
                kind="log",
                name=f"app{k}-log",
                command=f"{tail} {shlex.quote(path)}",
                generic=f"{tail} {shlex.quote(str(hosts))}/{_HERE}/app{k}.log",
                judge=_judge_log(path),
                spec={
                    "step": "1.3",
                    "kind": "log",
                    "name": f"app{k}-log",
                    "path": path,
                    "lines": LOG_LINES,
                    "success": SUCCESS,
                    "failure": [FAILURE],
                },
            )
        )
    return out


def descendants(pid: int) -> list[int]:
    """Every process below pid, from /proc (children first found, deepest last)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop_process(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop a process this module started, and whatever it started, by pid."""
    below = descendants(proc.pid)
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(grace)
    for pid in below:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass


@dataclass
class Fleet:
    n: int
    root: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="xunjian-fleet-", dir="/tmp"))
    )
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    app_owner: str = "python3"

    @property
    def addresses(self) -> list[str]:
        return [address(i) for i in range(1, self.n + 1)]

    @property
    def ssh_dir(self) -> Path:
        return self.root / "ssh"

    @property
    def client_key(self) -> Path:
        return self.ssh_dir / "id_ed25519"

    @property
    def ssh_config(self) -> Path:
        return self.ssh_dir / "ssh_config"

    @property
    def known_hosts(self) -> Path:
        return self.ssh_dir / "known_hosts"

    @property
    def inventory(self) -> Path:
        return self.root / "fleet.yml"

    def sshd_logs(self) -> list[Path]:
        return sorted(self.ssh_dir.glob("sshd-*.log"))

    def accepted(self) -> int:
        """ssh connections the fleet's sshds have accepted so far."""
        return sum(
            p.read_text(errors="replace").count("Accepted publickey") for p in self.sshd_logs()
        )

    def checks(self, i: int) -> list[Check]:
        return checks(self.root, i, self.app_owner)

    # -- start ------------------------------------------------------------------------------

    def start(self, ready_within: float = 30.0) -> None:
        if not 1 <= self.n <= MAX_HOSTS:
            raise ValueError(f"N must be 1..{MAX_HOSTS}")
        self._write_logs()
        self._write_keys()
        groups = [self.addresses[g : g + PER_SSHD] for g in range(0, self.n, PER_SSHD)]
        known: list[str] = []
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
        for g, addrs in enumerate(groups):
            host_key = self.ssh_dir / f"host-{g:03d}"
            _keygen(host_key, f"xunjian-fleet-host-{g}")
            pub = Path(f"{host_key}.pub").read_text().split()
            known += [f"[{a}]:{SSH_PORT} {pub[0]} {pub[1]}" for a in addrs]
            config = self._write_sshd_config(g, addrs, host_key)
            log = self.ssh_dir / f"sshd-{g:03d}.log"
            self._spawn(["/usr/sbin/sshd", "-D", "-f", str(config), "-E", str(log)])
        self.known_hosts.write_text("\n".join(known) + "\n")
        self._write_ssh_config()
        addr_file = self.root / "addresses"
        addr_file.write_text("\n".join(self.addresses) + "\n")
        listener = self._spawn(
            [sys.executable, str(Path(__file__).resolve()), "listen", str(APP_PORT), str(addr_file)]
        )
        self._wait_ready(ready_within)
        self.app_owner = Path(f"/proc/{listener.pid}/comm").read_text().strip()
        self._write_inventory()

    def _spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        # a session of its own: a Ctrl-C reaches only bench/fleet.py, which then stops it
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, start_new_session=True
        )
        self.procs.append(proc)
        return proc

    def _write_logs(self) -> None:
        for a in self.addresses:
            d = self.root / "hosts" / a
            d.mkdir(parents=True)
            for k in range(1, LOGS_PER_HOST + 1):
                body = [f"2026-11-25 02:{m:02d}:00 INFO app{k} chunk {m} sent" for m in range(50)]
                body[20] = f"2026-11-25 02:20:00 INFO app{k} {SUCCESS} (earlier run)"
                body.append(f"2026-11-25 02:50:00 INFO app{k} {SUCCESS}")
                (d / f"app{k}.log").write_text("\n".join(body) + "\n", encoding="utf-8")

    def _write_keys(self) -> None:
        self.ssh_dir.mkdir(mode=0o700)
        _keygen(self.client_key, "xunjian-fleet-client")
        auth = self.ssh_dir / "authorized_keys"
        auth.write_text(Path(f"{self.client_key}.pub").read_text())
        auth.chmod(0o600)

    def _write_sshd_config(self, g: int, addrs: list[str], host_key: Path) -> Path:
        lines = [
            f"Port {SSH_PORT}",
            *(f"ListenAddress {a}" for a in addrs),
            f"HostKey {host_key}",
            f"PidFile {self.ssh_dir / f'sshd-{g:03d}.pid'}",
            f"AuthorizedKeysFile {self.ssh_dir / 'authorized_keys'}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "X11Forwarding no",
            "PrintMotd no",
            "PrintLastLog no",
            "UseDNS no",
            "LogLevel VERBOSE",
            "MaxStartups 1000:100:1000",  # parallel connects must not be dropped
            "MaxSessions 1000",
            "LoginGraceTime 30",
            "ClientAliveInterval 30",
        ]
        config = self.ssh_dir / f"sshd-{g:03d}.conf"
        config.write_text("\n".join(lines) + "\n")
        # OpenSSH 9.8+ penalises sources whose connections close before authenticating (as the
        # port checks' TCP connects do): switch that off where this sshd knows the option.
        trial = config.with_suffix(".try")
        trial.write_text(config.read_text() + "PerSourcePenalties no\n")
        ok = subprocess.run(
            ["/usr/sbin/sshd", "-t", "-f", str(trial)], capture_output=True, timeout=30
        )
        if ok.returncode == 0:
            trial.replace(config)
        else:
            trial.unlink()
        return config

    def _write_ssh_config(self) -> None:
        nets = sorted({a.rsplit(".", 1)[0] + ".*" for a in self.addresses})
        lines = [
            f"Host {' '.join(nets)}",
            f"    Port {SSH_PORT}",
            "    User root",
            f"    IdentityFile {self.client_key}",
            "    IdentitiesOnly yes",
            "    StrictHostKeyChecking yes",
            f"    UserKnownHostsFile {self.known_hosts}",
            "    ConnectTimeout 10",
            "    LogLevel ERROR",
            "    BatchMode yes",
        ]
        self.ssh_config.write_text("\n".join(lines) + "\n")

    def _write_inventory(self) -> None:
        hosts = {
            host_id(i): {
                "address": address(i),
                "connection": f"ssh://root@{address(i)}",
                "checks": [c.spec for c in self.checks(i)],
            }
            for i in range(1, self.n + 1)
        }
        inv = {
            "version": 1,
            "name": "fleet",
            "defaults": {"timeout": 10, "ssh_config": str(self.ssh_config)},
            "systems": {
                "fleet": {
                    "title": "loopback fleet (bench/fleet.py)",
                    "steps": {
                        "1.1": {
                            "title": "检查服务进程",
                            "normal": "所有端口均处于 `LISTEN`",
                            "remedy": "根据情况重启",
                        },
                        "1.3": {
                            "title": "检查文件传输日志",
                            "normal": "日志最后显示传输成功，**无“传输失败”** 字样",
                            "remedy": "参照 **监控与错误处理** 进行处理",
                        },
                    },
                    "hosts": hosts,
                }
            },
        }
        self.inventory.write_text(
            yaml.safe_dump(inv, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8"
        )

    def _wait_ready(self, within: float) -> None:
        deadline = time.monotonic() + within
        todo = [(a, p) for a in self.addresses for p in (SSH_PORT, APP_PORT)]
        for proc in self.procs:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args!r} exited with {proc.returncode} at start")
        while todo:
            a, p = todo[-1]
            try:
                with socket.create_connection((a, p), timeout=1):
                    todo.pop()
                    continue
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{a}:{p} not listening after {within:g}s ({len(todo)} left)")
            if any(proc.poll() is not None for proc in self.procs):
                logs = "\n".join(p.read_text()[-2000:] for p in self.sshd_logs())
                raise RuntimeError(f"a fleet process died while starting\n{logs}")
            time.sleep(0.05)

    # -- stop -------------------------------------------------------------------------------

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop_process(proc)
        self.procs.clear()
        shutil.rmtree(self.root, ignore_errors=True)


def _keygen(key: Path, comment: str) -> None:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )


def _sockets(port: int, addresses: list[str]) -> Iterator[socket.socket]:
    for a in addresses:
        if not a.startswith("127."):
            raise SystemExit(f"refusing to bind {a}: loopback only")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, port))
        s.listen(128)
        s.setblocking(False)
        yield s


def listen(port: int, addresses: list[str]) -> None:
    """Accept on port at every address and close at once, until SIGTERM."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    sel = selectors.DefaultSelector()
    for s in _sockets(port, addresses):
        sel.register(s, selectors.EVENT_READ)
    while True:
        for key, _ in sel.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            try:
                conn, _peer = sock.accept()
                conn.close()
            except BlockingIOError:
                pass


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "listen":
        listen(int(sys.argv[2]), Path(sys.argv[3]).read_text().split())
    else:
        sys.exit(f"usage: {sys.argv[0]} listen PORT ADDRESS_FILE (started by bench/fleet.py)")

"""Scratch servers of our own on 127.0.40.x, to hang on purpose (SIGSTOP) without touching the
shared lab: a Redis, a MariaDB, an sshd, and tarpits (Python sockets that accept and stall).

Every process started here is stopped at the end, continued first if it was stopped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path


def wait_listening(address: str, port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with socket.create_connection((address, port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {address}:{port} after {seconds:g} s")


class Scratch:
    """The servers of one test module, in one temporary directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _start(self, name: str, argv: list[str], address: str, port: int) -> None:
        log = (self.root / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
        wait_listening(address, port)

    def redis(self, address: str, port: int = 6379) -> None:
        argv = ["redis-server", "--bind", address, "--port", str(port), "--save", ""]
        argv += ["--appendonly", "no", "--protected-mode", "no", "--dir", str(self.root)]
        self._start("redis", argv, address, port)

    def mariadb(self, address: str, port: int = 3306) -> None:
        """Grants are skipped: any user logs in (the tests hang it, they do not query much)."""
        data = self.root / "mariadb"
        install = ["mariadb-install-db", "--no-defaults", "--user=root", f"--datadir={data}"]
        subprocess.run(
            [*install, "--auth-root-authentication-method=socket", "--skip-test-db"],
            check=True,
            capture_output=True,
            timeout=180,
        )
        argv = ["mariadbd", "--no-defaults", "--user=root", f"--datadir={data}"]
        argv += [f"--socket={self.root / 'mariadb.sock'}", f"--pid-file={self.root / 'm.pid'}"]
        argv += [f"--bind-address={address}", f"--port={port}", "--skip-grant-tables"]
        argv += ["--skip-name-resolve", "--innodb-buffer-pool-size=16M"]
        self._start("mariadb", argv, address, port)

    def sshd(self, address: str, port: int = 2222) -> Path:
        """An sshd (after the lab's, lab/sshd.py) taking the client key it makes; returns an ssh
        config that reaches it."""
        ssh = self.root / "ssh"
        ssh.mkdir(mode=0o700)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
        for key in ("host_key", "id_ed25519"):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(ssh / key)],
                check=True,
                timeout=30,
            )
        (ssh / "authorized_keys").write_text((ssh / "id_ed25519.pub").read_text())
        config = ssh / "sshd_config"
        config.write_text(
            f"Port {port}\nListenAddress {address}\nHostKey {ssh / 'host_key'}\n"
            f"PidFile {ssh / 'sshd.pid'}\nAuthorizedKeysFile {ssh / 'authorized_keys'}\n"
            "PermitRootLogin prohibit-password\nPasswordAuthentication no\n"
            "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nUseDNS no\n"
            "MaxStartups 50:30:100\nLogLevel VERBOSE\n"
        )
        self._start("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", str(config)], address, port)
        client = ssh / "ssh_config"
        client.write_text(
            f"Host 127.0.40.*\n  User root\n  IdentityFile {ssh / 'id_ed25519'}\n"
            "  IdentitiesOnly yes\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n"
            "  LogLevel ERROR\n"
        )
        return client

    def stop(self, name: str) -> None:
        os.kill(self.procs[name].pid, signal.SIGSTOP)

    def cont(self, name: str) -> None:
        os.kill(self.procs[name].pid, signal.SIGCONT)

    def close(self) -> None:
        for proc in self.procs.values():
            for sig in (signal.SIGCONT, signal.SIGTERM):
                try:
                    proc.send_signal(sig)
                except ProcessLookupError:
                    pass
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


class Tarpit:
    """Accepts TCP connections and runs ``behave(conn, stop)`` on each (default: say nothing)."""

    def __init__(
        self,
        address: str,
        behave: Callable[[socket.socket, threading.Event], None] | None = None,
        port: int = 0,
    ) -> None:
        self.sock = socket.create_server((address, port))
        self.address = address
        self.port = int(self.sock.getsockname()[1])
        self.behave = behave or (lambda conn, stop: None)
        self.accepted = 0
        self.stop = threading.Event()
        self.conns: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn = self.sock.accept()[0]
            except OSError:
                return
            self.accepted += 1
            self.conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self.behave(conn, self.stop)
        except OSError:
            pass

    def close(self) -> None:
        self.stop.set()
        self.sock.close()
        for conn in self.conns:
            conn.close()


def says_then_stalls(data: bytes) -> Callable[[socket.socket, threading.Event], None]:
    """A server that speaks a little of its protocol, then says nothing more."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(data)
        stop.wait()

    return behave


def trickles(data: bytes, every: float) -> Callable[[socket.socket, threading.Event], None]:
    """A server that sends ``data`` one byte at a time, ``every`` seconds apart."""

    def behave(conn: socket.socket, stop: threading.Event) -> None:
        for byte in data:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))
        stop.wait()

    return behave

"""sshd: one daemon on port 2222 of every lab host, key authentication only, keys in the lab dir."""

from __future__ import annotations

from pathlib import Path

from xunjian.lab import process
from xunjian.lab.component import Component
from xunjian.lab.topology import HOSTS, SSH_PORT


class Sshd(Component):
    name = "sshd"

    @property
    def config(self) -> Path:
        return self.paths.ssh_dir / "sshd_config"

    @property
    def client_key(self) -> Path:
        return self.paths.ssh_dir / "id_ed25519"

    def listen(self) -> list[tuple[str, int]]:
        return [(a, SSH_PORT) for a in HOSTS.values()]

    def _keygen(self, key: Path, comment: str) -> None:
        if not key.exists():
            process.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(key)],
                timeout=30,
            )

    def prepare(self) -> None:
        ssh = self.paths.ssh_dir
        ssh.mkdir(parents=True, exist_ok=True)
        ssh.chmod(0o700)
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # sshd's privilege separation dir
        host_key = ssh / "ssh_host_ed25519_key"
        self._keygen(host_key, "xunjian-lab-host")
        self._keygen(self.client_key, "xunjian-lab-client")
        authorized = ssh / "authorized_keys"
        authorized.write_text(Path(str(self.client_key) + ".pub").read_text())
        authorized.chmod(0o600)
        lines = [
            f"Port {SSH_PORT}",
            *(f"ListenAddress {a}" for a in HOSTS.values()),
            f"HostKey {host_key}",
            f"PidFile {self.paths.run / 'sshd.real.pid'}",
            f"AuthorizedKeysFile {authorized}",
            "PermitRootLogin prohibit-password",
            "PubkeyAuthentication yes",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "X11Forwarding no",
            "PrintMotd no",
            "UseDNS no",
            "MaxStartups 50:30:100",
            "MaxSessions 50",
            "LoginGraceTime 20",
            "ClientAliveInterval 30",
            "AcceptEnv LANG LC_*",
            "Subsystem sftp /usr/lib/openssh/sftp-server",
        ]
        self.config.write_text("\n".join(lines) + "\n")
        self.write_client_config()

    def write_client_config(self) -> None:
        nets = dict.fromkeys(a.rsplit(".", 1)[0] + ".*" for a in HOSTS.values())  # 127.0.10.* ...
        lines = [
            "Host " + " ".join(nets),
            f"    Port {SSH_PORT}",
            "    User root",
            f"    IdentityFile {self.client_key}",
            "    IdentitiesOnly yes",
            "    StrictHostKeyChecking no",
            "    UserKnownHostsFile /dev/null",
            "    ConnectTimeout 5",
            "    LogLevel ERROR",
            "    BatchMode yes",
        ]
        self.paths.ssh_config.write_text("\n".join(lines) + "\n")

    def argv(self) -> list[str]:
        return ["/usr/sbin/sshd", "-D", "-f", str(self.config), "-E", str(self.logfile)]

    def launch(self) -> bool:
        """Start sshd; restart one that runs without some of the hosts (an older config)."""
        pid = self.pid()
        if pid is not None and not all(process.port_open(a, p, 0.5) for a, p in self.listen()):
            self.stop()
        return super().launch()

    def stop(self, crash: bool = False) -> None:
        super().stop(crash)
        (self.paths.run / "sshd.real.pid").unlink(missing_ok=True)

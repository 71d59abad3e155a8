"""The host probe's connection settings (no connection is made here)."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest

from xunjian.lab import Lab
from xunjian.observe import host
from xunjian.result import ObservationError


def test_control_dir_stays_short_enough_for_a_unix_socket(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    long_tmp = tmp_path / ("x" * 90)
    long_tmp.mkdir()  # tempfile ignores a TMPDIR that does not exist
    monkeypatch.delenv("XUNJIAN_SSH_CONTROL_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(long_tmp))
    monkeypatch.setattr(host.tempfile, "tempdir", None)  # make tempfile re-read TMPDIR
    assert host.tempfile.gettempdir() == str(long_tmp)
    assert host.control_dir() == f"/tmp/xunjian-ssh-{os.getuid()}"


def test_control_dir_follows_a_short_tmpdir(monkeypatch: pytest.MonkeyPatch) -> None:
    short = Path(tempfile.mkdtemp(prefix="xj", dir="/tmp"))
    monkeypatch.delenv("XUNJIAN_SSH_CONTROL_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(short))
    monkeypatch.setattr(host.tempfile, "tempdir", None)
    try:
        assert host.control_dir() == f"{short}/xunjian-ssh-{os.getuid()}"
    finally:
        short.rmdir()
    assert len(host.control_dir()) + len("/") + 40 < 108  # %C is 40 hex digits


def test_control_dir_can_be_chosen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUNJIAN_SSH_CONTROL_DIR", "/tmp/xj-mine")
    assert host.control_dir() == "/tmp/xj-mine"


def test_ssh_never_prompts_and_multiplexes() -> None:
    kw = host.HostProbe("ssh://root@127.0.10.1", "/x/ssh_config", 5)._kwargs()
    assert "BatchMode=yes" in kw["ssh_extra_args"]
    assert "ServerAliveInterval" in kw["ssh_extra_args"]
    assert kw["controlpath"].endswith("%%C")
    assert kw["ssh_config"] == "/x/ssh_config" and kw["timeout"] == 5


def test_local_backend_gets_no_ssh_options() -> None:
    assert host.HostProbe("local://", "/x/ssh_config", 5)._kwargs() == {}


class Hanging:
    """A testinfra host whose transport never comes back (a paramiko channel on a dead link)."""

    calls = 0

    def run(self, *args: object) -> None:
        Hanging.calls += 1
        time.sleep(3)


def test_a_transport_that_hangs_is_cut_off_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "REMOTE_TIMEOUT", 0)
    monkeypatch.setattr(host, "GRACE", 0)
    probe = host.HostProbe("paramiko://root@127.0.10.1", None, 1)
    probe._host = Hanging()
    with pytest.raises(
        ObservationError, match=r"paramiko://root@127.0.10.1 did not answer within 1s"
    ):
        probe.run("true")
    with pytest.raises(ObservationError, match="did not answer"):
        probe.run("true")  # the host is silent now: no second wait
    assert Hanging.calls == 1


def test_output_is_decoded_without_asking_the_host_its_locale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """testinfra decodes non-ASCII output with the host's locale, which it learns by a second
    remote command (python3 -c ...): a session per host. The probe decodes UTF-8 itself."""
    from testinfra.backend.base import BaseBackend

    def asked(self: object) -> str:
        raise AssertionError("the probe asked the host for its encoding")

    monkeypatch.setattr(BaseBackend, "get_encoding", asked)
    probe = host.HostProbe("local://", None, 5)
    out = probe.run("printf '\\344\\274\\240\\350\\276\\223 caf\\303\\251'")
    assert out.stdout == "传输 café"
    named = probe.run("printf %s", "传输成功")  # a non-ASCII command line, e.g. a log's path
    assert named.stdout == "传输成功"
    bad = probe.run("printf 'ok \\377\\n'")  # not UTF-8: shown, not fatal
    assert bad.stdout == "ok \ufffd\n"


@pytest.mark.lab
def test_unknown_host_key_says_how_to_seed_known_hosts(lab: Lab, tmp_path: Path) -> None:
    """BatchMode refuses a host whose key is not known: the UNKNOWN says what to do."""
    config = tmp_path / "ssh_config"
    lab_config = lab.ssh_config_path()
    config.write_text(
        lab_config.read_text()
        .replace("StrictHostKeyChecking no", "StrictHostKeyChecking yes")
        .replace("UserKnownHostsFile /dev/null", f"UserKnownHostsFile {tmp_path / 'empty'}")
    )
    probe = host.HostProbe("ssh://root@127.0.10.1", str(config), 5)
    with pytest.raises(ObservationError) as raised:
        probe.run("true")
    said = str(raised.value)
    assert "Host key verification failed" in said
    assert "ssh-keyscan -p PORT ADDRESS >> ~/.ssh/known_hosts" in said

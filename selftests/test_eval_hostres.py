"""hostres: CPU, memory, disk and load per core judged in % (pure parsers and evaluation,
accept and reject tables)."""

from __future__ import annotations

from typing import Any

import pytest
from cases import assert_result, make_case
from pydantic import ValidationError

from xunjian.checks import hostres
from xunjian.observe.batch import Section
from xunjian.observe.resources import CpuBusy, DiskUsage, DiskUse, LoadPerCore, MemoryUse
from xunjian.result import ObservationError, Verdict

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
BANDS = {"warn": "> 70 %", "crit": "> 90 %"}
CPU: dict[str, Any] = {"kind": "hostres", "name": "cpu", "resource": "cpu", "use": BANDS}
DISK: dict[str, Any] = {**CPU, "name": "disk", "resource": "disk", "path": "/var/lib/mysql"}
LOAD: dict[str, Any] = {**CPU, "name": "load", "resource": "load"}


def test_cpu_busy_share_between_two_samples() -> None:
    out = "cpu  100 0 100 800 0 0 0 0 0 0\ncpu  150 0 150 850 50 0 0 0 0 0\n"
    # 200 jiffies passed, 100 of them idle or iowait: 50 % busy
    assert CpuBusy().parse(Section(0, out, "")) == 50.0


def test_memory_is_one_minus_available_over_total() -> None:
    out = "MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n"
    assert MemoryUse().parse(Section(0, out, "")) == 75.0


def test_df_line_with_a_mount_holding_spaces() -> None:
    out = "Filesystem 1024-blocks Used Available Capacity Mounted on\n/dev/sda1 100 80 20 80% /mnt/my disk\n"
    usage = DiskUse("/mnt/my disk").parse(Section(0, out, ""))
    assert usage == DiskUsage("/dev/sda1", "/mnt/my disk", 80, 20) and usage.percent == 80.0


def test_load_and_cores() -> None:
    assert LoadPerCore().parse(Section(0, "1.50 1.00 0.50 2/300 4242\n2\n", "")) == (1.5, 2)


@pytest.mark.parametrize(
    "fact", [CpuBusy(), MemoryUse(), DiskUse("/x"), LoadPerCore()], ids=lambda f: type(f).__name__
)
def test_garbage_is_an_observation_error(fact: Any) -> None:
    with pytest.raises(ObservationError, match="printed something unexpected"):
        fact.parse(Section(0, "garbage\n", ""))


def test_a_missing_disk_path_is_none() -> None:
    assert DiskUse("/nope").parse(Section(44, "", "")) is None


@pytest.mark.parametrize(
    ("spec", "obs", "verdict", "text"),
    [
        pytest.param(CPU, 12.34, OK, "12.3 %", id="cpu-ok"),
        pytest.param(CPU, 80.0, WARN, "CPU use 80 % > 70 %", id="cpu-between-is-warn"),
        pytest.param(CPU, 95.0, CRIT, "CPU use 95 % > 90 %", id="cpu-crit"),
        pytest.param(
            DISK, DiskUsage("/dev/vda", "/", 91, 9), CRIT, "91 % of / (/dev/vda)", id="disk-crit"
        ),
        pytest.param(
            DISK, DiskUsage("/dev/vda", "/", 75, 25), WARN, "disk use 75 % > 70 %", id="disk-warn"
        ),
        pytest.param(DISK, None, CRIT, "/var/lib/mysql does not exist", id="disk-path-missing"),
        pytest.param(LOAD, (1.0, 2), OK, "50 % (load 1 on 2 CPU(s))", id="load-per-core"),
        pytest.param(LOAD, (1.9, 2), CRIT, "95 % > 90 %", id="load-crit"),
    ],
)
def test_evaluate(spec: dict[str, Any], obs: Any, verdict: Verdict, text: str) -> None:
    assert_result(hostres.evaluate(make_case(spec), obs), verdict, text)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({**CPU, "resource": "disk"}, "resource disk needs path"),
        ({**CPU, "path": "/x"}, "path is for resource disk, not cpu"),
        ({**CPU, "use": {"crit": "> 2 GiB"}}, "use takes percentages"),
        ({**CPU, "resource": "network"}, "resource"),
    ],
)
def test_bad_specs_are_named(spec: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        make_case(spec)


@pytest.mark.parametrize(
    "fact", [CpuBusy(), MemoryUse(), DiskUse("/"), LoadPerCore()], ids=lambda f: type(f).__name__
)
def test_the_commands_read_this_machine(fact: Any) -> None:
    """Each fact's own command, run here (the lab hosts are this machine), parses."""
    import subprocess

    done = subprocess.run(["sh", "-c", fact.command()], capture_output=True, text=True, check=False)
    value = fact.parse(Section(done.returncode, done.stdout, done.stderr))
    percent = value.percent if isinstance(value, DiskUsage) else value
    if isinstance(value, tuple):
        assert value[1] >= 1 and value[0] >= 0
    else:
        assert 0 <= percent <= 100

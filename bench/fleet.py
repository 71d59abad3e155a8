"""Benchmark: xunjian on N emulated hosts (loopback), next to the floor, a naive loop and pyinfra.

    python bench/fleet.py N [--rev REV] [--repeat K] [--floor-parallel 8]
                            [--pyinfra-parallel 10,50] [--timeout S] [--skip naive,pyinfra,...]
                            [--pyinfra PATH]

Starts a fleet of N hosts on 127.0.20.x (bench/fleet_hosts.py: one sshd per 16 hosts on port
2222, a listener on 8080, 8 log files per host; 10 checks per host: 2 port, 8 log), then times,
in one run, each row once (--repeat K: K times, the median shown):

* xunjian as shipped (`pytest -m daily`: the project's addopts, `-n auto --dist loadgroup`,
  reports sent to a temp dir), and with `-n 0`; each run with a fresh XUNJIAN_SSH_CONTROL_DIR;
  JUnit XML must show every check passed, else the benchmark stops (failing checks measure
  nothing). The code is the work tree as it is, or with --rev a commit exported by
  `git archive` into the temp dir and put first on PYTHONPATH (the repository is not touched);
* the floor: one ssh per host running all 10 commands in one `sh -c`, no connection sharing
  (ControlPath=none: one fresh connection per host), hosts in parallel with as many at once as
  xunjian's `-n auto` has workers, and at --floor-parallel for reference (8 by default: as many
  ssh at once as xunjian's 2 workers may have, each gathering 4 machines ahead);
* the naive loop: one ssh per check, no connection sharing, strictly one after another (from
  Python: a shell `while read` loop would behave the same with `ssh -n`);
* pyinfra (its CLI, a dev tool of this benchmark only, found with --pyinfra, $XUNJIAN_BENCH_PYINFRA,
  `pyinfra` on PATH or ~/.cache/xunjian-bench/pyinfra/bin/pyinfra): one
  `pyinfra INVENTORY fact server.Command command=...` run with the 10 commands as 10 facts,
  at each --pyinfra-parallel.

Every row's observations are judged (listener owner, marker lines); ssh connections per row are
counted in the fleet sshds' logs. Prints figures, asserts nothing about time. Every process it
starts is stopped and the temp dir removed at the end, on Ctrl-C too.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType, SimpleNamespace
from typing import Any, cast

from fleet_hosts import Check, Fleet, descendants  # bench/ is sys.path[0] when run as a script

ROOT = Path(__file__).resolve().parent.parent
PYINFRA_VENV = Path.home() / ".cache" / "xunjian-bench" / "pyinfra"
INSTALL_PYINFRA = (
    "pyinfra is not installed: skipping its rows. pyinfra 3 pins paramiko<5, which would "
    "downgrade this project's paramiko, so give it a venv of its own:\n"
    f"    python -m venv {PYINFRA_VENV} && {PYINFRA_VENV}/bin/pip install pyinfra\n"
    "(found there by default; or pass --pyinfra PATH / set XUNJIAN_BENCH_PYINFRA)"
)


DEFAULTS = "defaults (-n auto)"
FLOOR = "floor: 1 batched ssh per host"
PYINFRA = "pyinfra: fact server.Command x10"


class BenchError(Exception):
    """A row could not be measured: checks failed, a phase timed out, a tool broke."""


# -- processes ------------------------------------------------------------------------------

_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Stop a process started here (its own session) and everything under it, by pid."""
    below = descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)  # its own process group: started with a new session
        except ProcessLookupError:
            break
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            continue
    for pid in below:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def started(argv: list[str], **kw: Any) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True, **kw)
    with _LIVE_LOCK:
        _LIVE.add(proc)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            _kill(proc)
        with _LIVE_LOCK:
            _LIVE.discard(proc)


def run(argv: list[str], timeout: float, **kw: Any) -> tuple[int, bytes, bytes]:
    """Run to the end or kill it after timeout seconds (-> rc -9)."""
    with started(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            out, err = proc.communicate()
            return -9, out, err + f"\n(killed after {timeout:g}s)".encode()
        return proc.returncode, out, err


def kill_all_live() -> None:
    with _LIVE_LOCK:
        live = list(_LIVE)
    for proc in live:
        _kill(proc)


# -- the rows -------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    parallel: str
    wall: float
    conns: int
    checks: str
    walls: tuple[float, ...] = ()  # every run's wall time, with --repeat


def ssh_argv(fleet: Fleet, addr: str) -> list[str]:
    """No connection sharing: every ssh opens (and closes) its own connection."""
    return [
        "ssh",
        "-F",
        str(fleet.ssh_config),
        "-o",
        "ControlMaster=no",
        "-o",
        "ControlPath=none",
        addr,
    ]


def settle_count(fleet: Fleet, before: int) -> int:
    time.sleep(0.5)  # let the sshds write the line of the last connection
    return fleet.accepted() - before


def judge_all(label: str, problems: list[str], total: int) -> str:
    if problems:
        shown = "\n    ".join(problems[:10])
        more = f"\n    ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise BenchError(f"{label}: {len(problems)} of {total} checks failed:\n    {shown}{more}")
    return f"{total}/{total} ok"


def floor(fleet: Fleet, parallel: int, timeout: float) -> Row:
    before = fleet.accepted()
    start = time.perf_counter()
    deadline = start + timeout

    def one_host(i: int) -> list[str]:
        addr = fleet.addresses[i - 1]
        left = deadline - time.perf_counter()
        if left <= 0:
            return [f"{addr}: not reached within the phase's {timeout:g}s"]
        cks = fleet.checks(i)
        script = "; ".join(f"{c.command}; echo @@xj{j} $?" for j, c in enumerate(cks))
        argv = [*ssh_argv(fleet, addr), f"sh -c {shlex.quote(script)}"]
        rc, out, err = run(argv, min(left, 60))
        if rc != 0:
            return [f"{addr}: ssh rc={rc}: {err.decode(errors='replace').strip()[-300:]}"]
        return judge_batch(addr, cks, out.decode(errors="replace"))

    with ThreadPoolExecutor(parallel) as pool:
        futures = [pool.submit(one_host, i) for i in range(1, fleet.n + 1)]
        problems = [p for f in futures for p in f.result()]  # each bounded by the deadline
    wall = time.perf_counter() - start
    checks = judge_all(f"floor at {parallel}", problems, 10 * fleet.n)
    return Row(FLOOR, str(parallel), wall, settle_count(fleet, before), checks)


def judge_batch(addr: str, cks: list[Check], out: str) -> list[str]:
    """Split `cmd; echo @@xjJ $?` output back into the commands' outputs and judge each."""
    problems: list[str] = []
    chunk: list[str] = []
    seen: set[int] = set()
    for line in out.splitlines():
        m = re.fullmatch(r"(.*)@@xj(\d+) (\d+)", line)
        if m is None:
            chunk.append(line)
            continue
        if m.group(1):
            chunk.append(m.group(1))
        j, rc = int(m.group(2)), int(m.group(3))
        seen.add(j)
        why = cks[j].judge(rc, "\n".join(chunk))
        if why:
            problems.append(f"{addr} {cks[j].name}: {why}")
        chunk = []
    problems += [f"{addr} {c.name}: no output" for j, c in enumerate(cks) if j not in seen]
    return problems


def naive(fleet: Fleet, timeout: float) -> Row:
    before = fleet.accepted()
    problems: list[str] = []
    start = time.perf_counter()
    for i, addr in enumerate(fleet.addresses, 1):
        for c in fleet.checks(i):
            left = timeout - (time.perf_counter() - start)
            if left <= 0:
                raise BenchError(f"naive loop: not done after {timeout:g}s (at {addr})")
            rc, out, err = run([*ssh_argv(fleet, addr), c.command], min(left, 60))
            why = c.judge(rc, out.decode(errors="replace"))
            if why:
                problems.append(f"{addr} {c.name}: {why} {err.decode(errors='replace').strip()}")
    wall = time.perf_counter() - start
    checks = judge_all("naive loop", problems, 10 * fleet.n)
    return Row("naive: 1 ssh per check, sequential", "1", wall, settle_count(fleet, before), checks)


def close_masters(control_dir: Path) -> None:
    """Stop the ssh control masters a run left behind (ControlPersist), then any straggler."""
    if not control_dir.is_dir():
        return
    for sock in control_dir.iterdir():
        run(["ssh", "-S", str(sock), "-O", "exit", "fleet-master"], 10)
    needle = str(control_dir).encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                if needle in Path(f"/proc/{entry}/cmdline").read_bytes():
                    os.kill(int(entry), signal.SIGTERM)
            except (OSError, ProcessLookupError):
                pass


def junit_counts(path: Path) -> tuple[int, list[str]]:
    """(passed, [test id: message] of the others) from a JUnit XML file."""
    passed, bad = 0, []
    for case in ET.parse(path).getroot().iter("testcase"):
        outcome = next((c for c in case if c.tag in ("failure", "error", "skipped")), None)
        if outcome is None:
            passed += 1
        else:
            msg = (outcome.get("message") or "").strip().splitlines()
            bad.append(f"{case.get('name')}: {outcome.tag}: {msg[0] if msg else ''}"[:300])
    return passed, bad


@dataclass(frozen=True)
class Code:
    """The xunjian to measure: a source tree and the environment that imports it."""

    root: Path
    env: dict[str, str]
    commit: str


def code_at(rev: str | None, into: Path) -> Code:
    def git(*argv: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["git", "-C", str(ROOT), *argv], capture_output=True, timeout=120)

    if rev is None:
        commit = git("rev-parse", "--short", "HEAD").stdout.decode().strip()
        if git("status", "--porcelain", "--untracked-files=no").stdout.strip():
            commit += " + uncommitted changes (the work tree)"
        return Code(ROOT, dict(os.environ), commit)
    full = git("rev-parse", "--verify", f"{rev}^{{commit}}")
    if full.returncode != 0:
        raise BenchError(f"--rev {rev}: {full.stderr.decode().strip()}")
    sha = full.stdout.decode().strip()
    into.mkdir()
    archive = git("archive", "--format=tar", sha)
    if archive.returncode != 0:
        raise BenchError(f"git archive {sha}: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True, timeout=120)
    path = os.pathsep.join(p for p in (str(into / "src"), os.environ.get("PYTHONPATH")) if p)
    return Code(into, dict(os.environ) | {"PYTHONPATH": path}, f"{sha[:7]} ({rev}, exported)")


def pytest_argv(fleet: Fleet, out: Path, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-m",
        "daily",
        "-p",
        "no:cacheprovider",
        f"--inventory={fleet.inventory}",
        f"--html={out / 'report.html'}",
        f"--junitxml={out / 'junit.xml'}",
        f"--alluredir={out / 'allure'}",
        *extra,
    ]


def xunjian_env(code: Code, control_dir: Path) -> dict[str, str]:
    return code.env | {
        "XUNJIAN_LOOPBACK_ONLY": "1",
        "XUNJIAN_SSH_CONTROL_DIR": str(control_dir),
    }


def xunjian(
    fleet: Fleet, code: Code, label: str, extra: list[str], timeout: float, workers: str
) -> Row:
    """One pytest run; workers: what to show when xdist does not say how many it started."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")  # testinfra runs ssh via sh
    out = Path(tempfile.mkdtemp(prefix=f"run-{slug}-", dir=fleet.root))
    # fresh for every run: no master of another run is reused. Short: ssh's control socket
    # path (this dir, a 40-character hash, a temporary suffix) must stay under 108 bytes.
    control = Path(tempfile.mkdtemp(prefix="c", dir=fleet.root))
    before = fleet.accepted()
    start = time.perf_counter()
    try:
        rc, stdout, stderr = run(
            pytest_argv(fleet, out, extra), timeout, cwd=code.root, env=xunjian_env(code, control)
        )
        wall = time.perf_counter() - start
    finally:
        close_masters(control)
    text = stdout.decode(errors="replace") + stderr.decode(errors="replace")
    junit = out / "junit.xml"
    if not junit.exists():
        raise BenchError(f"xunjian {label}: rc={rc}, no JUnit XML; output ends:\n{text[-3000:]}")
    passed, bad = junit_counts(junit)
    total = 10 * fleet.n
    if bad or passed != total or rc != 0:
        raise BenchError(
            f"xunjian {label}: rc={rc}, {passed}/{total} passed; not passed:\n    "
            + "\n    ".join(bad[:10])
            + f"\noutput ends:\n{text[-1500:]}"
        )
    created = re.search(r"created: (\d+)/\d+ workers?", text)  # xdist, when not -q
    parallel = created.group(1) if created else workers
    summary = f"{passed}/{total} passed"
    return Row(f"xunjian {label}", parallel, wall, settle_count(fleet, before), summary)


def pyinfra_version(exe: list[str]) -> str | None:
    try:
        rc, out, _ = run([*exe, "--version"], 60)
    except OSError:
        return None
    return out.decode().strip().removeprefix("pyinfra: ") if rc == 0 else None


def find_pyinfra(given: str | None) -> list[str] | None:
    """pyinfra's CLI, looked up only now: it is a tool of this benchmark, not of xunjian."""
    import importlib.util

    if given:
        return [given] if pyinfra_version([given]) else None
    candidates: list[list[str]] = []
    if importlib.util.find_spec("pyinfra") is not None:
        candidates.append([sys.executable, "-m", "pyinfra"])
    if exe := shutil.which("pyinfra"):
        candidates.append([exe])
    candidates.append([str(PYINFRA_VENV / "bin" / "pyinfra")])
    for argv in candidates:
        if (argv[0] == sys.executable or Path(argv[0]).exists()) and pyinfra_version(argv):
            return argv
    return None


def write_pyinfra_inventory(fleet: Fleet) -> Path:
    data = {
        "ssh_port": 2222,
        "ssh_user": "root",
        "ssh_key": str(fleet.client_key),
        "ssh_known_hosts_file": str(fleet.known_hosts),
        "ssh_strict_host_key_checking": "yes",
        "ssh_allow_agent": False,
        "ssh_look_for_keys": False,
    }
    path = fleet.root / "pyinfra_inventory.py"
    hosts = ",\n".join(f"    ({a!r}, DATA)" for a in fleet.addresses)
    path.write_text(f"DATA = {data!r}\n\nfleet = [\n{hosts},\n]\n")
    return path


def pyinfra(fleet: Fleet, exe: list[str], inventory: Path, parallel: int, timeout: float) -> Row:
    generic = fleet.checks(1)  # the same 10 commands on every host: pyinfra facts are per run
    argv = [*exe, "--parallel", str(parallel), "--json", str(inventory), "fact"]
    for c in generic:
        argv += ["server.Command", f"command={c.generic}"]
    before = fleet.accepted()
    start = time.perf_counter()
    rc, out, err = run(argv, timeout, cwd=fleet.root)
    wall = time.perf_counter() - start
    if rc != 0:
        tail = err.decode(errors="replace")[-2000:]
        raise BenchError(f"pyinfra --parallel {parallel}: rc={rc}\n{tail}")
    try:
        facts: dict[str, dict[str, Any]] = json.loads(out)
    except ValueError as e:
        raise BenchError(f"pyinfra printed no JSON ({e}): {out[:500]!r}") from None
    problems: list[str] = []
    for j, c in enumerate(generic):
        key = next((k for k in facts if c.generic in k), None)
        if key is None:
            raise BenchError(f"pyinfra: no fact for {c.generic!r} in {list(facts)[:3]}")
        for i, addr in enumerate(fleet.addresses, 1):
            value = facts[key].get(addr)
            judged = fleet.checks(i)[j]
            if value is None:
                problems.append(f"{addr} {judged.name}: no fact (host failed)")
            elif why := judged.judge(0, value if isinstance(value, str) else "\n".join(value)):
                problems.append(f"{addr} {judged.name}: {why}")
    checks = judge_all(f"pyinfra --parallel {parallel}", problems, 10 * fleet.n)
    return Row(PYINFRA, str(parallel), wall, settle_count(fleet, before), checks)


# -- setup and report -----------------------------------------------------------------------


def ahead() -> int:
    """How many machines an xunjian worker gathers in the background (checks.runner.AHEAD)."""
    from xunjian.checks.runner import AHEAD

    return AHEAD


def xdist_auto_workers() -> int:
    """What `-n auto` gives here, by pytest-xdist's own rule."""
    try:
        from xdist.plugin import pytest_xdist_auto_num_workers  # type: ignore[import-untyped]

        fake = SimpleNamespace(option=SimpleNamespace(numprocesses="auto"))
        return int(pytest_xdist_auto_num_workers(cast(Any, fake)))
    except Exception:
        return os.cpu_count() or 1


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine(code: Code) -> str:
    try:
        ssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True, timeout=30).stderr
    except (OSError, subprocess.TimeoutExpired):
        ssh = "ssh: ?"
    return (
        f"machine: nproc {os.cpu_count()} (usable {len(os.sched_getaffinity(0))}), "
        f"{platform.platform()}, load average {load()}\n"
        f"python {platform.python_version()} ({sys.executable}); {ssh.strip()}\n"
        f"xunjian: commit {code.commit}, run from {code.root}"
    )


def repeated(times: int, measure: Callable[[], Row]) -> Row:
    """Measure a row `times` times: the median wall time, every run's kept."""
    runs = [measure() for _ in range(times)]
    walls = tuple(r.wall for r in runs)
    conns = sorted({r.conns for r in runs})
    row = Row(runs[0].name, runs[0].parallel, statistics.median(walls), conns[-1], "", walls)
    row.checks = runs[0].checks if len(conns) == 1 else f"{runs[0].checks}; conns {conns}"
    return row


def print_table(rows: list[Row]) -> None:
    spread = any(len(r.walls) > 1 for r in rows)
    head: tuple[str, ...] = ("row", "parallel", "wall s", "ssh conns", "checks")
    cells: list[tuple[str, ...]] = [head]
    cells += [(r.name, r.parallel, f"{r.wall:.2f}", str(r.conns), r.checks) for r in rows]
    if spread:
        head = (*head[:3], "min..max", *head[3:])
        cells = [head] + [
            (*c[:3], f"{min(r.walls):.2f}..{max(r.walls):.2f}", *c[3:])
            for c, r in zip(cells[1:], rows, strict=True)
        ]
    widths = [max(len(c[k]) for c in cells) for k in range(len(head))]
    for n, c in enumerate(cells):
        print(
            "  ".join(
                s.ljust(w) if k in (0, len(head) - 1) else s.rjust(w)
                for k, (s, w) in enumerate(zip(c, widths, strict=True))
            ).rstrip()
        )
        if n == 0:
            print("  ".join("-" * w for w in widths))


def warm_up(fleet: Fleet, code: Code, timeout: float) -> None:
    """One ssh to each sshd and one collection, untimed: no row pays for a cold cache."""
    for a in fleet.addresses[::16]:
        rc, _, err = run([*ssh_argv(fleet, a), "true"], 60)
        if rc != 0:
            raise BenchError(f"ssh to {a} fails: {err.decode(errors='replace').strip()}")
    rc, out, err = run(
        [sys.executable, "-m", "xunjian.inventory", "check", str(fleet.inventory)],
        120,
        cwd=code.root,
        env=code.env,
    )
    if rc != 0:
        raise BenchError(f"the generated inventory is invalid:\n{(out + err).decode()[-3000:]}")
    co = fleet.root / "collect"
    co.mkdir()
    rc, out, err = run(
        pytest_argv(fleet, co, ["-n", "0", "--collect-only", "-q"]),
        timeout,
        cwd=code.root,
        env=xunjian_env(code, co),
    )
    text = (out + err).decode(errors="replace")
    if rc != 0 or not re.search(rf"\b{10 * fleet.n}(/\d+)? tests? collected", text):
        raise BenchError(f"collection: rc={rc}, expected {10 * fleet.n} tests:\n{text[-3000:]}")


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("n", type=int, metavar="N", help="hosts to emulate")
    ap.add_argument(
        "--rev", help="measure this commit (git archive into the temp dir), not the work tree"
    )
    ap.add_argument("--floor-parallel", default="8", help="extra parallelism for the floor")
    ap.add_argument(
        "--pyinfra-parallel",
        default="10,50",
        help="extra --parallel values for pyinfra (xunjian's worker count always comes first)",
    )
    ap.add_argument("--pyinfra", default=os.environ.get("XUNJIAN_BENCH_PYINFRA"))
    ap.add_argument("--timeout", type=float, help="seconds per phase (default 180 + 3 N)")
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per row; the table shows the median"
    )
    ap.add_argument(
        "--skip", default="", help="comma-separated: xunjian,xunjian-n0,floor,naive,pyinfra"
    )
    args = ap.parse_args()
    timeout: float = args.timeout or 180 + 3 * args.n
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    auto = xdist_auto_workers()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    exe = None if "pyinfra" in skip else find_pyinfra(args.pyinfra)
    rows: list[Row] = []
    status = 0
    fleet = Fleet(args.n)
    try:
        code = code_at(args.rev, fleet.root / "tree")
        print(machine(code))
        if exe:
            print(f"pyinfra: {pyinfra_version(exe)} ({' '.join(exe)})")
        elif "pyinfra" not in skip:
            print(INSTALL_PYINFRA)
        t = time.perf_counter()
        fleet.start()
        print(
            f"fleet: {args.n} hosts {fleet.addresses[0]}..{fleet.addresses[-1]}, "
            f"{len(fleet.sshd_logs())} sshd, 10 checks per host ({10 * args.n} in all), "
            f"up in {time.perf_counter() - t:.1f}s; xunjian -n auto = {auto} workers here, "
            f"each gathering up to {ahead()} machines ahead ({auto * ahead()} ssh at most at "
            "once); "
            f"per-phase timeout {timeout:g}s"
        )
        warm_up(fleet, code, timeout)
        par = [auto, *(int(p) for p in args.floor_parallel.split(",") if p and int(p) != auto)]
        pypar = [auto, *(int(p) for p in args.pyinfra_parallel.split(",") if p and int(p) != auto)]
        jobs: list[Callable[[], Row]] = []
        if "xunjian" not in skip:
            jobs.append(lambda: xunjian(fleet, code, DEFAULTS, [], timeout, f"{auto}?"))
        if "xunjian-n0" not in skip:
            jobs.append(lambda: xunjian(fleet, code, "-n 0", ["-n", "0"], timeout, "1"))
        if "floor" not in skip:
            jobs += [functools.partial(floor, fleet, p, timeout) for p in par]
        if "naive" not in skip:
            jobs.append(lambda: naive(fleet, timeout))
        if exe:
            inv = write_pyinfra_inventory(fleet)
            jobs += [functools.partial(pyinfra, fleet, exe, inv, p, timeout) for p in pypar]
        for job in jobs:
            rows.append(repeated(args.repeat, job))
    except BenchError as e:
        print(f"\nBENCHMARK FAILED: {e}", file=sys.stderr)
        status = 1
    except KeyboardInterrupt:
        print("\ninterrupted: stopping the fleet", file=sys.stderr)
        status = 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the cleanup
        kill_all_live()
        fleet.stop()

    if rows:
        print()
        print_table(rows)
        by = {(r.name, r.parallel): r.wall for r in rows}
        x = by.get((f"xunjian {DEFAULTS}", str(auto)))
        for label, key in (
            ("floor", (FLOOR, str(auto))),
            ("pyinfra", (PYINFRA, str(auto))),
        ):
            if x is not None and key in by:
                print(f"xunjian/{label} (both at {auto} in parallel): {x / by[key]:.1f}x")
        print(f"load average at the end: {load()} (other work on the machine skews every row)")
    return status


if __name__ == "__main__":
    sys.exit(main())

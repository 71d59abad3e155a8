"""pytest wiring only: options, inventory loading, parametrisation, markers, report registration."""

from __future__ import annotations

import fnmatch
import functools
import gc
import logging
from collections.abc import Callable, Generator
from pathlib import Path
from typing import get_args

import pytest

from xunjian import checks, guard, notifying
from xunjian.alerts import check_secrets as alert_secrets
from xunjian.checks import log
from xunjian.history import memo
from xunjian.history.store import DEFAULT_PATH
from xunjian.inventory import envfile
from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.fields import Cadence
from xunjian.inventory.load import load_with_settings
from xunjian.inventory.preflight import check_secrets, check_ssh_configs
from xunjian.inventory.secrets import SECRETS, redact_urls
from xunjian.inventory.settings import Settings
from xunjian.observe import endpoints, host, mysql
from xunjian.outcome import clean, conclude, properties
from xunjian.prefetch import Prefetch
from xunjian.report.allure import label
from xunjian.report.collector import Collector
from xunjian.report.html import HtmlColumns
from xunjian.report.internal import INTERNAL, InternalErrors
from xunjian.report.preflight import register as register_preflight
from xunjian.report.runend import RunEnd
from xunjian.report.terminal import TerminalSummary
from xunjian.result import ObservationError
from xunjian.selection import due_cases
from xunjian.spawn import without_vfork

CADENCES: tuple[str, ...] = get_args(Cadence)
CASES = pytest.StashKey[list[CheckCase]]()
BY_TEST = pytest.StashKey[dict[tuple[str, str | None], list[CheckCase]]]()

without_vfork()  # prefetch threads spawn ssh while pytest rewrites os.environ: see spawn.py


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xunjian", "xunjian runbook checks")
    group.addoption(
        "--inventory",
        action="append",
        default=[],
        metavar="PATH",
        help="inventory YAML (repeatable; default: ini xunjian_inventory)",
    )
    group.addoption(
        "--system",
        action="append",
        default=[],
        metavar="NAME",
        help="only this system (repeatable)",
    )
    group.addoption(
        "--host",
        action="append",
        default=[],
        metavar="GLOB",
        help="only hosts whose id, address or user@address matches (repeatable, glob)",
    )
    group.addoption("--fail-on-warn", action="store_true", help="WARN verdicts fail their test")
    group.addoption(
        "--due",
        action="store_true",
        help="only the cadences due today (Asia/Shanghai): daily; weekly on Mondays; biweekly "
        "on every second Friday from the inventory's schedule.biweekly_anchor",
    )
    group.addoption("--today", metavar="YYYY-MM-DD", help="the date --due takes as today")
    group.addoption(
        "--notify", action="store_true", help="send the run's alerts (inventory: alerts)"
    )
    group.addoption(
        "--notify-dry-run", action="store_true", help="print the alerts instead of sending them"
    )
    group.addoption(
        "--history", metavar="PATH", help="SQLite file of past runs (default: inventory's)"
    )
    group.addoption(
        "--textfile",
        metavar="PATH",
        help="write a node_exporter textfile (*.prom) of every check's verdict",
    )
    parser.addini(
        "xunjian_inventory",
        "default inventories, relative to the rootdir",
        type="linelist",
        default=["inventory/lab.yml"],
    )
    parser.addini(
        "xunjian_tests", "folder of the runbook tests, relative to the rootdir", default="tests"
    )


def _active(config: pytest.Config) -> bool:
    """Load an inventory only for runs of the runbook tests, not e.g. for the project's selftests."""
    if config.getoption("inventory"):
        return True
    tests = (config.rootpath / config.getini("xunjian_tests")).resolve()
    for arg in config.args:
        path = Path(arg.split("::", 1)[0]).resolve()
        if path == tests or tests in path.parents or path in tests.parents:
            return True
    return False


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    """``--dist loadgroup`` keeps several machines queued per worker (see schedule.py)."""
    if config.getoption("dist", None) != "loadgroup":
        return None
    from xunjian.schedule import DeepLoadGroupScheduling  # xdist is there: it calls this hook

    return DeepLoadGroupScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # testinfra logs every command's whole output at DEBUG: a host's process list (other
    # programs' passwords on their command lines), its log tails, its SQLite rows. Whatever
    # the run's log level, none of it may reach a report.
    logging.getLogger("testinfra").setLevel(logging.INFO)
    for cadence in CADENCES:
        config.addinivalue_line("markers", f"{cadence}: runbook checks of cadence {cadence}")
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist --dist loadgroup (by host)")
    if not _active(config):
        return
    if config.option.collectonly:  # listing checks must not overwrite the last run's reports
        for report_option in ("htmlpath", "xmlpath", "allure_report_dir"):
            if hasattr(config.option, report_option):
                setattr(config.option, report_option, None)
    given: list[str] = config.getoption("inventory")
    paths = [Path(p) for p in given] or [
        config.rootpath / p for p in config.getini("xunjian_inventory")
    ]
    path = paths[0]
    try:
        if any(not p for p in given):
            raise InventoryError("--inventory", ["an empty path (an unset variable?)"])
        settings, cases = _load_all(paths)
        if not config.option.collectonly:
            for p, st in settings.items():
                if st.env_file:
                    envfile.apply(p, st.env_file)
        if config.getoption("due"):
            cases = due_cases(cases, settings, config.getoption("today"), path)
        cases = _only_systems(cases, config.getoption("system"), path)
        cases = _only_hosts(cases, config.getoption("host"), path)
        if not config.option.collectonly:
            # resolving every secret here, in the controller and in each xdist worker, tells
            # the redaction each value before any check runs, wherever it is printed
            check_secrets(path, cases, SECRETS)
            check_ssh_configs(path, cases)
            # the controller looks once; xdist workers run only what it let through
            worker = hasattr(config, "workerinput")
            if guard.enabled() and not worker and (far := guard.outside(cases)):
                raise InventoryError(
                    path, [f"{guard.ENV} is set, and these targets are not loopback:", *far]
                )
            alerts = {str(p): s.alerts for p, s in settings.items() if s.alerts is not None}
            notify = config.getoption("notify")
            if notify and guard.enabled() and (far := guard.alerts_outside(alerts)):
                raise InventoryError(
                    path, [f"{guard.ENV} is set, and --notify would send beyond loopback:", *far]
                )
            if notify:
                alert_problems = [
                    f"{where}: {p}" for where, a in alerts.items() for p in alert_secrets(a)
                ]
                if alert_problems:
                    raise InventoryError(path, alert_problems)
    except InventoryError as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[CASES] = cases
    memo.use(history_path(config, settings))  # what checks kept from the last run
    notifying.use(bool(config.getoption("notify")))  # checks that send (webhook) may send
    gc.freeze()  # the inventory lives as long as the run: no GC pass need walk it again
    config.pluginmanager.register(Prefetch(config), "xunjian-prefetch")
    if not hasattr(config, "workerinput"):  # reports are written by the controller only
        collector = Collector()
        config.pluginmanager.register(collector, "xunjian-collector")
        config.pluginmanager.register(TerminalSummary(collector), "xunjian-terminal")
        config.pluginmanager.register(InternalErrors(), "xunjian-internal")
        if config.pluginmanager.hasplugin("html") and getattr(config.option, "htmlpath", None):
            config.pluginmanager.register(HtmlColumns(collector), "xunjian-html")
        if not config.option.collectonly:  # what the accounts may do beyond reading
            register_preflight(config, cases)
            config.pluginmanager.register(_run_end(config, cases, settings), "xunjian-runend")


@pytest.hookimpl(tryfirst=True)  # before xdist starts its workers: they inherit the directory
def pytest_sessionstart(session: pytest.Session) -> None:
    """Each run its own ssh masters: the controller makes the run's control directory."""
    if CASES in session.config.stash and not hasattr(session.config, "workerinput"):
        host.begin_run()


def pytest_unconfigure(config: pytest.Config) -> None:
    host.reset()
    mysql.reset()
    log.reset()
    endpoints.reset()
    host.end_run()  # the masters of the run this process began (the controller's): ssh -O exit


def history_path(config: pytest.Config, settings: dict[Path, Settings]) -> Path:
    """The run's history file: ``--history``, else the first inventory's ``history.path``."""
    given = config.getoption("history")
    if given:
        return Path(given)
    first = next(iter(settings.values()), None)
    return Path(first.history.path) if first is not None else DEFAULT_PATH


def _run_end(
    config: pytest.Config, cases: list[CheckCase], settings: dict[Path, Settings]
) -> RunEnd:
    history = config.getoption("history")
    textfile = config.getoption("textfile")
    allure = getattr(config.option, "allure_report_dir", None)
    return RunEnd(
        {c.id: c for c in cases},
        settings,
        notify=bool(config.getoption("notify")),
        notify_dry_run=bool(config.getoption("notify_dry_run")),
        textfile=Path(textfile) if textfile else None,
        allure_dir=Path(allure) if allure else None,
        history_path=Path(history) if history else None,
    )


def _load_all(paths: list[Path]) -> tuple[dict[Path, Settings], list[CheckCase]]:
    """Every inventory's settings and cases; a test id used in two inventories stops the run."""
    cases: list[CheckCase] = []
    settings: dict[Path, Settings] = {}
    seen: dict[str, Path] = {}
    for path in paths:
        settings[path], found = load_with_settings(path)
        for case in found:
            if case.id in seen:
                raise InventoryError(
                    path, [f"test id {case.id!r} is also used by {seen[case.id]}: rename a system"]
                )
            seen[case.id] = path
            cases.append(case)
    return settings, cases


def _only_hosts(cases: list[CheckCase], globs: list[str], path: Path) -> list[CheckCase]:
    if not globs:
        return cases

    def names(c: CheckCase) -> set[str]:
        return {c.host_id, c.host.address, c.group, f"{c.system_id}.{c.host_id}"}

    unmatched = [g for g in globs if not any(fnmatch.filter(names(c), g) for c in cases)]
    if unmatched:
        known = sorted({c.host_id for c in cases})
        raise InventoryError(
            path, [f"--host {', '.join(unmatched)}: matches no host (hosts: {', '.join(known)})"]
        )
    return [c for c in cases if any(fnmatch.filter(names(c), g) for g in globs)]


def pytest_collection_finish(session: pytest.Session) -> None:
    """The selected checks: a machine's first check gathers the facts of all of them."""
    if session.config.option.collectonly:  # nothing will run
        return
    params = [
        item.callspec.params.get("case")
        for item in session.items
        if isinstance(item, pytest.Function) and hasattr(item, "callspec")
    ]
    checks.plan(c for c in params if isinstance(c, CheckCase))


def _only_systems(cases: list[CheckCase], systems: list[str], path: Path) -> list[CheckCase]:
    if not systems:
        return cases
    known = {c.system_id for c in cases}
    unknown = sorted(set(systems) - known)
    if unknown:
        raise InventoryError(
            path,
            [f"--system {', '.join(unknown)}: no such system (known: {', '.join(sorted(known))})"],
        )
    return [c for c in cases if c.system_id in systems]


def cadence_of(path: Path) -> str | None:
    return next((p for p in reversed(path.parts[:-1]) if p in CADENCES), None)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "case" not in metafunc.fixturenames:
        return
    kind = metafunc.function.__name__.removeprefix("test_")
    if kind not in checks.kinds():
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: no check kind {kind!r} "
            f"(known: {', '.join(checks.kinds())})"
        )
    cadence = cadence_of(metafunc.definition.path)
    cases = _by_test(metafunc.config).get((kind, cadence), [])
    marks = [getattr(pytest.mark, cadence)] if cadence else []
    metafunc.parametrize(
        "case", [pytest.param(c, id=c.id, marks=[*marks, _group_mark(c.group)]) for c in cases]
    )


@functools.lru_cache(maxsize=65536)  # one mark per machine, not one per check
def _group_mark(group: str) -> pytest.MarkDecorator:
    return pytest.mark.xdist_group(group)


def _by_test(config: pytest.Config) -> dict[tuple[str, str | None], list[CheckCase]]:
    """The cases by (kind, cadence), sorted once rather than once per test function."""
    if BY_TEST not in config.stash:
        found: dict[tuple[str, str | None], list[CheckCase]] = {}
        for c in config.stash.get(CASES, []):
            found.setdefault((c.kind, c.cadence), []).append(c)
        config.stash[BY_TEST] = found
    return config.stash[BY_TEST]


@pytest.hookimpl(wrapper=True)
def pytest_collection(session: pytest.Session) -> Generator[None, object, object]:
    """A large inventory makes as many long-lived test items: no cyclic GC pass over them while
    they are made (each would walk them all again), and none after (pytest's own at exit too)."""
    if CASES not in session.config.stash:
        return (yield)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return (yield)
    finally:
        if enabled:
            gc.enable()
        gc.freeze()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Last line of defence: no resolved secret in a failure's text, whatever raised it."""
    report: pytest.TestReport = yield
    excinfo = call.excinfo
    if (
        excinfo is not None
        and report.failed
        and "case" in getattr(item, "fixturenames", ())
        and not excinfo.errisinstance((pytest.fail.Exception, ObservationError, KeyboardInterrupt))
    ):
        report.user_properties.append((INTERNAL, excinfo.typename))
    if report.longrepr is not None:
        text = str(report.longrepr)
        cleaned = clean(text)
        if cleaned != text:
            report.longrepr = cleaned
    report.sections = [(name, clean(content)) for name, content in report.sections]
    return report


@pytest.hookimpl(optionalhook=True)
def pytest_metadata(metadata: dict[str, object]) -> None:
    """pytest-html's environment table copies CI variables: no user:token@ in their URLs."""
    for key, value in metadata.items():
        if isinstance(value, str):
            metadata[key] = redact_urls(value)


@pytest.fixture
def verify(request: pytest.FixtureRequest) -> Callable[[CheckCase], None]:
    """Run a check case: observe, evaluate, record the verdict, fail on CRIT/UNKNOWN."""
    fail_on_warn = bool(request.config.getoption("fail_on_warn"))

    def _verify(case: CheckCase) -> None:
        __tracebackhide__ = True
        result = checks.run(case)
        request.node.user_properties.extend(properties(case, result))
        label(case, result)
        conclude(case, result, fail_on_warn)

    return _verify

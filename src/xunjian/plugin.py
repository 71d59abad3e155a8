"""pytest wiring only: options, inventory loading, parametrisation, markers, report registration."""

from __future__ import annotations

from collections.abc import Callable, Generator
from pathlib import Path
from typing import get_args

import pytest

from xunjian import checks, guard
from xunjian.inventory import CheckCase, InventoryError, check_secrets, check_ssh_configs, load
from xunjian.inventory.fields import Cadence
from xunjian.inventory.secrets import SECRETS, redact_urls
from xunjian.observe import host, mysql
from xunjian.outcome import clean, conclude, properties
from xunjian.report.allure import label
from xunjian.report.collector import Collector
from xunjian.report.html import HtmlColumns
from xunjian.report.terminal import TerminalSummary

CADENCES: tuple[str, ...] = get_args(Cadence)
CASES = pytest.StashKey[list[CheckCase]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("xunjian", "xunjian runbook checks")
    group.addoption(
        "--inventory", metavar="PATH", help="inventory YAML (default: ini xunjian_inventory)"
    )
    group.addoption(
        "--system",
        action="append",
        default=[],
        metavar="NAME",
        help="only this system (repeatable)",
    )
    group.addoption("--fail-on-warn", action="store_true", help="WARN verdicts fail their test")
    parser.addini(
        "xunjian_inventory",
        "default inventory, relative to the rootdir",
        default="inventory/lab.yml",
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


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for cadence in CADENCES:
        config.addinivalue_line("markers", f"{cadence}: runbook checks of cadence {cadence}")
    config.addinivalue_line("markers", "xdist_group(name): pytest-xdist --dist loadgroup (by host)")
    if not _active(config):
        return
    if config.option.collectonly:  # listing checks must not overwrite the last run's reports
        for report_option in ("htmlpath", "xmlpath", "allure_report_dir"):
            if hasattr(config.option, report_option):
                setattr(config.option, report_option, None)
    path = Path(
        config.getoption("inventory") or config.rootpath / config.getini("xunjian_inventory")
    )
    try:
        cases = load(path)
        cases = _only_systems(cases, config.getoption("system"), path)
        if not config.option.collectonly:
            # resolving every secret here, in the controller and in each xdist worker, tells
            # the redaction each value before any check runs, wherever it is printed
            check_secrets(path, cases, SECRETS)
            check_ssh_configs(path, cases)
            if guard.enabled() and (far := guard.outside(cases)):
                raise InventoryError(
                    path, [f"{guard.ENV} is set, and these targets are not loopback:", *far]
                )
    except InventoryError as e:
        raise pytest.UsageError(str(e)) from None
    config.stash[CASES] = cases
    if not hasattr(config, "workerinput"):  # reports are written by the controller only
        collector = Collector()
        config.pluginmanager.register(collector, "xunjian-collector")
        config.pluginmanager.register(TerminalSummary(collector), "xunjian-terminal")
        if config.pluginmanager.hasplugin("html") and getattr(config.option, "htmlpath", None):
            config.pluginmanager.register(HtmlColumns(collector), "xunjian-html")


def pytest_unconfigure(config: pytest.Config) -> None:
    host.reset()
    mysql.reset()


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
    if kind not in checks.KINDS:
        raise pytest.UsageError(
            f"{metafunc.definition.nodeid}: no check kind {kind!r} (known: {', '.join(checks.KINDS)})"
        )
    cadence = cadence_of(metafunc.definition.path)
    cases = [
        c for c in metafunc.config.stash.get(CASES, []) if c.kind == kind and c.cadence == cadence
    ]
    marks = [getattr(pytest.mark, cadence)] if cadence else []
    metafunc.parametrize(
        "case",
        [
            pytest.param(c, id=c.id, marks=[*marks, pytest.mark.xdist_group(c.host_key)])
            for c in cases
        ],
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Last line of defence: no resolved secret in a failure's text, whatever raised it."""
    report: pytest.TestReport = yield
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

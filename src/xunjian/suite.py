"""The runbook test functions, one per check kind; each cadence folder under tests/ imports them,
and the plugin parametrises them with that folder's checks (tests/daily -> cadence daily)."""

from __future__ import annotations

from collections.abc import Callable

from xunjian.inventory import CheckCase

Verify = Callable[[CheckCase], None]
__all__ = ["test_port", "test_process", "test_sql", "test_log", "test_http", "test_s3"]  # noqa: RUF022 - runbook order is test order


def test_port(case: CheckCase, verify: Verify) -> None:
    verify(case)


def test_process(case: CheckCase, verify: Verify) -> None:
    verify(case)


def test_sql(case: CheckCase, verify: Verify) -> None:
    verify(case)


def test_log(case: CheckCase, verify: Verify) -> None:
    verify(case)


def test_http(case: CheckCase, verify: Verify) -> None:
    verify(case)


def test_s3(case: CheckCase, verify: Verify) -> None:
    verify(case)

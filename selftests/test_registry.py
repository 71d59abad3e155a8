"""The registry of check kinds: every registered module keeps the kind contract, and the schema,
the test functions and the loader follow the registry (testinfra's one test that imports every
entry of its module table)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Literal, get_args, get_origin

import pytest
from cases import make_case
from pydantic import TypeAdapter, ValidationError
from test_eval_outcome import SPECS
from test_eval_sql import DBS

import xunjian.checks
from xunjian import suite
from xunjian.checks import registry
from xunjian.inventory import schema
from xunjian.inventory.model import CheckBase

KINDS = registry.kinds()
FUNCTIONS = ("expected", "budget", "facts", "observe", "evaluate", "targets")


def test_the_kinds_in_runbook_order() -> None:
    """The order of the test functions, and so of every report: the runbook's."""
    assert list(KINDS) == [
        "port",
        "hostres",
        "process",
        "unit",
        "pm2",
        "environ",
        "python",
        "sql",
        "privileges",
        "dbhealth",
        "migrations",
        "schedule",
        "log",
        "logentries",
        "accesslog",
        "file",
        "privacy",
        "retention",
        "http",
        "cors",
        "promql",
        "promrules",
        "s3",
        "s3_default_login",
        "flow",
        "webhook",
        "mysql_backup",
        "env_backup",
        "s3_backup",
        "availability",
    ]


def test_every_module_with_a_spec_is_registered_and_nothing_else() -> None:
    package = xunjian.checks
    with_spec = {
        info.name
        for info in pkgutil.iter_modules(package.__path__)
        if hasattr(importlib.import_module(f"{package.__name__}.{info.name}"), "SPEC")
    }
    assert {m.__name__.rsplit(".", 1)[1] for m in KINDS.values()} == with_spec  # type: ignore[attr-defined]
    assert not {"registry", "runner", "spec"} & with_spec


@pytest.mark.parametrize("name", list(KINDS))
def test_kind_contract(name: str) -> None:
    kind = KINDS[name]
    assert registry.module(name) is kind
    spec = kind.SPEC
    assert inspect.isclass(spec) and issubclass(spec, CheckBase), spec
    annotation = spec.model_fields["kind"].annotation
    assert get_origin(annotation) is Literal and get_args(annotation) == (name,)
    assert registry.kind_name(spec) == name
    for function in FUNCTIONS:
        assert callable(getattr(kind, function, None)), f"{name} has no {function}()"
    assert isinstance(kind.ORDER, int) and not isinstance(kind.ORDER, bool)


def test_orders_are_unique_and_give_the_registry_order() -> None:
    orders = [k.ORDER for k in KINDS.values()]
    assert len(set(orders)) == len(orders), orders
    assert orders == sorted(orders)


@pytest.mark.parametrize("name", list(KINDS))
def test_kind_answers_for_a_case_of_its_own(name: str) -> None:
    """The contract with a real case: what the runner asks of every kind before observing."""
    kind = KINDS[name]
    case = make_case(SPECS[name], databases=DBS)
    assert isinstance(case.spec, kind.SPEC)
    assert isinstance(kind.expected(case), str) and kind.expected(case)
    assert kind.budget(case) > 0
    assert isinstance(list(kind.facts(case)), list)
    assert all(isinstance(t, str) for t in kind.targets(case))


def test_the_suite_has_one_test_function_per_kind_in_order() -> None:
    assert suite.__all__ == [f"test_{name}" for name in KINDS]
    for name in KINDS:
        test: Any = getattr(suite, f"test_{name}")
        assert test.__name__ == f"test_{name}"
        assert list(inspect.signature(test).parameters) == ["case", "verify"]


def test_an_unknown_kind_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as err:
        registry.module("ftp")
    assert str(err.value) == f"unknown check kind 'ftp'; known: {', '.join(KINDS)}"


CHECK = TypeAdapter(schema.Check)


@pytest.mark.parametrize("name", list(KINDS))
def test_the_schema_union_accepts_each_kind(name: str) -> None:
    parsed = CHECK.validate_python({"step": "1.1", **SPECS[name]})
    assert type(parsed) is KINDS[name].SPEC
    assert name in schema.KINDS


def test_the_schema_union_rejects_an_unknown_kind_by_name() -> None:
    with pytest.raises(ValidationError) as err:
        CHECK.validate_python({"step": "1.1", "kind": "ftp", "name": "x"})
    text = str(err.value)
    assert "does not match any of the expected tags" in text
    assert all(repr(name) in text for name in KINDS)


def test_the_json_schema_lists_each_kind() -> None:
    one_of = schema.Inventory.model_json_schema()["$defs"]["Host"]["properties"]["checks"]["items"]
    tags = set(one_of["discriminator"]["mapping"])
    assert tags == set(KINDS)

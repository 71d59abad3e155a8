"""threshold: parsing and validation (accept and reject tables), judge, describe, fmt, runbooks."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from xunjian.result import Verdict
from xunjian.threshold import Threshold, describe, fmt, judge

OK, WARN, CRIT = Verdict.OK, Verdict.WARN, Verdict.CRIT
LATENCY = {"warn": "> 500 ms", "crit": "> 1000 ms"}
AVAILABILITY = {"warn": "< 99.5 %", "crit": "< 99 %"}


# -- accept: what is written, and (op, value, unit) of warn and crit after the default unit ----


@pytest.mark.parametrize(
    ("spec", "warn", "crit"),
    [
        pytest.param(LATENCY, (">", 500, "ms"), (">", 1000, "ms"), id="latency-ms"),
        pytest.param(AVAILABILITY, ("<", 99.5, "%"), ("<", 99, "%"), id="availability-percent"),
        pytest.param({"warn": ">= 1000ms"}, (">=", 1000, "ms"), None, id="no-space-before-unit"),
        pytest.param({"warn": "  >  5  GiB "}, (">", 5, "GiB"), None, id="extra-spaces"),
        pytest.param({"crit": "<= 0"}, None, ("<=", 0, None), id="crit-only-bare-number"),
        pytest.param({"crit": "!= 0"}, None, ("!=", 0, None), id="not-equal"),
        pytest.param({"warn": "== 0"}, ("==", 0, None), None, id="equal"),
        pytest.param({"warn": "> 0.1 s"}, (">", 0.1, "s"), None, id="decimal-seconds"),
        pytest.param({"warn": "> .5"}, (">", 0.5, None), None, id="leading-dot"),
        pytest.param({"warn": "< -5"}, ("<", -5, None), None, id="negative"),
        pytest.param(
            {"warn": "> 500", "crit": "> 1 s", "unit": "ms"},
            (">", 500, "ms"),
            (">", 1, "s"),
            id="default-unit-fills-bare-number",
        ),
        pytest.param(
            {"warn": ">= 500 ms", "crit": "> 500 ms"},
            (">=", 500, "ms"),
            (">", 500, "ms"),
            id="same-limit-inclusive-warn",
        ),
        pytest.param(
            {"warn": "<= 1 %", "crit": "< 1 %"},
            ("<=", 1, "%"),
            ("<", 1, "%"),
            id="same-limit-below",
        ),
        pytest.param(
            {"warn": "> 900 MB", "crit": "> 1 GiB"},
            (">", 900, "MB"),
            (">", 1, "GiB"),
            id="size-mixed-prefixes",
        ),
        pytest.param(
            {"warn": "> 100 rows", "crit": "> 1000"},
            (">", 100, "rows"),
            (">", 1000, None),
            id="rows-label-is-a-number",
        ),
        pytest.param(
            {"warn": "> 5", "crit": "== 0"}, (">", 5, None), ("==", 0, None), id="equality-no-order"
        ),
    ],
)
def test_accept(
    spec: dict[str, Any], warn: tuple[Any, ...] | None, crit: tuple[Any, ...] | None
) -> None:
    t = Threshold.model_validate(spec)
    got = [(c.op, c.value, c.unit) if c else None for c in t.resolved()]
    want = [
        (op, Decimal(str(v)), u) if op else None
        for op, v, u in (warn or (None,) * 3, crit or (None,) * 3)
    ]
    assert got == want
    dumped = t.model_dump(exclude_none=True)
    assert dumped == {k: v.strip() for k, v in spec.items()}  # serialises back as written
    assert Threshold.model_validate(dumped) == t


# -- reject: the key path and the message ------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "loc", "message"),
    [
        pytest.param(
            {"warn": "above 5"},
            ("warn",),
            """'above 5' is not a condition: expected a condition such as "> 500 ms" or "< 99.5 %\"""",
            id="words",
        ),
        pytest.param({"crit": 500}, ("crit",), "500 is not a condition", id="number-without-op"),
        pytest.param({"warn": "=> 5"}, ("warn",), "'=> 5' is not a condition", id="bad-op"),
        pytest.param({"warn": "> 5 ms ms"}, ("warn",), "is not a condition", id="trailing-words"),
        pytest.param({"warn": "> inf"}, ("warn",), '"> inf": inf is not a finite number', id="inf"),
        pytest.param({"warn": "> .inf"}, ("warn",), ".inf is not a finite number", id="yaml-inf"),
        pytest.param({"warn": "< NaN"}, ("warn",), "NaN is not a finite number", id="nan"),
        pytest.param({"warn": float("inf")}, ("warn",), "inf is not a condition", id="bare-inf"),
        pytest.param(
            {"warn": "> 5 sec"},
            ("warn",),
            'unknown unit "sec": known units are count, rows, ms, s, min, h, d, B, KiB',
            id="unknown-unit",
        ),
        pytest.param({"warn": "> 5 MS"}, ("warn",), 'unknown unit "MS"', id="unit-case"),
        pytest.param(
            {"warn": "> 5", "unit": "secs"}, ("unit",), 'unknown unit "secs"', id="bad-default"
        ),
        pytest.param({}, (), 'give warn, crit or both, e.g. warn: "> 500 ms"', id="empty"),
        pytest.param({"unit": "ms"}, (), "give warn, crit or both", id="unit-only"),
        pytest.param(
            {"warn": "> 5", "critical": "> 6"}, ("critical",), "Extra inputs", id="unknown-key"
        ),
        pytest.param(
            {"warn": "> 500 ms", "crit": "< 99 %"},
            (),
            'mixes kinds of unit: warn "> 500 ms" (time), crit "< 99 %" (percent)',
            id="ms-with-percent",
        ),
        pytest.param(
            {"warn": "> 500 ms", "unit": "%"},
            (),
            'mixes kinds of unit: unit "%" (percent), warn "> 500 ms" (time)',
            id="default-of-other-kind",
        ),
        pytest.param(
            {"warn": "> 500", "crit": "> 1 s"},
            (),
            'warn "> 500" (number), crit "> 1 s" (time)',
            id="bare-number-with-seconds",
        ),
        pytest.param(
            {"warn": "> 5", "crit": "< 1"},
            (),
            'warn "> 5" and crit "< 1" point different ways: both must be above (> >=) or '
            "both below (< <=)",
            id="opposite-directions",
        ),
        pytest.param(
            {"warn": "> 1000 ms", "crit": "> 500 ms"},
            (),
            'warn "> 1000 ms" is not reached before crit "> 500 ms": a value of 750 ms would be '
            "CRIT without WARN",
            id="above-swapped",
        ),
        pytest.param(
            {"warn": "> 2 s", "crit": "> 1500 ms"},
            (),
            "a value of 1750 ms would be CRIT without WARN",
            id="above-swapped-across-units",
        ),
        pytest.param(
            AVAILABILITY | {"warn": "< 99 %", "crit": "< 99.5 %"},
            (),
            'warn "< 99 %" is not reached before crit "< 99.5 %": a value of 99.25 %',
            id="below-swapped",
        ),
        pytest.param(
            {"warn": "> 500 ms", "crit": "> 500 ms"},
            (),
            'at one limit only warn ">=" with crit ">" leaves room for WARN',
            id="same-limit-both-strict",
        ),
        pytest.param(
            {"warn": "< 1 s", "crit": "<= 1000 ms"},
            (),
            'warn "< 1 s" is not reached before crit "<= 1000 ms": at one limit only warn "<="',
            id="same-limit-strict-warn",
        ),
    ],
)
def test_reject(spec: dict[str, Any], loc: tuple[str, ...], message: str) -> None:
    with pytest.raises(ValidationError) as err:
        Threshold.model_validate(spec)
    [error] = err.value.errors()
    assert error["loc"] == loc
    assert message in error["msg"]


# -- judge: boundaries, conversions, CRIT first ------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "value", "unit", "verdict", "message"),
    [
        pytest.param(LATENCY, 499, "ms", OK, "", id="latency-below-ok"),
        pytest.param(LATENCY, 500, "ms", OK, "", id="latency-at-strict-limit-ok"),
        pytest.param(LATENCY, 500.001, "ms", WARN, "500.001 ms > 500 ms", id="latency-just-over"),
        pytest.param(LATENCY, 612, "ms", WARN, "612 ms > 500 ms", id="latency-warn"),
        pytest.param(LATENCY, 1000, "ms", WARN, "1000 ms > 500 ms", id="latency-at-crit-limit"),
        pytest.param(LATENCY, 1001, "ms", CRIT, "1001 ms > 1000 ms", id="latency-crit"),
        pytest.param(LATENCY, 0.5, "s", OK, "", id="seconds-at-limit-ok"),
        pytest.param(LATENCY, 0.612, "s", WARN, "612 ms > 500 ms", id="seconds-to-ms"),
        pytest.param(LATENCY, 1.5, "s", CRIT, "1500 ms > 1000 ms", id="seconds-crit"),
        pytest.param({"warn": "> 100 ms"}, 0.1, "s", OK, "", id="float-0.1s-is-100ms"),
        pytest.param({"warn": "> 1 s"}, 1000, "ms", OK, "", id="ms-to-seconds-at-limit"),
        pytest.param({"warn": "> 1 s"}, 1001, "ms", WARN, "1.001 s > 1 s", id="ms-to-seconds"),
        pytest.param({"warn": "> 1 min"}, 61, "s", WARN, "1.01667 min > 1 min", id="minutes"),
        pytest.param({"warn": ">= 500 ms"}, 500, "ms", WARN, "500 ms >= 500 ms", id="inclusive"),
        pytest.param(
            {"warn": ">= 500 ms", "crit": "> 500 ms"},
            500.5,
            "ms",
            CRIT,
            "500.5 ms > 500 ms",
            id="same-limit-crit-above",
        ),
        pytest.param(
            {"warn": "> 500 ms"}, 60, "s", WARN, "60000 ms > 500 ms", id="warn-only-never-crit"
        ),
        pytest.param({"warn": "!= 0", "crit": "> 10"}, 20, None, CRIT, "20 > 10", id="crit-first"),
        pytest.param({"warn": "!= 0", "crit": "> 10"}, 3, None, WARN, "3 != 0", id="then-warn"),
        pytest.param(AVAILABILITY, 99.5, "%", OK, "", id="availability-at-limit-ok"),
        pytest.param(AVAILABILITY, Decimal("99.52"), "%", OK, "", id="availability-decimal"),
        pytest.param(AVAILABILITY, 99.49, "%", WARN, "99.49 % < 99.5 %", id="availability-warn"),
        pytest.param(AVAILABILITY, 99, "%", WARN, "99 % < 99.5 %", id="availability-at-crit"),
        pytest.param(AVAILABILITY, 98.9, "%", CRIT, "98.9 % < 99 %", id="availability-crit"),
        pytest.param({"warn": "<= 1 %"}, 1, "%", WARN, "1 % <= 1 %", id="inclusive-below"),
        pytest.param({"warn": "> 1 KiB"}, 1024, "B", OK, "", id="bytes-at-kib-limit"),
        pytest.param(
            {"warn": "> 1 KiB"}, 1025, "B", WARN, "1.00098 KiB > 1 KiB", id="bytes-to-kib"
        ),
        pytest.param({"warn": "> 1024 B"}, 2, "KiB", WARN, "2048 B > 1024 B", id="kib-to-bytes"),
        pytest.param({"crit": "> 1 GB"}, 1, "GiB", CRIT, "1.07374 GB > 1 GB", id="gib-over-gb"),
        pytest.param({"crit": "== 0"}, 0, None, CRIT, "0 == 0", id="equal-crit"),
        pytest.param({"warn": "> 100 rows"}, 101, "rows", WARN, "101 rows > 100 rows", id="rows"),
        pytest.param(
            {"warn": "> 100 rows"}, 101, None, WARN, "101 rows > 100 rows", id="bare-vs-rows"
        ),
        pytest.param(
            {"warn": "> 500", "unit": "ms"}, 0.6, "s", WARN, "600 ms > 500 ms", id="default-unit"
        ),
    ],
)
def test_judge(
    spec: dict[str, Any], value: Any, unit: str | None, verdict: Verdict, message: str
) -> None:
    band = judge(Threshold.model_validate(spec), value, unit)
    assert (band.verdict, band.message) == (verdict, message)


@pytest.mark.parametrize(
    ("spec", "value", "unit", "message"),
    [
        pytest.param(
            AVAILABILITY,
            0.995,
            None,
            "observed 0.995 (number) cannot be judged against OK unless < 99.5 % (WARN) / "
            "< 99 % (CRIT) (percent)",
            id="ratio-is-not-percent",
        ),
        pytest.param(LATENCY, 5, "%", "observed 5 % (percent) cannot be judged", id="other-kind"),
        pytest.param(LATENCY, 500, None, "observed 500 (number)", id="latency-without-unit"),
        pytest.param(LATENCY, 5, "sec", 'unknown unit "sec"', id="unknown-unit"),
        pytest.param(LATENCY, float("nan"), "ms", "must be a finite number, got nan", id="nan"),
        pytest.param(LATENCY, True, "ms", "must be a number, got True", id="bool"),
    ],
)
def test_judge_refuses(spec: dict[str, Any], value: Any, unit: str | None, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        judge(Threshold.model_validate(spec), value, unit)


# -- describe and fmt: golden strings ----------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        pytest.param(LATENCY, "OK unless > 500 ms (WARN) / > 1000 ms (CRIT)", id="both"),
        pytest.param(AVAILABILITY, "OK unless < 99.5 % (WARN) / < 99 % (CRIT)", id="percent"),
        pytest.param({"warn": "< 100"}, "WARN if < 100", id="warn-only"),
        pytest.param({"crit": "<= 0"}, "CRIT if <= 0", id="crit-only"),
        pytest.param({"warn": ">500ms"}, "WARN if > 500 ms", id="spaced"),
        pytest.param(
            {"warn": "< 99.50 %", "crit": "< 99.0 %"},
            "OK unless < 99.5 % (WARN) / < 99 % (CRIT)",
            id="no-spurious-zeros",
        ),
        pytest.param(
            {"warn": "> 500", "crit": "> 1 s", "unit": "ms"},
            "OK unless > 500 ms (WARN) / > 1 s (CRIT)",
            id="default-unit",
        ),
    ],
)
def test_describe(spec: dict[str, Any], text: str) -> None:
    assert describe(Threshold.model_validate(spec)) == text


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        pytest.param(612, "ms", "612 ms", id="int"),
        pytest.param(99.52, "%", "99.52 %", id="percent"),
        pytest.param(500.0, None, "500", id="whole-float"),
        pytest.param(Decimal("1E+3"), "ms", "1000 ms", id="decimal-exponent"),
        pytest.param(0.1 + 0.2, "s", "0.3 s", id="float-noise"),
        pytest.param(0.000123456789, None, "0.000123457", id="small"),
        pytest.param(1234567.891, "B", "1234568 B", id="large"),
    ],
)
def test_fmt(value: Any, unit: str | None, text: str) -> None:
    assert fmt(value, unit) == text


# -- the runbooks' own thresholds, from YAML ---------------------------------------------------


def load(text: str) -> Threshold:
    return Threshold.model_validate(yaml.safe_load(text))


def test_runbook_002_api_latency_and_availability() -> None:
    latency = load('warn: "> 500 ms"\ncrit: "> 1000 ms"')  # < 500 ms normal
    seen = [judge(latency, v, "ms").verdict for v in (120, 500, 501, 1000, 1200)]
    assert seen == [OK, OK, WARN, WARN, CRIT]
    availability = load('warn: "< 99.5 %"\ncrit: "< 99 %"')
    seen = [judge(availability, v, "%").verdict for v in (100, 99.5, 99.2, 99, 98.7)]
    assert seen == [OK, OK, WARN, WARN, CRIT]


def test_runbook_001_latency_is_warn_only() -> None:
    latency = load('warn: "> 500ms"')  # CRIT comes from status codes and timeouts
    assert [judge(latency, v, "s").verdict for v in (0.3, 0.5, 0.6, 30)] == [OK, OK, WARN, WARN]
    assert describe(latency) == "WARN if > 500 ms"


def test_sql_value_must_be_positive_and_row_limit() -> None:
    positive = load('crit: "<= 0"')
    assert [judge(positive, v).verdict for v in (1, 0, -2)] == [OK, CRIT, CRIT]
    rows = load('warn: "> 100"')
    assert [judge(rows, v, "rows").verdict for v in (0, 100, 101)] == [OK, OK, WARN]


def test_json_schema_shows_the_condition_as_a_pattern_string() -> None:
    schema = Threshold.model_json_schema()
    [condition, _null] = schema["properties"]["warn"]["anyOf"]
    assert condition["type"] == "string"
    assert "e.g. '> 500 ms'" in condition["description"]
    for text in ("> 500 ms", ">= 1000ms", "< 99.5 %", "<= 0", "!= 0", "> .5 GiB"):
        assert re.match(condition["pattern"], text), text
    for text in ("above 5", "> inf", "> 5 sec", "=> 5"):
        assert not re.match(condition["pattern"], text), text
    assert schema["additionalProperties"] is False

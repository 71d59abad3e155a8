"""xdist's loadgroup scheduling, each worker holding several machines so it can gather ahead."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from xdist.scheduler.loadgroup import LoadGroupScheduling

from xunjian.checks.runner import AHEAD
from xunjian.schedule import UNITS, DeepLoadGroupScheduling


@dataclass(eq=False)
class Node:
    """A worker as the scheduler sees it: what it was sent, whether it was told to stop."""

    name: str
    sent: list[list[int]] = field(default_factory=list)
    shutting_down: bool = False

    @property
    def gateway(self) -> SimpleNamespace:
        return SimpleNamespace(id=self.name)

    def send_runtest_some(self, indices: list[int]) -> None:
        self.sent.append(list(indices))

    def shutdown(self) -> None:
        self.shutting_down = True


IDS = [f"tests/daily/test_daily.py::test_port[h{h}-{c}]@h{h}" for h in range(12) for c in range(3)]


def scheduled(pytester: pytest.Pytester, kind: type[Any]) -> tuple[Any, list[Node]]:
    config = pytester.parseconfig("--tx", "2*popen", "--dist", "loadgroup")
    sched = kind(config)
    nodes = [Node("gw0"), Node("gw1")]
    for n in nodes:
        sched.add_node(n)
        sched.add_node_collection(n, IDS)
    sched.schedule()
    return sched, nodes


def test_each_worker_holds_the_running_machine_and_those_ahead(pytester: pytest.Pytester) -> None:
    assert UNITS == AHEAD + 1
    sched, nodes = scheduled(pytester, DeepLoadGroupScheduling)
    for index in range(2):  # as their first tests end, both fill up (the start shares out)
        for n in nodes:
            sched.mark_test_complete(n, n.sent[0][index])
    assert [len(n.sent) for n in nodes] == [UNITS, UNITS]  # machines, not tests
    assert all(len(unit) == 3 for n in nodes for unit in n.sent)  # a machine stays whole


def test_a_short_queue_is_shared_not_taken_by_the_first_worker(pytester: pytest.Pytester) -> None:
    config = pytester.parseconfig("--tx", "2*popen", "--dist", "loadgroup")
    sched = DeepLoadGroupScheduling(config)
    nodes = [Node("gw0"), Node("gw1")]
    five = IDS[: 5 * 3]  # the lab: five machines
    for n in nodes:
        sched.add_node(n)
        sched.add_node_collection(n, five)
    sched.schedule()
    assert sorted(len(n.sent) for n in nodes) == [2, 3]


def test_xdist_alone_gives_a_worker_too_few_machines_to_gather_ahead(
    pytester: pytest.Pytester,
) -> None:
    """The twin: what the subclass exists for."""
    _, nodes = scheduled(pytester, LoadGroupScheduling)
    assert all(len(n.sent) < UNITS for n in nodes)


def test_a_finished_machine_is_replaced_until_the_queue_runs_dry(
    pytester: pytest.Pytester,
) -> None:
    sched, (gw0, gw1) = scheduled(pytester, DeepLoadGroupScheduling)
    started = len(gw0.sent)
    for index in gw0.sent[0]:
        sched.mark_test_complete(gw0, index)
    assert len(gw0.sent) > started  # one machine done: more queued
    done = set(gw0.sent[0])
    while not gw0.shutting_down:  # gw0 runs everything it is given; gw1 stalls
        index = next(i for unit in gw0.sent for i in unit if i not in done)
        done.add(index)
        sched.mark_test_complete(gw0, index)
    machines = {IDS[i].split("@")[1] for unit in gw0.sent + gw1.sent for i in unit}
    assert len(machines) == 12  # every machine handed out exactly once
    assert sum(map(len, gw0.sent + gw1.sent)) == len(IDS)

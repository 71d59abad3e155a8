"""xdist's ``loadgroup`` scheduling with a deeper queue per worker, so gathering ahead works.

``LoadGroupScheduling`` hands a worker its next group (here: a machine) only when fewer than
three of its tests are pending, so a worker never knows which machine comes after the one it
runs, and cannot gather that machine's facts in the background (:mod:`xunjian.prefetch`). This
subclass keeps :data:`UNITS` groups assigned to each worker: the one running and the ones its
prefetch may gather, and never more than one machine beyond the least-loaded other worker (so a
short queue is shared). Everything else, grouping included, is xdist's. The cost: at the end of
a run, one worker may still hold up to UNITS - 1 machines while another has finished.
"""

from __future__ import annotations

from xdist.scheduler.loadgroup import LoadGroupScheduling
from xdist.workermanage import WorkerController

from xunjian.checks.runner import AHEAD

UNITS = AHEAD + 1  # machines assigned to a worker at a time: the running one and those ahead


class DeepLoadGroupScheduling(LoadGroupScheduling):
    """``--dist loadgroup``, each worker holding :data:`UNITS` groups instead of one."""

    def _reschedule(self, node: WorkerController) -> None:
        if node.shutting_down:
            return
        if not self.workqueue:
            node.shutdown()
            return
        pending = self._units_pending(node)
        # no more than one machine ahead of the least-loaded other worker: a short queue (the
        # lab's 5 machines) is shared, not all taken by the first worker to ask
        others = [self._units_pending(n) for n in self.assigned_work if n is not node]
        fair = min(others, default=UNITS)
        while self.workqueue and pending < UNITS and pending <= fair:
            self._assign_work_unit(node)
            pending += 1

    def _units_pending(self, node: WorkerController) -> int:
        assigned = self.assigned_work.get(node, {})
        return sum(1 for unit in assigned.values() if not all(unit.values()))

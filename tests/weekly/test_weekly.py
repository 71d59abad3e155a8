"""每周任务 (runbook part 2): the inventory's weekly checks, one test per check kind.

The test functions live in xunjian.suite; the plugin gives them this folder's cadence.
"""

from xunjian.suite import *  # noqa: F403 - port, process, sql, log, http, s3, in runbook order

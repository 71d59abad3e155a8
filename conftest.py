"""xunjian's pytest plugin, for the runbook suites under tests/."""

pytest_plugins = ["xunjian.plugin"]

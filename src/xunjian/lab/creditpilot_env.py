"""Runbook 001 §6's six variables in the lab's CreditPilot Flask app's environment (read by the
``environ`` and ``env_backup`` checks from /proc/PID/environ): plain identifiers, and the two
credentials from lab secrets. A secret missing from ``secrets`` leaves its variable unset, which
is how the self-tests make one vanish."""

from __future__ import annotations

import json
from collections.abc import Mapping

NAMES = (
    "GOOGLE_PROJECT_ID",
    "GOOGLE_PROCESSOR_ID",
    "GOOGLE_LOCATION",
    "GOOGLE_SERVICE_ACCOUNT_JSON",
    "DOCPARSER_API_KEY",
    "DOCPARSER_PARSER_ID",
)
PROJECT = "creditpilot-lab"


def variables(secrets: Mapping[str, str]) -> dict[str, str]:
    """The app's §6 variables, from the lab's secrets."""
    found = {
        "GOOGLE_PROJECT_ID": PROJECT,
        "GOOGLE_PROCESSOR_ID": "lab0processor0001",
        "GOOGLE_LOCATION": "us",
        "DOCPARSER_PARSER_ID": "labparser0001",
    }
    if key := secrets.get("CREDITPILOT_GOOGLE_SA_KEY"):
        account = {"type": "service_account", "project_id": PROJECT, "private_key": key}
        found["GOOGLE_SERVICE_ACCOUNT_JSON"] = json.dumps(account)
    if key := secrets.get("CREDITPILOT_DOCPARSER_API_KEY"):
        found["DOCPARSER_API_KEY"] = key
    return found

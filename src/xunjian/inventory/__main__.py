"""``python -m xunjian.inventory schema`` prints the JSON Schema; ``check PATH`` validates a file.

Exit codes of ``check``, the same as pytest's for the same file: 0 the inventory is valid
(its number of checks is printed); 4 it is not (unreadable, not a regular file, not UTF-8, not
valid YAML, not the schema, an empty PATH ...: each problem on stderr with the line, the key
path and what was expected); 2 the command line is wrong (usage on stderr).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import load
from xunjian.inventory.schema import Inventory

INVALID = 4  # pytest's exit code for the same inventory (pytest.UsageError)
USAGE = 2


def schema_text() -> str:
    schema = Inventory.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "xunjian inventory"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["schema"]:
        sys.stdout.write(schema_text())
        return 0
    if argv[:1] == ["check"] and "--connect" in argv and len(argv) == 3:
        from xunjian.report.preflight import connect_check  # connects: loaded only when asked

        return connect_check(Path(next(a for a in argv[1:] if a != "--connect")))
    if argv[:1] == ["check"] and len(argv) == 2:
        try:
            if not argv[1]:
                raise InventoryError("PATH", ["an empty path (an unset variable?)"])
            cases = load(Path(argv[1]))
        except InventoryError as e:
            print(e, file=sys.stderr)
            return INVALID
        print(f"{argv[1]}: {len(cases)} checks")
        return 0
    print("usage: python -m xunjian.inventory schema | check [--connect] PATH", file=sys.stderr)
    return USAGE


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""``python -m xunjian.inventory schema`` prints the JSON Schema; ``check PATH`` validates a file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import load
from xunjian.inventory.schema import Inventory


def schema_text() -> str:
    schema = Inventory.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "xunjian inventory"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if argv[:1] == ["schema"]:
        sys.stdout.write(schema_text())
        return 0
    if argv[:1] == ["check"] and len(argv) == 2:
        try:
            cases = load(Path(argv[1]))
        except InventoryError as e:
            print(e, file=sys.stderr)
            return 2
        print(f"{argv[1]}: {len(cases)} checks")
        return 0
    print("usage: python -m xunjian.inventory schema | check PATH", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

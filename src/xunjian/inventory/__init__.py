"""The YAML inventory: schema (:mod:`.schema`, :mod:`.model`), loading (:mod:`.load`), secrets
(:mod:`.secrets`, :mod:`.preflight`) and the flattened check cases (:mod:`.case`).

Only the leaf modules are imported here: the schema is built from the check kinds' registry,
whose modules import :class:`CheckCase`.
"""

from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError

__all__ = ["CheckCase", "InventoryError"]

"""The YAML inventory: schema, loading, and the flattened check cases."""

from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import check_secrets, load

__all__ = ["CheckCase", "InventoryError", "check_secrets", "load"]

"""The YAML inventory: schema, loading, and the flattened check cases."""

from xunjian.inventory.case import CheckCase
from xunjian.inventory.errors import InventoryError
from xunjian.inventory.load import load
from xunjian.inventory.preflight import check_secrets, check_ssh_configs

__all__ = ["CheckCase", "InventoryError", "check_secrets", "check_ssh_configs", "load"]

"""Observers: how the machine is looked at (testinfra hosts, sockets, processes, databases)."""

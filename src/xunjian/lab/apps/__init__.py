"""Small Python stand-ins run as lab processes (``python -m xunjian.lab.apps.<name>``)."""

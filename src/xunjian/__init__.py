"""xunjian: runbooks as a pytest suite."""

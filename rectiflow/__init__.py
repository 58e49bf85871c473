"""The `rectiflow` command line: the operator's and auditor's interface to the engine."""

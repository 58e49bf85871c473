"""The `rectiflow` command line: the operator's and auditor's interface to the engine."""

__version__ = "0.1.0"  # the package's version (setup.cfg reads it from here); `rectiflow --version` prints it

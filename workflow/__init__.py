"""rectiflow's engine core: file-defined case lifecycles, durable transitions, a hash-chained audit log.

This package imports no web framework and no scheduler; `web/` and `scheduler/` are interfaces on
top of it. The package map is workflow/README.md; start at `workflow.bootstrap.build()`, which
wires the adapters to the core and returns the whole application.
"""

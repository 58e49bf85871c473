"""In-memory adapters: workflow.ports.Store held in a Python process, for tests and experiments.

`store.MemoryStore` keeps every table the SQL store has (cases, events, the directory, definitions,
campaigns, declarations, firings, alerts, leases) as immutable rows in plain dicts; `tables` owns
those rows and the copy-on-write working copy a write transaction changes; `reading` answers every
ReadTx question and `writing` makes every WriteTx change, with the SQL store's semantics (see the
store module for the few places where it differs, and why).

May import every core package (it implements their ports); only workflow.bootstrap and tests import it.
"""

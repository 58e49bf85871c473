"""Adapters: the concrete implementations of workflow.ports (SQL store and read model, YAML files, blobs,
and an in-memory store that passes the same store contract tests as SQLite and PostgreSQL).

May import every core package (they implement its ports); only workflow.bootstrap imports them.
"""

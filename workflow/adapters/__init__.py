"""Adapters: the concrete implementations of workflow.ports (SQL store and read model, YAML files, blobs).

May import every core package (they implement its ports); only workflow.bootstrap imports them.
"""

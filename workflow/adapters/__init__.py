"""Adapters: the concrete implementations of workflow.ports (SQL store, YAML files, blob files)."""

"""Baselines and peers the engine is measured against (raw drivers, naive transitions + ORM, SpiffWorkflow)."""

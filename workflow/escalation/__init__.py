"""Deadlines and escalation: working-day calendars, due dates, ladders, the sweep that fires them,
supervision flags and alerts, and recomputing provisional deadlines.

Imports the top level, definitions, engine and cases (to record what it does on a case).
"""

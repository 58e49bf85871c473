"""Deadlines and escalation: working-day calendars, due dates, ladders, the sweep that fires them,
supervision flags and alerts, recomputing provisional deadlines; `service.Escalations` wires them.

Imports cases (every rung fired, flag set or deadline recomputed is a step in a unit of work),
engine, definitions, ports and the top level.
"""

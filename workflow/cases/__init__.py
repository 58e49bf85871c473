"""The write path: every change to a case is a step run in a unit of work (unit_of_work) — lock,
check, seal the event, append it, update the case row and read models, commit.

The case handlers' steps (advance, assign, return, comment, correct fields) are in steps; the
service is their front door; linked cases are opened in the same unit of work (linking). Imports
engine, definitions, ports and the top level; storage only through workflow.ports.
"""

"""The read side: what the inboxes and the battle map ask the read model, and plain-data presenters
shared by the CLI's --json and the web UI.

Imports escalation (deadline lights), engine, definitions and the top level; never writes.
"""

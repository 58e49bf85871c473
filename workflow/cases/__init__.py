"""The use cases on a case — open, advance, assign, give back, comment, flag, link — in one shape:
open the transaction, lock, check, append the sealed event, update the read models, commit.

Imports the top level, definitions and engine; storage only through workflow.ports.
"""

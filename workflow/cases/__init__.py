"""The use cases on a case — open, advance, assign, give back, comment, flag, link — meant as one shape
(issue 11: the generic `record`/`record_in` still stand beside the first-class methods): open the transaction, lock, check, append the sealed event, update the read models, commit.

Imports the top level, definitions and engine; storage only through workflow.ports.
"""

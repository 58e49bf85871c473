"""The problem ledger (问题台账) in: an import template per case type, and the import of a filled one.

layout.py   the columns and importable states of a case type's ledger, from its definition
table.py    what a spreadsheet is to the core (a header and numbered rows) and the port that reads/writes one
rows.py     every row checked like the web form, every error collected (row, column, message)
steps.py    the step that records a ledger row's past steps on the write path, with the file's provenance
importer.py the use case: template, dry run, import (all-or-nothing), re-import keyed by 问题编号
"""

"""Case-type definitions: the frozen model, the YAML parser, the problems it reports, whole-graph checks.

Owns what a definition file *says*. Imports only the top level (errors, events) and workflow.engine
vocabularies (fields, guards, policy's read-only roles); never storage. Still to untangle (issue 11):
the model and parser reach workflow.cases.linking and workflow.escalation.deadlines.
"""

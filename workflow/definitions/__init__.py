"""Case-type definitions: the frozen model, the YAML parser, the problems it reports, whole-graph checks.

Owns what a definition file *says*. Imports only the top level (errors, events) and workflow.engine
vocabularies (fields, guards); never storage, never a use case.
"""

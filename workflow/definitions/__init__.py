"""Case-type definitions: what a definition file says and means.

The frozen model, the vocabularies a file is written in (field types, guards, computed values and
the 自查从宽 assessment they can compute, durations, `opens:`), roles as data (roles.yaml and its
capabilities), the YAML parser, the problems it reports (PATH:LINE: message) and the checks on one
definition and across definitions. Imports only workflow.errors: pure data and pure functions.
"""

"""The directory: units (the organisation tree), users, password hashing (roles are still in
workflow.definitions.registry).

Imports the top level only.
"""

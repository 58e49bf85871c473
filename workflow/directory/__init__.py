"""The directory: units (the organisation tree), users, password hashing and roles.

Imports the top level only.
"""

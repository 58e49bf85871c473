"""The directory: units (the organisation tree), users, logging in, ending sessions, password hashing.

Imports definitions (the role book), ports and the top level.
"""

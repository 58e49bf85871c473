"""The directory: units (the organisation tree), users, logging in (with throttling: throttle.py), ending
sessions, password hashing.

Imports definitions (the role book), ports and the top level.
"""

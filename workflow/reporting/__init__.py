"""Read side: inbox and battle-map queries and the plain-data presenters shared by CLI and web.

Imports the top level, definitions and engine; never writes.
"""

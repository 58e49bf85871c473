"""SQL adapters: workflow.ports over SQLAlchemy Core on SQLite or PostgreSQL, and the SQL read models.
"""

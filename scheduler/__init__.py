"""The escalation scheduler: APScheduler 3.x running the sweep (standalone, or embedded in `serve`).

Never imports Flask or the web package (import-linter contract `scheduler-no-web`).
"""

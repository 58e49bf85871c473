"""Documents people file and print: the Word 通报 (bulletin), the campaign progress report (定期发布整治进展)
in Word and Excel, and a case's 销号审批表 (close-out approval form).

Each document is first built as plain data (bulletin.py, progress.py, closeout.py) — names, never logins,
unit codes or state names; dates in the calendar's time zone — then written by word.py / excel.py with
python-docx, docxtpl and openpyxl. The web UI renders the same data as a print page. `Documents`
(service.py) is what workflow.bootstrap builds for the CLI and the web UI.

Imports reporting, campaigns, audit, directory, escalation, cases and below; never Flask or the
adapters (the bootstrap hands it the ports).
"""

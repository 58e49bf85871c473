"""One concrete request per endpoint of the app (used by the route × role matrix and the GET-safety test)."""
from __future__ import annotations

CASE = "{case}"
# endpoint -> (method, url, form data). Bodies are chosen so an allowed role gets a non-403 answer
# without depending on the case's state: e.g. a malformed version number is a 400 from the view.
REQUESTS = {
    "static": ("GET", "/static/app.css", None),
    "vendor": ("GET", "/vendor/mermaid.min.js", None),
    "auth.login": ("GET", "/login", None),
    "auth.logout": ("POST", "/logout", {}),
    "auth.change_password": ("GET", "/account/password", None),
    "i18n.switch": ("POST", "/lang", {"lang": "en"}),
    "inbox.index": ("GET", "/", None),
    "alerts.index": ("GET", "/alerts", None),
    "alerts.mark_read": ("POST", "/alerts/read", {"id": "not-a-number"}),
    "cases.show": ("GET", f"/cases/{CASE}", None),
    "cases.attachment": ("GET", f"/cases/{CASE}/files/{'0' * 64}", None),
    "cases.fire": ("POST", f"/cases/{CASE}/fire/verify", {"version": "x"}),
    "cases.comment": ("POST", f"/cases/{CASE}/comment", {"version": "x", "text": "hi"}),
    "cases.assign": ("POST", f"/cases/{CASE}/assign", {"version": "x"}),
    "cases.return_to_queue": ("POST", f"/cases/{CASE}/return", {"version": "x", "reason": "not ours"}),
    "cases.new": ("GET", "/cases/new", None),
    "cases.flag": ("POST", f"/cases/{CASE}/flag", {"version": "1", "level": "x"}),
    "cases.unflag": ("POST", f"/cases/{CASE}/unflag", {"version": "x"}),
    "cases.definition": ("GET", "/definitions/rectification_item", None),
    "history.case_history": ("GET", f"/cases/{CASE}/history", None),
    "history.audit": ("GET", "/audit", None),
    "history.audit_export": ("GET", "/audit/export.jsonl", None),
    "history.access_log": ("GET", "/audit/access", None),
    "dashboard.index": ("GET", "/dashboard", None),
    "dashboard.export": ("GET", "/dashboard/export.csv", None),
    "admin.index": ("GET", "/admin/", None),
    "admin.add_user": ("POST", "/admin/users", {}),
    "admin.add_unit": ("POST", "/admin/units", {}),
    "admin.end_sessions": ("POST", "/admin/users/nobody/end-sessions", {}),
    "admin.user": ("GET", "/admin/users/nobody", None),
    "admin.change_user": ("POST", "/admin/users/nobody", {}),
    "admin.disable_user": ("POST", "/admin/users/nobody/disable", {}),
    "admin.enable_user": ("POST", "/admin/users/nobody/enable", {}),
    "admin.reset_password": ("POST", "/admin/users/nobody/reset-password", {}),
}

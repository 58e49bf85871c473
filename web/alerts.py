"""In-app alerts (`/alerts`): escalation rungs and supervision flags addressed to the current user.

The unread count is the badge in the navigation bar; marking read is a POST (no GET changes state).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from web.context import core, me, now_text, queries
from web.inputs import whole_number
from workflow.messages import N_

bp = Blueprint("alerts", __name__)
PAGE = 50
# What a handover notice says (workflow.cases.notices); a definition's own `notify:` kinds say their step.
HANDOVER_KINDS = {
    "assigned": N_("Assigned to you"),
    "dispatched": N_("Handed over to you or your unit (交办)"),
    "returned": N_("Returned for rework"),
    "returned_to_unit": N_("Returned to your unit's queue"),
    "extension_approved": N_("Extension approved"),
    "extension_rejected": N_("Extension not approved"),
    "issued": N_("Issued to you"),
}


def unread_badge() -> int:
    """The navigation badge: unread alerts of the logged-in user (0 when logged out)."""
    if not current_user.is_authenticated:
        return 0
    return queries().unread_alerts(me().login)


@bp.app_context_processor
def badge() -> dict[str, object]:
    return {"unread_badge": unread_badge}


@bp.route("/alerts")
def index() -> str:
    unread_only = request.args.get("unread") == "1"
    before = whole_number(request.args.get("before"), low=1)
    rows = queries().alerts(me().login, unread_only=unread_only, before_id=before, limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("alerts/index.html", rows=rows, unread_only=unread_only,
                           next_before=rows[-1].id if more else None,
                           definitions={d.name: d for d in core().registry.all_latest()},
                           handover_kinds=HANDOVER_KINDS)


@bp.route("/alerts/read", methods=["POST"])
def mark_read() -> Response:
    ids = None if request.form.get("all") == "1" else [whole_number(x, low=1) or 0 for x in request.form.getlist("id")]
    n = queries().mark_alerts_read(me().login, ids, now_text()) if ids is None or ids else 0
    flash(_("%(n)d alert(s) marked as read.", n=n), "success")
    return redirect(url_for("alerts.index"))

"""Saved inbox filters (`/inbox/filters`): save the inbox's current query string under a name, delete one.

They are listed as links on the inbox (web/inbox.py). Private: every read and delete names the
logged-in user (workflow.directory.saved_filters); another user's filter is "no such filter" (404).
"""
from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from web.context import core, me

bp = Blueprint("filters", __name__)


@bp.route("/inbox/filters", methods=["POST"])
def save() -> Response:
    query = request.form.get("query", "")
    saved = core().saved_filters.save(me().login, request.form.get("name", ""), query)
    flash(_("Filter saved: %(name)s.", name=saved.name), "success")
    return redirect(url_for("inbox.index") + "?" + saved.query)


@bp.route("/inbox/filters/<int:filter_id>/delete", methods=["POST"])
def delete(filter_id: int) -> Response:
    core().saved_filters.delete(me().login, filter_id)
    flash(_("Saved filter deleted."), "success")
    return redirect(url_for("inbox.index"))

"""Friendly error pages, and the one place engine errors become HTTP statuses.

No page ever shows a stack trace; a 403 is logged (application log and access log) so refused
attempts can be reviewed; unexpected errors are logged in full and shown as a plain 500.
"""
from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from workflow.errors import ConcurrencyConflict, InvalidInput, NotAllowed, NotFound, WorkflowError

log = logging.getLogger("rectiflow.web")


def status_for(err: WorkflowError) -> int:
    if isinstance(err, NotFound):
        return 404
    if isinstance(err, NotAllowed):
        return 403
    if isinstance(err, ConcurrencyConflict):
        return 409
    if isinstance(err, InvalidInput):
        return 400
    return 400


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(WorkflowError, workflow_error)
    app.register_error_handler(Exception, unexpected_error)


def titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please log in"),
        403: _("You are not allowed to do this"),
        404: _("Not found"),
        405: _("This action is not available here"),
        409: _("Someone else acted first"),
        413: _("The upload is too large"),
        429: _("Too many requests"),
        500: _("Something went wrong"),
    }


def render_error(status: int, message: str | None = None) -> tuple[str, int]:
    if status == 403:
        _log_refusal(message)
    title = titles().get(status, titles()[400 if status < 500 else 500])
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _log_refusal(message: str | None) -> None:
    from web.context import log_access

    who = current_user.user.login if current_user.is_authenticated else "-"
    log.warning("403 %s %s for %s: %s", request.method, request.path, who, message or "")
    try:
        log_access("forbidden", outcome="refused", path=request.path[:200], method=request.method)
    except Exception:  # the refusal itself must still be answered if the log write fails
        log.exception("could not record a 403 in the access log")


def csrf_error(err: CSRFError) -> tuple[str, int]:
    return render_error(400, _("The form has expired or was not sent from this site. Reload the page and try again."))


def http_error(err: HTTPException) -> tuple[str, int]:
    from web.inputs import BadInput

    if isinstance(err, BadInput):  # bad input the views refused, with the reason in the user's language
        return render_error(400, err.description)
    messages = {413: _("Files are limited in size; see the limit next to the upload field.")}
    return render_error(err.code or 500, messages.get(err.code or 0))


def workflow_error(err: WorkflowError) -> tuple[str, int]:
    from web.messages import describe

    status = status_for(err)
    message = _("The case was changed by someone else while you were looking at it. Reload the page to see "
                "its current state, then try again.") if status == 409 else describe(err)
    return render_error(status, message)


def unexpected_error(err: Exception) -> tuple[str, int]:
    log.exception("unexpected error on %s %s", request.method, request.path)
    return render_error(500)

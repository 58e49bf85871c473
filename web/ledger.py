"""The ledger import page (/ledger/import): upload a filled 问题台账, see every row checked, confirm.

Upload runs the import as a dry run (workflow.ledger: the same checks and the same engine steps,
rolled back) and shows a preview — each row with its problems next to it, in the user's language,
people and units by name. The file itself is kept content-addressed (its SHA-256) in the blob store,
and the confirm form carries a token signed with the app's key that binds that SHA-256, the file
name and the person: what is confirmed is exactly the file previewed, by the one who previewed it.
A changed or forged token is a 400; a file too large a 413. Nothing is written until the confirm.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from web.context import core, me, unit_names
from web.messages import describe
from web.names import person
from workflow.errors import InvalidInput, WorkflowError
from workflow.ledger.importer import DEFAULT_TYPE, ImportReport
from workflow.ledger.layout import Layout
from workflow.ledger.table import MAX_BYTES, Table

bp = Blueprint("ledger", __name__)
SHOWN_ROWS = 200  # the preview shows the first rows and every row with a problem


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="ledger-import")


@bp.route("/ledger/import", methods=["GET", "POST"])
def import_() -> tuple[str, int] | Response:
    """GET: the upload form. POST: the uploaded file checked (a dry run) and previewed."""
    lay = core().ledger.layout(DEFAULT_TYPE)
    if request.method == "GET":
        return render_template("ledger/import.html", layout=lay, report=None, campaigns=_campaigns()), 200
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _page(lay, error=_("Choose the ledger file (.xlsx or .csv) to upload."), status=400)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(lay, error=_("The file is larger than %(mb)s MB: split the ledger into several files.",
                                  mb=MAX_BYTES // (1024 * 1024)), status=413)
    name = upload.filename
    campaign = request.form.get("campaign") or None
    if campaign is not None and campaign not in _campaigns():
        return _page(lay, error=_("Choose a campaign from the list."), status=400)
    try:
        report = core().ledger.run(data, name, actor=me().login, dry_run=True, campaign=campaign)
        table = core().ledger.sheets.read(data, name)
    except InvalidInput as err:
        return _page(lay, error=describe(err), status=422)
    sha = core().blobs.put(data)
    token = _signer().dumps({"sha256": sha, "name": name, "login": me().login, "campaign": campaign})
    return render_template("ledger/import.html", layout=lay, report=report, rows=_rows(lay, table, report),
                           errors=_errors(report), token=token, campaigns=_campaigns(),
                           campaign=campaign), 200 if report.ok else 422


@bp.route("/ledger/template.xlsx")
def template() -> Response:
    """The import template (.xlsx) of the ledger."""
    import io

    data = core().ledger.template(DEFAULT_TYPE)
    return send_file(io.BytesIO(data), as_attachment=True, download_name="问题台账导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/ledger/import/confirm", methods=["POST"])
def confirm() -> tuple[str, int] | Response:
    """Import the previewed file (the signed token names it); 400 if the token is not one this app gave."""
    try:
        seen = _signer().loads(request.form.get("token", ""))
    except BadSignature:
        abort(400)
    if not isinstance(seen, dict) or seen.get("login") != me().login:
        abort(400)
    data = core().blobs.get(str(seen.get("sha256", "")))
    if data is None:
        abort(400)
    lay = core().ledger.layout(DEFAULT_TYPE)
    try:
        report = core().ledger.run(data, str(seen.get("name") or "ledger"), actor=me().login,
                                   campaign=seen.get("campaign") or None)
    except WorkflowError as err:
        return _page(lay, error=describe(err), status=422)
    if not report.ok:  # the directory or the cases changed since the preview
        table = core().ledger.sheets.read(data, report.file)
        return render_template("ledger/import.html", layout=lay, report=report, rows=_rows(lay, table, report),
                               errors=_errors(report), token=None), 409
    flash(_("Imported %(n)d row(s) of %(file)s; %(same)d unchanged, %(changed)d changed and not overwritten.",
            n=len(report.imported), file=report.file, same=len(report.unchanged), changed=len(report.changed)))
    return redirect(url_for("ledger.import_"))


def _page(lay: Layout, *, error: str, status: int) -> tuple[str, int]:
    return render_template("ledger/import.html", layout=lay, report=None, error=error,
                           campaigns=_campaigns()), status


def _campaigns() -> dict[str, str]:
    """The loaded campaigns by key, with their titles (what the form shows)."""
    return core().campaigns.titles()


def _errors(report: ImportReport) -> dict[int | None, list[tuple[str | None, str]]]:
    out: dict[int | None, list[tuple[str | None, str]]] = {}
    for e in report.errors:
        out.setdefault(e.row, []).append((e.column, describe(e.message)))
    return out


def _rows(lay: Layout, table: Table, report: ImportReport) -> list[dict[str, Any]]:
    """The rows to show: the first SHOWN_ROWS and every row with a problem, cells as people read them."""
    bad = {e.row for e in report.errors}
    kinds = {c.header: (c.field.type if c.field is not None else c.kind) for c in lay.columns}
    names = unit_names()
    shown = []
    for i, (number, cells) in enumerate(table.rows):
        if i >= SHOWN_ROWS and number not in bad:
            continue
        values = {}
        for header, cell in zip(table.headers, cells):
            text = "" if cell is None else str(cell.date() if hasattr(cell, "date") else cell).strip()
            if kinds.get(header) == "person" and text:
                text = person(text)
            elif kinds.get(header) == "unit" and text:
                text = names.get(text, text)
            values[header] = text
        shown.append({"row": number, "cells_by": values, "bad": number in bad})
    return shown

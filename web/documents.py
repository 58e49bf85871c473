"""Reports and forms to download or print: the Word 通报, the campaign progress report (Word, Excel) for
supervisors and leaders (`/reports`), and a case's 销号审批表 — as a Word file and as a print page
(`/cases/<id>/print`, A4, no navigation).

The documents are built by workflow.documents (the same as `rectiflow bulletin --docx`, `campaign report`,
`case form`), limited to the units and case types the viewer may see; every download is written to the
access log, and a confidential case's form is viewed under the case page's rules (web.context.viewable_case).
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, render_template, request, send_file
from flask_babel import gettext
from werkzeug.wrappers import Response

from web.context import core, log_access, now, unit_names, viewable_case, viewer
from web.history import parse_local
from web.i18n import lang
from web.names import SYSTEM_ACTORS, people
from workflow.documents.names import Names
from workflow.errors import NotFound

bp = Blueprint("documents", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _stamp() -> str:
    return now().astimezone(core().calendar.tzinfo).strftime("%Y%m%d")


def _download(data: bytes, name: str, mimetype: str) -> Response:
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/reports")
def index() -> str:
    return render_template("documents/index.html", campaigns=sorted(core().campaigns.titles().items()),
                           today=now().astimezone(core().calendar.tzinfo).date().isoformat())


@bp.route("/reports/bulletin.docx")
def bulletin() -> Response:
    since = parse_local(request.args.get("since"))
    v, docs = viewer(), core().documents
    campaign = request.args.get("campaign") or None
    if campaign is not None and campaign not in core().campaigns.titles():
        abort(404)
    doc = docs.bulletin(since=since, units=v.units, types=v.types, campaign=campaign)
    data = docs.bulletin_docx(doc)
    log_access("export_bulletin", events=doc.count, filter=f"since={request.args['since']}"
               if request.args.get("since") else "all")
    return _download(data, f"bulletin-{_stamp()}.docx", DOCX)


@bp.route("/reports/campaigns/<key>/progress.<fmt>")
def campaign_report(key: str, fmt: str) -> Response:
    if fmt not in ("docx", "xlsx"):
        abort(404)
    as_of = parse_local(request.args.get("as_of"), end_of_day=True)
    v, docs = viewer(), core().documents
    try:
        report = docs.progress(key, as_of=as_of, units=v.units, types=v.types)
    except NotFound:
        abort(404)
    data = docs.progress_docx(report) if fmt == "docx" else docs.progress_xlsx(report)
    log_access("export_campaign_report", events=report.measures,
               filter=f"{report.plan_title} {report.as_of}".strip())
    return _download(data, f"progress-{key}-{_stamp()}.{fmt}", DOCX if fmt == "docx" else XLSX)


def _page_names() -> Names:
    """People and units by name, the engine's own actors in the page's language."""
    return Names(people(), unit_names(), {login: gettext(msgid) for login, msgid in SYSTEM_ACTORS.items()},
                 root_unit=next((u.name for u in core().directory.units() if u.parent is None), ""))


@bp.route("/cases/<case_id>/print")
def case_print(case_id: str) -> str:
    case = viewable_case(case_id)  # a confidential case's view is logged, like the case page's
    form = core().documents.closeout(case.id, names=_page_names(), lang=lang())
    return render_template("documents/print.html", form=form)


@bp.route("/cases/<case_id>/form.docx")
def case_form(case_id: str) -> Response:
    case = viewable_case(case_id)
    docs = core().documents
    form = docs.closeout(case.id)  # the document itself is Chinese, whatever the page's language
    data = docs.closeout_docx(form)
    log_access("export_case_form", case_id=case.id, type=case.type)
    return _download(data, f"closeout-{case.id}.docx", DOCX)

"""The 检查点 page: the audit administrator carries checkpoints to the witness machine and brings them back.

Every stored checkpoint is listed (size, root, time, signer, witnesses) with two downloads: the signed
note and the consistency proof from the previous checkpoint — the files `rectiflow audit witness cosign`
needs on a machine of its own. The cosigned note comes back through the upload form and is checked by
workflow.audit.witnessing (same body as a stored checkpoint, the log's signature, a registered witness's
cosignature). Registering a witness's public key is the other change this page makes. Downloads, uploads
and registrations each write an access-log row, refusals included.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as Redirect

from web.context import core, log_access, may, me
from web.messages import describe
from workflow.audit.notes import NoteRefused, VerifierKey, open_checkpoint
from workflow.audit.witnessing import StoredCheckpoint
from workflow.definitions.roles import WITNESS
from workflow.errors import NotFound, WorkflowError
from workflow.events import format_time

bp = Blueprint("witness", __name__)
MAX_NOTE = 64 * 1024  # a checkpoint with a hundred signature lines is a few kilobytes


@bp.route("/audit/checkpoints")
def checkpoints() -> str:
    witnessing, checkpoints = core().witnessing, core().checkpoints
    key = checkpoints.signer().verifier if checkpoints.key_path is not None else None
    return render_template("history/checkpoints.html", rows=[_row(cp, key) for cp in witnessing.stored()],
                           keys=witnessing.registered_keys(), may_witness=may(WITNESS))


def _row(cp: StoredCheckpoint, key: VerifierKey | None) -> dict[str, Any]:
    """What the page shows of one checkpoint: the log's signature checked when the server holds its key."""
    signature: bool | None = None
    if key is not None:
        try:
            open_checkpoint(cp.note, key)
            signature = True
        except NoteRefused:
            signature = False
    return {"cp": cp, "signature": signature,
            "witnesses": [(c.witness, format_time(datetime.fromtimestamp(c.timestamp, UTC))) for c in cp.cosignatures]}


@bp.route("/audit/checkpoints/<int:checkpoint_id>/checkpoint.txt")
def download_note(checkpoint_id: int) -> Response:
    cp = _stored(checkpoint_id)
    log_access("download_checkpoint", checkpoint=cp.id, size=cp.checkpoint.size)
    return _attachment(cp.note, "text/plain; charset=utf-8", f"checkpoint-{cp.checkpoint.size}.txt")


@bp.route("/audit/checkpoints/<int:checkpoint_id>/consistency.json")
def download_proof(checkpoint_id: int) -> Response:
    try:
        proof = core().witnessing.consistency_from_previous(checkpoint_id)
    except WorkflowError:  # no such checkpoint, the first one, or one after the empty log: no proof to give
        abort(404)
    log_access("download_consistency", checkpoint=checkpoint_id, old=proof["old"], size=proof["new"])
    return _attachment(json.dumps(proof, sort_keys=True) + "\n", "application/json",
                       f"consistency-{proof['old']}-{proof['new']}.json")


@bp.route("/audit/checkpoints/cosigned", methods=["POST"])
def upload() -> Redirect:
    upload = request.files.get("note")
    data = upload.read(MAX_NOTE + 1) if upload else b""
    try:
        if not data or len(data) > MAX_NOTE:
            raise WorkflowError("audit.note_malformed")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise WorkflowError("audit.note_malformed") from None
        cp, fresh = core().witnessing.accept(text, by=me().login)
    except WorkflowError as err:
        log_access("upload_cosignature", outcome="refused", reason=err.code)
        flash(describe(err), "error")
        return redirect(url_for("witness.checkpoints"))
    log_access("upload_cosignature", checkpoint=cp.id, size=cp.checkpoint.size, witnesses=fresh)
    names = "、".join(c.witness for c in cp.cosignatures)
    flash(_("Checkpoint of %(size)s entries witnessed by %(names)s.", size=cp.checkpoint.size, names=names)
          if fresh else _("These cosignatures were recorded already."), "success")
    return redirect(url_for("witness.checkpoints"))


@bp.route("/audit/witness-keys", methods=["POST"])
def add_key() -> Redirect:
    text = (request.form.get("vkey") or "").strip()[:400]
    try:
        key = core().witnessing.register_key(text, by=me().login)
    except WorkflowError as err:
        log_access("register_witness_key", outcome="refused", reason=err.code)
        flash(describe(err), "error")
        return redirect(url_for("witness.checkpoints"))
    log_access("register_witness_key", witness=key.name, key_id=key.key_id.hex())
    flash(_("Witness key %(name)s registered.", name=key.name), "success")
    return redirect(url_for("witness.checkpoints"))


def _stored(checkpoint_id: int) -> StoredCheckpoint:
    try:
        return core().witnessing.get(checkpoint_id)
    except NotFound:
        abort(404)


def _attachment(body: str, mimetype: str, name: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

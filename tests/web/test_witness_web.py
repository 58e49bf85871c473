"""The audit administrator witnesses checkpoints on the 检查点 page: downloads the signed note and the
consistency proof (files for the witness machine), registers the witness key, uploads the cosigned
checkpoint, which is verified and shown as 已见证; forged, edited or unregistered uploads are refused.
Every download, upload and registration writes an access-log row; the records are append-only."""
from __future__ import annotations

import base64
import io
import json
import re

import pytest
from factories import raw_execute
from webtools import open_item, session_as

from workflow.audit import merkle
from workflow.audit.notes import Checkpoint
from workflow.audit.witness import ConsistencyProof, WitnessState, cosign, generate_witness
from workflow.bootstrap import audit_keygen


class MemoryStates:
    """The witness machine's memory, for these tests (the CLI keeps it in a folder)."""

    def __init__(self) -> None:
        self.states: dict[str, WitnessState] = {}

    def load(self, origin: str) -> WitnessState | None:
        return self.states.get(origin)

    def save(self, state: WitnessState) -> None:
        self.states[state.origin] = state


@pytest.fixture
def signed(app, tmp_path):
    """The app with a signing key and two checkpoints (with records between them)."""
    private, _, _ = audit_keygen(tmp_path / "keys", "bureau-audit")
    app.checkpoints.key_path = private
    open_item(app)
    app.checkpoints.checkpoint()
    open_item(app, title="第二件")
    app.checkpoints.checkpoint()
    return app


def client_as(web_app, app, login):
    client = web_app.test_client()
    session_as(client, app, login)
    return client


def access_rows(app, action):
    entries = app.queries.access_entries(actor=None, case_id=None, before_seq=None, limit=500)
    return sorted((e for e in entries if e.action == action), key=lambda e: e.seq)  # oldest first


def witnessed_note(client, app, states, witness, checkpoint_id, *, proof=True):
    """What the audit administrator does on the witness machine with the two downloaded files."""
    note = client.get(f"/audit/checkpoints/{checkpoint_id}/checkpoint.txt").get_data(as_text=True)
    parsed = None
    if proof:
        parsed = ConsistencyProof.from_json(
            client.get(f"/audit/checkpoints/{checkpoint_id}/consistency.json").get_data(as_text=True), "proof")
    return cosign(note, witness, states, now=1_796_000_000, log_key=app.checkpoints.signer().verifier,
                  proof=parsed).note


def upload(client, note: str):
    return client.post("/audit/checkpoints/cosigned", data={"note": (io.BytesIO(note.encode()), "c.txt")},
                       content_type="multipart/form-data", follow_redirects=True)


def test_the_page_lists_checkpoints_in_chinese_with_files_for_the_witness(signed, web_app):
    client = client_as(web_app, signed, "audit_admin")
    page = client.get("/audit/checkpoints").get_data(as_text=True)
    first, second = sorted(int(i) for i in re.findall(r'id="checkpoint-(\d+)"', page))
    assert "检查点" in page and "尚未见证" in page and "本系统签名，有效" in page and "登记见证方公钥" in page
    assert not re.search(r">[^<]*\b(Checkpoint|Witness|Download|signed)\b", page)  # no English reaches the page
    note = client.get(f"/audit/checkpoints/{first}/checkpoint.txt")
    assert note.headers["Content-Disposition"].startswith("attachment")
    assert note.get_data(as_text=True) == signed.witnessing.get(first).note
    assert client.get(f"/audit/checkpoints/{first}/consistency.json").status_code == 404  # the first: no proof
    proof = json.loads(client.get(f"/audit/checkpoints/{second}/consistency.json").get_data(as_text=True))
    old, new = signed.witnessing.get(first).checkpoint, signed.witnessing.get(second).checkpoint
    assert (proof["old"], proof["new"]) == (old.size, new.size)
    assert merkle.verify_consistency(old.size, new.size, old.root, new.root,
                                     [base64.b64decode(p) for p in proof["proof"]])
    assert [e.detail["checkpoint"] for e in access_rows(signed, "download_checkpoint")] == [first]
    assert len(access_rows(signed, "download_consistency")) == 1
    log = client.get("/audit/access").get_data(as_text=True)
    assert "下载检查点" in log and "下载一致性证明" in log


def test_a_cosigned_checkpoint_comes_back_and_is_shown_as_witnessed(signed, web_app):
    client = client_as(web_app, signed, "audit_admin")
    witness = generate_witness("sjj.example/witness")
    added = client.post("/audit/witness-keys", data={"vkey": witness.verifier.text()}, follow_redirects=True)
    assert "见证方公钥 sjj.example/witness 已登记" in added.get_data(as_text=True)
    first, second = sorted(cp.id for cp in signed.witnessing.stored())
    states = MemoryStates()
    witnessed_note(client, signed, states, witness, first, proof=False)  # the witness starts at the first
    note = witnessed_note(client, signed, states, witness, second)
    page = upload(client, note).get_data(as_text=True)
    assert "已由 sjj.example/witness 见证" in page
    row = re.search(rf'<tr id="checkpoint-{second}">.*?</tr>', page, re.S).group(0)
    assert "已见证" in page and '<div class="witness">sjj.example/witness' in row
    assert [cp.cosignatures[0].witness for cp in signed.witnessing.stored() if cp.id == second] == [
        "sjj.example/witness"]
    again = upload(client, note).get_data(as_text=True)
    assert "这些副署此前已记录" in again
    rows = access_rows(signed, "upload_cosignature")
    assert [r.outcome for r in rows] == ["ok", "ok"] and rows[-1].detail["witnesses"] == []
    assert access_rows(signed, "register_witness_key")[0].detail["witness"] == "sjj.example/witness"


def test_forged_edited_and_unregistered_uploads_are_refused_and_logged(signed, web_app):
    client = client_as(web_app, signed, "audit_admin")
    registered, stranger = generate_witness("registered.example/w"), generate_witness("stranger.example/w")
    client.post("/audit/witness-keys", data={"vkey": registered.verifier.text()})
    latest = signed.witnessing.stored()[0]
    body = latest.note.split("\n\n")[0] + "\n"

    unregistered = upload(client, latest.note + stranger.cosign(body, 1_796_000_000)).get_data(as_text=True)
    assert "没有已登记见证方公钥的有效副署" in unregistered
    # a checkpoint the server never signed, cosigned by the registered witness
    other = Checkpoint(latest.checkpoint.origin, latest.checkpoint.size + 5, b"\x01" * 32, latest.checkpoint.time)
    forged = signed.checkpoints.signer().sign(other.body())
    forged_body = other.body()
    assert "不是已保存的检查点" in upload(client, forged + registered.cosign(forged_body, 1)).get_data(as_text=True)
    # the cosignature line edited
    good = latest.note + registered.cosign(body, 1_796_000_000)
    line = good.rstrip("\n").split("\n")[-1]
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[-1] ^= 1
    edited = good.replace(line, " ".join([*line.split(" ")[:2], base64.b64encode(bytes(blob)).decode()]))
    assert "副署校验失败" in upload(client, edited).get_data(as_text=True)
    # the log's signature stripped
    stripped = body + "\n" + registered.cosign(body, 1_796_000_000)
    assert "没有密钥 bureau-audit" in upload(client, stripped).get_data(as_text=True)
    assert "格式" in upload(client, "hello").get_data(as_text=True)
    assert not any(cp.cosignatures for cp in signed.witnessing.stored())
    outcomes = [r.outcome for r in access_rows(signed, "upload_cosignature")]
    assert outcomes and set(outcomes) == {"refused"}
    duplicate = client.post("/audit/witness-keys", data={"vkey": registered.verifier.text()},
                            follow_redirects=True).get_data(as_text=True)
    assert "已登记" in duplicate and len(signed.witnessing.registered_keys()) == 1
    bad = client.post("/audit/witness-keys", data={"vkey": signed.checkpoints.signer().verifier.text()},
                      follow_redirects=True).get_data(as_text=True)
    assert "不是见证方公钥" in bad  # the log's own key (type 0x01) is not a witness key


def test_the_auditor_reads_the_checkpoints_but_witnesses_nothing(signed, web_app):
    auditor = client_as(web_app, signed, "auditor")
    page = auditor.get("/audit/checkpoints").get_data(as_text=True)
    assert "检查点" in page and "upload-cosigned" not in page and "add-witness-key" not in page
    assert auditor.post("/audit/witness-keys", data={"vkey": generate_witness("x").verifier.text()}).status_code == 403
    assert signed.witnessing.registered_keys() == []


def test_witness_records_are_append_only(signed, web_app):
    client = client_as(web_app, signed, "audit_admin")
    witness = generate_witness("w.example")
    client.post("/audit/witness-keys", data={"vkey": witness.verifier.text()})
    latest = signed.witnessing.stored()[0]
    body = latest.note.split("\n\n")[0] + "\n"
    upload(client, latest.note + witness.cosign(body, 1_796_000_000))
    url = str(signed.settings.database_url)
    for statement in ("UPDATE witness_keys SET name = 'x'", "DELETE FROM witness_keys",
                      "UPDATE log_cosignatures SET witness = 'x'", "DELETE FROM log_cosignatures"):
        with pytest.raises(Exception, match="append-only"):
            raw_execute(url, statement)

"""audit.witnessing.WitnessBook in SQL: registered witness keys and accepted cosignatures (append-only
tables, migration audit_0002), beside the stored checkpoints of `log_checkpoints`."""
from __future__ import annotations

from sqlalchemy import Engine, text

from workflow.audit.witness import parse_cosigner


class SqlWitnessBook:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def stored_checkpoints(self) -> list[tuple[int, str]]:
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT id, note FROM log_checkpoints ORDER BY id")
            return [(int(i), str(n)) for i, n in rows]

    def witness_keys(self) -> list[tuple[str, str, str]]:
        with self.engine.connect() as conn:
            return [(str(v), str(b), str(a)) for v, b, a in conn.exec_driver_sql(
                "SELECT vkey, registered_by, registered_at FROM witness_keys ORDER BY id")]

    def add_witness_key(self, vkey: str, *, by: str, at: str) -> None:
        key = parse_cosigner(vkey)
        self._insert("INSERT INTO witness_keys (name, key_id, vkey, registered_by, registered_at) "
                     "VALUES (:n, :k, :v, :b, :a)", n=key.name, k=key.key_id.hex(), v=vkey, b=by, a=at)

    def cosignatures(self) -> list[tuple[int, str, str, int, str, str]]:
        with self.engine.connect() as conn:
            return [(int(c), str(w), str(k), int(t), str(b), str(a)) for c, w, k, t, b, a in conn.exec_driver_sql(
                "SELECT checkpoint_id, witness, key_id, cosigned_at, uploaded_by, uploaded_at "
                "FROM log_cosignatures ORDER BY id")]

    def add_cosignature(self, checkpoint_id: int, *, witness: str, key_id: str, timestamp: int, note: str,
                        by: str, at: str) -> None:
        self._insert("INSERT INTO log_cosignatures (checkpoint_id, witness, key_id, cosigned_at, note, uploaded_by, "
                     "uploaded_at) VALUES (:c, :w, :k, :t, :n, :b, :a)", c=checkpoint_id, w=witness, k=key_id,
                     t=timestamp, n=note, b=by, a=at)

    def _insert(self, sql: str, **params: object) -> None:
        with self.engine.connect() as conn:
            conn.execution_options(rectiflow_write=True)
            with conn.begin():
                conn.execute(text(sql), params)

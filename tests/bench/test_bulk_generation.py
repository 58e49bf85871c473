"""The benchmark's bulk generator (bench.generate with through_engine=False, used above 500 cases) runs the real
case service on an in-memory store: when the engine's store port grows, this fails here rather than in CI's
`make bench-quick`."""
from __future__ import annotations

from bench.generate import generate, make_app


def test_bulk_generation_writes_cases_that_replay_and_verify(sqlite_url, tmp_path):
    made = generate(sqlite_url, 40, seed=7, instance=tmp_path / "instance", through_engine=False)
    assert made.cases == 40 and made.events > 40
    app = make_app(sqlite_url, tmp_path / "instance")
    try:
        assert app.cases.count() == 40
        assert app.audit.verify().ok
    finally:
        app.close()

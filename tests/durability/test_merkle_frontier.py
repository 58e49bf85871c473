"""The sequencer goes on from the stored right edge of the tree and its watermarks, with the same result as
rereading everything: after rounds of new records of random sizes, the log's root (what a checkpoint signs)
is RFC 6962's reference root of every stored leaf, every record is in the log once, and a log sequenced
before the frontier was kept (no `log_frontier` rows) is picked up where it stands."""
from __future__ import annotations

import random
from typing import Any

import pytest
from factories import raw_execute
from test_merkle_tamper import keys, record_views, signed_app  # noqa: F401  (fixtures)

from rectiflow.demo import walk_rectification
from workflow.audit.merkle import reference_root


def stored_leaves(app: Any) -> list[bytes]:
    log = app.checkpoints.log
    return list(log.stored_leaves(log.size()))


def records(url: str) -> int:
    return sum(raw_execute(url, "SELECT count(*) FROM case_events")[0]) + \
        sum(raw_execute(url, "SELECT count(*) FROM access_log")[0])


@pytest.mark.parametrize("seed", [1, 2])
def test_rounds_of_new_records_give_the_reference_root(signed_app, database_url, seed):  # noqa: F811
    rng = random.Random(seed)
    app = signed_app
    for _ in range(4):
        for _ in range(rng.randint(0, 2)):
            walk_rectification(app)
        record_views(app, rng.randint(0, 7))
        app.checkpoints.sequence()
        if rng.random() < 0.5:
            app.checkpoints.sequence()  # nothing new: the same tree
        cp, _ = app.checkpoints.checkpoint()
        leaves = stored_leaves(app)
        assert cp.size == len(leaves) == records(database_url)
        assert cp.root == reference_root(leaves) == app.checkpoints.log.tree_head()[1]
    positions = raw_execute(database_url, "SELECT position FROM log_entries ORDER BY position")
    assert [r[0] for r in positions] == list(range(len(positions)))
    [result] = app.checkpoints.verify([])
    assert result.ok, result.to_dict()


def test_a_log_without_a_stored_frontier_is_picked_up_where_it_stands(signed_app, database_url):  # noqa: F811
    app = signed_app
    walk_rectification(app)
    record_views(app, 3)
    app.checkpoints.sequence()
    # As a log sequenced before the frontier was kept: its rows gone (the bench's copy of a deployment).
    if database_url.startswith("sqlite"):
        raw_execute(database_url, "DROP TRIGGER log_frontier_no_delete")
    else:
        raw_execute(database_url, "DROP TRIGGER log_frontier_no_update ON log_frontier")
    raw_execute(database_url, "DELETE FROM log_frontier")
    walk_rectification(app)
    record_views(app, 2)
    cp, _ = app.checkpoints.checkpoint()
    leaves = stored_leaves(app)
    assert cp.size == len(leaves) == records(database_url)
    assert cp.root == reference_root(leaves)

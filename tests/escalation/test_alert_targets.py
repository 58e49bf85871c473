"""Who is alerted (workflow.cases.notices.alert_targets) reads only the case unit's chain and a few
users; the answer must be the rule applied to the whole directory, for every unit, role set and
confidential type — including users in no unit, auditors elsewhere, inactive users and an
assignee outside the unit."""
from __future__ import annotations

import itertools

from workflow.cases.notices import alert_targets, eligible_targets
from workflow.records import CaseState, User

NOTIFY_SETS = [("assignee",), ("unit_head",), ("supervisor", "leader"), ("assignee", "unit_head", "leader"),
               ("auditor",), ("handler", "assignee"), ()]


def _directory(app):
    d = app.directory
    d.add_unit("xf-sfs-1-a", name="城区司法所一组", parent="xf-sfs-1")
    d.add_user("head2", role="unit_head", unit="xf-sfs-2", name="平岗所长", password="x" * 12)
    d.add_user("handler_a", role="handler", unit="xf-sfs-1-a", name="一组承办人", password="x" * 12)
    d.add_user("auditor2", role="auditor", unit="xf-sfs-2", name="所纪检", password="x" * 12)
    d.add_user("gone", role="unit_head", unit="xf-sfs-1", name="已调离", password="x" * 12)
    with app.store.write() as tx:
        tx.update_user("gone", active=False)
        # A supervisor in no unit: a row from before a unit was required (it now covers no unit at all).
        tx.add_user(User("roving", "省级督办", "supervisor", None))


def _kinds(app):
    """One open case type and every confidential one (visible_to changes who may be alerted)."""
    latest = [app.registry.latest(n) for n in app.registry.names()]
    confidential = [d for d in latest if d.visible_to]
    assert confidential, "the shipped definitions have a confidential type"
    return [next(d for d in latest if not d.visible_to), *confidential]


def test_the_narrow_read_alerts_exactly_whom_the_whole_directory_would(app):
    _directory(app)
    with app.store.read() as tx:
        users, units = tx.users(), tx.units()
        assert [u.login for u in users if not u.active] == ["gone"]
        for defn, unit, assignee, notify in itertools.product(
                _kinds(app), [u.code for u in units],
                ["handler", "head2", "handler_a", None], NOTIFY_SETS):
            case = CaseState(id="c1", type=defn.name, unit=unit, assignee=assignee)
            expected = eligible_targets(users, units, app.roles, defn, case, notify)
            assert alert_targets(tx, app.roles, defn, case, notify) == expected, (defn.name, unit, assignee, notify)

"""The storage port's contract (workflow.ports.Store, ReadTx, WriteTx), one class run on every store:
in memory (workflow.adapters.memory), SQLite and PostgreSQL (workflow.adapters.sql).

Every port method is driven through a store with real records — cases folded from sealed events the
way workflow.cases.unit_of_work makes them — and judged by what a later transaction reads back, so a
store that answered differently from the others would fail here. Where the SQL store's answer has no
defined order (stored definitions, self-report windows) the test compares sets.
"""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from typing import Any

import pytest
from factories import START, folded, next_event, opening_event
from sqlalchemy.exc import IntegrityError

from workflow.adapters.memory.tables import IntegrityViolation
from workflow.errors import ConcurrencyConflict
from workflow.events import COMMENTED, DEADLINE_RECOMPUTED, format_time
from workflow.read_side import AccessEntry
from workflow.records import Alert, CaseState, StoredCampaign, StoredDefinition, Unit, User

REFUSED = (IntegrityError, IntegrityViolation)  # a unique or foreign key said no (SQL / memory)


def at(**delta: float) -> str:
    return format_time(START + timedelta(**delta))


def open_case(tx: Any, case_id: str, **event: Any) -> CaseState:
    """Append a case's opening event and insert its row, as UnitOfWork.open does."""
    case = folded(None, tx.append(opening_event(case_id, **event)))
    tx.insert_case(case, "reported")
    return case


def change(tx: Any, case_id: str, action: str = COMMENTED, payload: dict[str, Any] | None = None, *,
           hours: float = 1) -> CaseState:
    """Lock, append the next event, update the row — UnitOfWork.change's store calls."""
    locked = tx.lock_case(case_id)
    event = next_event(locked, action, payload if payload is not None else {"comment": f"v{locked.version + 1}"},
                       at=START + timedelta(hours=hours))
    new = folded(locked, tx.append(event))
    tx.update_case(new, "reported", expected_version=locked.version)
    return new


def deadline(days: float, *rungs: tuple[str, float], fired: tuple[str, ...] = ()) -> dict[str, Any]:
    """A deadline due `days` after START whose rungs fall due the given days after START."""
    return {"state": "reported", "key": "reported@v1", "due_at": at(days=days),
            "rungs": [{"name": name, "due_at": at(days=d)} for name, d in rungs],
            "fired": [{"rung": name, "level": 1, "at": at(days=days)} for name in fired]}


def firing(case_id: str, rung: str, *, fired: float, due: float = 0, key: str = "reported@v1",
           bulletin: bool = False, level: int = 1, late: bool = False) -> dict[str, Any]:
    return {"case_id": case_id, "deadline_key": key, "rung": rung, "level": level, "bulletin": bulletin,
            "due_at": at(hours=due), "fired_at": at(hours=fired), "late": late, "event_version": 2,
            "fired_by": "system:scheduler"}


def alert(login: str, case_id: str, version: int, *, hours: float, kind: str = "escalation", level: int = 1,
          rung: str | None = "remind") -> dict[str, Any]:
    return {"login": login, "case_id": case_id, "event_version": version, "kind": kind, "rung": rung,
            "level": level, "at": at(hours=hours), "due_at": None, "late": False, "read_at": None}


COUNTY, BUREAU = Unit("county", "西峰区", None), Unit("bureau", "司法局", "county")
OFFICE, ANNEX = Unit("office", "司法所", "bureau"), Unit("annex", "分所", "county")


class TestStoreContract:
    # ---- cases and their events ------------------------------------------------------------------
    def test_cases_read_back_as_stored_and_are_counted(self, store):
        with store.write() as tx:
            b = open_case(tx, "c-b", title="乙")
            a = open_case(tx, "c-a", title="甲", fields={"items": ["x"]})
            assert tx.get_case("c-a") == a  # a write transaction reads its own writes
        with store.read() as tx:
            assert (tx.get_case("c-a"), tx.get_case("c-b"), tx.get_case("c-none")) == (a, b, None)
            assert list(tx.all_case_ids()) == ["c-a", "c-b"]
            assert tx.count_cases() == 2

    def test_nothing_handed_in_or_out_shares_state_with_the_store(self, store):
        opening = opening_event("c1", fields={"items": ["x"]})
        with store.write() as tx:
            case = folded(None, tx.append(opening))
            tx.insert_case(case, "reported")
            case.fields["items"].append("after insert")
            opening.payload["fields"]["items"].append("after append")
        with store.read() as tx:
            got, [event] = tx.get_case("c1"), tx.events("c1")
            got.fields["items"].append("by a reader")
            event.payload["fields"]["items"].append("by a reader")
        with store.read() as tx:
            assert tx.get_case("c1").fields == {"items": ["x"]}
            assert tx.events("c1")[0].payload["fields"] == {"items": ["x"]}

    def test_lock_case_gives_the_case_or_none(self, store):
        with store.write() as tx:
            case = open_case(tx, "c1")
        with store.write() as tx:
            assert tx.lock_case("c1") == case
            assert tx.lock_case("c1", skip_locked=True) == case  # held by this transaction only
            assert tx.lock_case("c-none") is None and tx.lock_case("c-none", skip_locked=True) is None

    def test_update_case_stores_only_over_the_expected_version(self, store):
        with store.write() as tx:
            open_case(tx, "c1")
        with store.write() as tx:
            new = change(tx, "c1")
        with store.read() as tx:
            assert tx.get_case("c1") == new and new.version == 2
        stale = folded(new, next_event(new, COMMENTED, {"comment": "stale"}))
        with pytest.raises(ConcurrencyConflict), store.write() as tx:
            open_case(tx, "c2")
            tx.update_case(stale, "reported", expected_version=1)
        with pytest.raises(ConcurrencyConflict), store.write() as tx:
            tx.update_case(CaseState(id="c-none", version=1), "reported", expected_version=0)
        with store.read() as tx:
            assert (tx.get_case("c1"), tx.get_case("c2"), tx.get_case("c-none")) == (new, None, None)
        with store.write() as tx:  # unlocked, over the right version: stored
            tx.update_case(stale, "handled", expected_version=2)
        with store.read() as tx:
            assert tx.get_case("c1") == stale

    def test_a_second_event_for_a_case_version_is_a_conflict_and_nothing_is_written(self, store):
        with store.write() as tx:
            case = open_case(tx, "c1")
        first, second = (next_event(case, COMMENTED, {"comment": text}) for text in ("first", "second"))
        with store.write() as tx:
            tx.update_case(folded(case, tx.append(first)), "reported", expected_version=1)
        with pytest.raises(ConcurrencyConflict), store.write() as tx:
            open_case(tx, "c2")
            tx.append(second)
        with pytest.raises(ConcurrencyConflict), store.write() as tx:
            tx.append(opening_event("c1", title="again"))
        with store.read() as tx:
            assert [e.payload.get("comment") for e in tx.events("c1")] == [None, "first"]
            assert tx.get_case("c1").version == 2 and tx.get_case("c2") is None

    def test_events_come_in_version_order_filtered_with_increasing_sequence_numbers(self, store):
        appended = []
        with store.write() as tx:
            open_case(tx, "c-b")
            open_case(tx, "c-a")
            appended += [("c-b", 1), ("c-a", 1)]
            for hours in (1, 2, 3):
                change(tx, "c-a", hours=hours)
                appended.append(("c-a", hours + 1))
        with store.write() as tx:
            change(tx, "c-b", hours=4)
            appended.append(("c-b", 2))
        with store.read() as tx:
            events = tx.events("c-a")
            assert [e.version for e in events] == [1, 2, 3, 4]
            assert all(e.prev_hash == p.hash and e.hash == e.compute_hash() for p, e in pairwise(events))
            assert [e.version for e in tx.events("c-a", up_to_version=2)] == [1, 2]
            assert [e.version for e in tx.events("c-a", as_of=at(hours=2))] == [1, 2, 3]  # at or before
            assert [e.version for e in tx.events("c-a", up_to_version=3, as_of=at(hours=1))] == [1, 2]
            assert tx.events("c-none") == []
            every = list(tx.iter_events())
            assert [(e.case_id, e.version) for e in every] == [("c-a", v) for v in (1, 2, 3, 4)] + [
                ("c-b", 1), ("c-b", 2)]
            assert [e.version for e in tx.iter_events("c-b")] == [1, 2]
            assert list(tx.iter_events("c-none")) == []
        assert all(e.seq is not None for e in every)
        by_seq = sorted(every, key=lambda e: e.seq)
        assert [(e.case_id, e.version) for e in by_seq] == appended
        assert len({e.seq for e in every}) == len(every)

    def test_append_hands_back_the_event_with_its_sequence_number(self, store):
        with store.write() as tx:
            first = tx.append(opening_event("c1"))
            second = tx.append(opening_event("c2"))
            tx.insert_case(folded(None, first), "reported")
            tx.insert_case(folded(None, second), "reported")
        assert first == opening_event("c1") and first.seq is not None and second.seq > first.seq
        with store.read() as tx:
            assert [e.seq for e in tx.events("c1") + tx.events("c2")] == [first.seq, second.seq]

    # ---- transactions -------------------------------------------------------------------------------
    def test_a_write_transaction_that_fails_leaves_nothing(self, store):
        with store.write() as tx:
            case = open_case(tx, "c1")
            tx.add_unit(COUNTY)
        with pytest.raises(RuntimeError), store.write() as tx:
            open_case(tx, "c2")
            change(tx, "c1")
            tx.add_unit(BUREAU)
            tx.add_user(User("zhao", "赵", "handler", "county"))
            tx.save_definition(StoredDefinition("clue", 1, "0" * 64, "clue.yaml", "name: clue"))
            tx.save_campaign(StoredCampaign("plan", "方案", "plan.yaml", "0" * 64, [], {}, at()))
            tx.add_measure_case("plan", "M1", "c2")
            tx.add_declaration(case_type="self_declaration", round_no=1, declarant="zhao", case_id="c3",
                               unit="county", issued_at=START)
            tx.add_firing(firing("c1", "remind", fired=1))
            tx.add_alerts([alert("zhao", "c1", 2, hours=1)])
            tx.take_lease("sweep", "me", at(), at(minutes=5))
            raise RuntimeError("the caller fails after writing")
        with store.read() as tx:
            assert tx.get_case("c1") == case and tx.get_case("c2") is None and len(tx.events("c1")) == 1
            assert list(tx.iter_events()) == tx.events("c1")
            assert tx.units() == [COUNTY] and tx.users() == [] and tx.stored_definitions() == []
            assert tx.campaign_keys() == [] and tx.declarations("self_declaration", 1) == {}
            assert tx.firings() == [] and tx.alerts_for("zhao", unread_only=False) == []
            assert tx.lease_holder("sweep") is None

    def test_a_read_sees_only_what_was_committed(self, store):
        with store.write() as tx:
            open_case(tx, "c1")
            with store.read() as other:
                assert other.get_case("c1") is None and other.count_cases() == 0
        with store.read() as tx:
            assert tx.get_case("c1") is not None

    def test_a_read_transaction_is_one_consistent_view(self, store):
        """ports.ReadTx: "One consistent view of the stored state" — a commit made while a read
        transaction is open is not seen by its later reads."""
        with store.write() as tx:
            open_case(tx, "c1")
        with store.read() as reader:
            before = (reader.count_cases(), list(reader.all_case_ids()), reader.get_case("c2"))
            with store.write() as tx:
                open_case(tx, "c2")
            assert (reader.count_cases(), list(reader.all_case_ids()), reader.get_case("c2")) == before

    def test_a_savepoint_undoes_only_its_own_part(self, store):
        with store.write() as tx:
            open_case(tx, "c-a")
            with pytest.raises(RuntimeError), tx.savepoint():
                open_case(tx, "c-b")
                tx.add_alerts([alert("zhao", "c-a", 2, hours=1)])
                raise RuntimeError("this part fails")
            with tx.savepoint():
                open_case(tx, "c-c")
            with pytest.raises(ConcurrencyConflict), tx.savepoint():  # a store rule breaks inside the part
                change(tx, "c-c")
                tx.append(opening_event("c-a"))
            with tx.savepoint():
                with pytest.raises(RuntimeError), tx.savepoint():  # nested: the inner part alone
                    change(tx, "c-a", hours=2)
                    raise RuntimeError("the inner part fails")
                change(tx, "c-a", hours=3)
            assert tx.get_case("c-b") is None and tx.get_case("c-c").version == 1
        with store.read() as tx:
            assert list(tx.all_case_ids()) == ["c-a", "c-c"]
            assert [(e.version, e.at) for e in tx.events("c-a")] == [(1, at()), (2, at(hours=3))]
            assert tx.get_case("c-a").version == 2 and [e.version for e in tx.events("c-c")] == [1]
            assert tx.alerts_for("zhao", unread_only=False) == []

    def test_write_transactions_on_one_case_run_one_after_another(self, store):
        with store.write() as tx:
            open_case(tx, "c1")
        errors: list[BaseException] = []

        def bump() -> None:
            try:
                for _ in range(8):
                    with store.write() as tx:
                        change(tx, "c1")
            except BaseException as err:  # reported below: a lost update or a conflict fails the test
                errors.append(err)

        threads = [threading.Thread(target=bump) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors and not any(t.is_alive() for t in threads)
        with store.read() as tx:
            assert tx.get_case("c1").version == 33
            assert [e.version for e in tx.events("c1")] == list(range(1, 34))

    def test_skip_locked_never_hands_over_a_case_another_transaction_holds(self, store):
        """PostgreSQL answers None while the other holds the row; SQLite and memory run whole write
        transactions one at a time, so the second one starts only after the first committed."""
        with store.write() as tx:
            open_case(tx, "c1")
        held, release = threading.Event(), threading.Event()
        seen: dict[str, Any] = {}

        def holder() -> None:
            with store.write() as tx:
                tx.lock_case("c1")
                held.set()
                release.wait(30)
                change(tx, "c1")

        def skipper() -> None:
            with store.write() as tx:
                seen["case"] = tx.lock_case("c1", skip_locked=True)
                seen["released"] = release.is_set()

        first = threading.Thread(target=holder)
        first.start()
        assert held.wait(30)
        second = threading.Thread(target=skipper)
        second.start()
        second.join(1.0)  # PostgreSQL: done, without waiting; SQLite and memory: waiting to begin
        release.set()
        first.join(30)
        second.join(30)
        case = seen["case"]
        assert (case is None and not seen["released"]) or (case is not None and case.version == 2), seen

    def test_dispose_releases_connections_and_keeps_the_data(self, store):
        with store.write() as tx:
            case = open_case(tx, "c1")
        store.dispose()
        with store.read() as tx:
            assert tx.get_case("c1") == case
        with store.write() as tx:
            open_case(tx, "c2")
        with store.read() as tx:
            assert tx.count_cases() == 2

    def test_writes_go_on_after_a_failed_one_and_on_other_threads(self, store):
        """A write transaction's connection is reused (SqlStore holds one per thread): a failed transaction
        leaves nothing behind on it, and each thread writes on its own."""
        with pytest.raises(RuntimeError), store.write() as tx:
            open_case(tx, "c1")
            raise RuntimeError("refused halfway")
        with store.write() as tx:
            assert tx.get_case("c1") is None
            open_case(tx, "c1")
        done: list[str] = []

        def other() -> None:
            with store.write() as tx:
                open_case(tx, "c2")
            done.append("c2")

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(30)
        with store.write() as tx:
            open_case(tx, "c3")
        with store.read() as tx:
            assert (done, tx.count_cases()) == (["c2"], 3)

    # ---- the directory ------------------------------------------------------------------------------
    def test_units_users_and_the_unit_chain(self, store):
        zhao, admin = User("zhao", "赵", "handler", "office"), User("admin1", "管理员", "admin", None, "h", True, "t")
        loop = Unit("loop", "环", "loop")  # its own parent (a bad edit): the chain walk must still end
        with store.write() as tx:
            for unit in (COUNTY, BUREAU, OFFICE, ANNEX, loop):
                tx.add_unit(unit)
            tx.add_user(zhao)
            tx.add_user(admin)
        with store.read() as tx:
            assert tx.units() == [ANNEX, BUREAU, COUNTY, loop, OFFICE]
            assert (tx.get_unit("office"), tx.get_unit("nowhere")) == (OFFICE, None)
            assert tx.unit_chain("office") == [OFFICE, BUREAU, COUNTY]
            assert tx.unit_chain("county") == [COUNTY] and tx.unit_chain("nowhere") == []
            assert tx.unit_chain("loop") == [loop]
            assert tx.users() == [admin, zhao] and (tx.get_user("zhao"), tx.get_user("ghost")) == (zhao, None)
        with store.write() as tx:
            tx.update_user("zhao", active=False, session_token="new", unit="annex", must_change_password=True)
            tx.update_user("ghost", active=False)  # no such user: nothing happens
        with store.read() as tx:
            assert tx.users() == [admin, User("zhao", "赵", "handler", "annex", "", False, "new", True)]
            assert tx.get_user("zhao").must_change_password is True and admin.must_change_password is False

    def test_a_transaction_reads_its_own_directory_changes(self, store):
        """A user or unit chain read twice in one transaction may be answered once — never across a change."""
        zhao = User("zhao", "赵", "handler", "office")
        with store.write() as tx:
            for unit in (COUNTY, BUREAU):
                tx.add_unit(unit)
            assert (tx.get_user("zhao"), tx.unit_chain("office")) == (None, [])
            tx.add_unit(OFFICE)
            assert tx.unit_chain("office") == [OFFICE, BUREAU, COUNTY]
            tx.add_user(zhao)
            assert tx.get_user("zhao") == zhao
            tx.update_user("zhao", active=False)
            assert tx.get_user("zhao") == User("zhao", "赵", "handler", "office", active=False)
            tx.unit_chain("office").clear()  # a caller's list is its own
            assert tx.unit_chain("office") == [OFFICE, BUREAU, COUNTY]
        with store.write() as tx:  # the next transaction reads what the last one committed
            assert tx.get_user("zhao").active is False
            tx.update_user("zhao", active=True)
        with store.write() as tx:
            assert tx.get_user("zhao").active is True

    @pytest.mark.parametrize("write", [
        lambda tx: tx.add_user(User("li", "李", "handler", "nowhere")),
        lambda tx: tx.add_user(User("zhao", "赵二", "handler", None)),
        lambda tx: tx.add_unit(Unit("office", "所", "nowhere")),
        lambda tx: tx.add_unit(Unit("county", "又一个", None)),
        lambda tx: tx.update_user("zhao", unit="nowhere"),
    ], ids=["user-in-no-unit", "user-twice", "unit-under-no-unit", "unit-twice", "user-moved-to-no-unit"])
    def test_the_directory_keys_refuse_and_the_transaction_writes_nothing(self, store, write):
        zhao = User("zhao", "赵", "handler", "county")
        with store.write() as tx:
            tx.add_unit(COUNTY)
            tx.add_user(zhao)
        with pytest.raises(REFUSED), store.write() as tx:
            tx.add_unit(Unit("extra", "另", "county"))
            write(tx)
        with store.read() as tx:
            assert tx.units() == [COUNTY] and tx.users() == [zhao]

    def test_alert_candidates_are_the_active_users_of_the_chain_the_roles_and_the_login(self, store):
        users = [User("o_handler", "所", "handler", "office"), User("b_head", "局", "unit_head", "bureau"),
                 User("c_leader", "区", "leader", "county"), User("a_handler", "分", "handler", "annex"),
                 User("free", "无", "admin", None), User("gone", "离", "handler", "office", active=False),
                 User("reader", "读", "auditor", "annex"), User("assignee", "承", "handler", "annex"),
                 User("gone_reader", "旧", "auditor", "annex", active=False)]
        with store.write() as tx:
            for unit in (COUNTY, BUREAU, OFFICE, ANNEX):
                tx.add_unit(unit)
            for user in users:
                tx.add_user(user)
        with store.read() as tx:
            def logins(unit: str, roles: set[str], login: str | None) -> list[str]:
                found = tx.alert_candidates(unit, roles_anywhere=roles, login=login)
                assert found == [tx.get_user(u.login) for u in found]
                return [u.login for u in found]

            assert logins("office", set(), None) == ["b_head", "c_leader", "free", "o_handler"]
            assert logins("office", {"auditor"}, "assignee") == [
                "assignee", "b_head", "c_leader", "free", "o_handler", "reader"]
            assert logins("annex", set(), "gone") == ["a_handler", "assignee", "c_leader", "free", "reader"]
            assert logins("nowhere", set(), None) == ["free"]

    # ---- the access log ------------------------------------------------------------------------------
    def test_the_access_log_is_appended_in_order_with_its_transaction_only(self, store):
        def entry(action: str, **detail: Any) -> AccessEntry:
            return AccessEntry(0, at(hours=1), "admin", action, None, "ok", "10.0.0.7", detail)

        given = entry("change_user", user="zhao", changes={"role": ["handler", "unit_head"]})
        with store.write() as tx:
            tx.record_access(given)
            tx.record_access(entry("disable_user", user="zhao"))
            assert [e.action for e in tx.access_log_after(0, limit=10)] == ["change_user", "disable_user"]
        given.detail["changes"]["role"][1] = "admin"  # the caller's dict is not the stored entry
        with pytest.raises(RuntimeError), store.write() as tx:
            tx.record_access(entry("reset_password", user="zhao"))
            raise RuntimeError("the change it records failed")
        with store.write() as tx:
            with pytest.raises(RuntimeError), tx.savepoint():
                tx.record_access(entry("undone"))
                raise RuntimeError
            tx.record_access(entry("enable_user", user="zhao"))
        with store.read() as tx:
            entries = tx.access_log_after(0, limit=10)
            assert [e.action for e in entries] == ["change_user", "disable_user", "enable_user"]
            assert all(a.seq < b.seq for a, b in pairwise(entries)) and entries[0].seq > 0
            stored = {"user": "zhao", "changes": {"role": ["handler", "unit_head"]}}
            assert entries[0] == AccessEntry(entries[0].seq, at(hours=1), "admin", "change_user", None, "ok",
                                             "10.0.0.7", stored)
            assert tx.access_log_after(entries[0].seq, limit=1) == [entries[1]]
            assert tx.access_log_after(entries[-1].seq, limit=10) == []

    # ---- stored definitions ----------------------------------------------------------------------------
    def test_definitions_are_stored_replaced_and_known_in_use(self, store):
        rect = StoredDefinition("rectification_item", 1, "a" * 64, "definitions/rectification_item.yaml", "v1")
        clue = StoredDefinition("clue", 1, "c" * 64, "definitions/clue.yaml", "name: clue")
        edited = replace(rect, content_hash="b" * 64, text="v1, edited")
        with store.write() as tx:
            tx.save_definition(rect, at())
            tx.save_definition(clue)
            tx.save_definition(edited, at(hours=1))  # the same name and version again: replaced
            open_case(tx, "c1", case_type="rectification_item", definition_version=1)
        with store.read() as tx:
            assert sorted(tx.stored_definitions(), key=lambda d: (d.name, d.version)) == [clue, edited]
            assert tx.definition_in_use("rectification_item", 1)
            assert not tx.definition_in_use("rectification_item", 2) and not tx.definition_in_use("clue", 1)

    # ---- campaigns and self-declarations -------------------------------------------------------------
    def test_campaign_plans_and_their_measure_cases(self, store):
        windows = [{"from": "2026-03-01", "until": "2026-03-31", "label": {"zh": "自查期", "en": "Self-report"}}]
        plan = StoredCampaign("xifeng", "西峰方案", "plans/xifeng.yaml", "a" * 64, windows,
                              {"tasks": [{"id": "T1", "measures": ["M1", "M2"]}], "title": {"zh": "方案"}}, at())
        other = StoredCampaign("another", "另一方案", "plans/another.yaml", "b" * 64,
                               [{"from": "2026-05-01", "until": "2026-05-15", "label": {}},
                                {"from": "2026-07-01", "until": "2026-07-02", "label": {}}], {}, at(hours=1))
        with store.write() as tx:
            tx.save_campaign(plan)
            tx.save_campaign(other)
            tx.add_measure_case("xifeng", "M1", "c-m1")
            tx.add_measure_case("xifeng", "M2", "c-m2")
            tx.add_measure_case("another", "M1", "c-x")
        with store.read() as tx:
            assert (tx.get_campaign("xifeng"), tx.get_campaign("another"), tx.get_campaign("nope")) == (
                plan, other, None)
            assert tx.campaign_keys() == ["another", "xifeng"]
            assert tx.measure_cases("xifeng") == {"M1": "c-m1", "M2": "c-m2"} and tx.measure_cases("nope") == {}
            assert tx.self_report_windows("xifeng") == [(date(2026, 3, 1), date(2026, 3, 31))]  # its own only
            assert tx.self_report_windows("nope") == []
            assert sorted(tx.self_report_windows()) == [(date(2026, 3, 1), date(2026, 3, 31)),
                                                        (date(2026, 5, 1), date(2026, 5, 15)),
                                                        (date(2026, 7, 1), date(2026, 7, 2))]
        again = replace(plan, title="西峰方案（修订）", windows=[], plan={"tasks": []})
        with store.write() as tx:
            tx.save_campaign(again)  # saved again: replaced, its measure cases kept
        with store.read() as tx:
            assert tx.get_campaign("xifeng") == again and tx.measure_cases("xifeng") == {"M1": "c-m1", "M2": "c-m2"}
            assert len(tx.self_report_windows()) == 2

    @pytest.mark.parametrize("measure", [("xifeng", "M1", "c-new"), ("xifeng", "M9", "c-m1"), ("nope", "M1", "c-n")],
                             ids=["measure-twice", "case-twice", "plan-unknown"])
    def test_measure_cases_are_keyed(self, store, measure):
        with store.write() as tx:
            tx.save_campaign(StoredCampaign("xifeng", "西峰方案", "plans/xifeng.yaml", "a" * 64, [], {}, at()))
            tx.add_measure_case("xifeng", "M1", "c-m1")
        with pytest.raises(REFUSED), store.write() as tx:
            tx.add_measure_case("xifeng", "M2", "c-m2")
            tx.add_measure_case(*measure)
        with store.read() as tx:
            assert tx.measure_cases("xifeng") == {"M1": "c-m1"} and tx.measure_cases("nope") == {}

    def test_declarations_by_form_and_round(self, store):
        def declare(tx: Any, declarant: str, case_id: str, *, round_no: int = 1, case_type: str = "self_declaration"
                    ) -> None:
            tx.add_declaration(case_type=case_type, round_no=round_no, declarant=declarant, case_id=case_id,
                               unit="office", issued_at=START + timedelta(days=1))

        with store.write() as tx:
            declare(tx, "zhao", "c-d1")
            declare(tx, "qian", "c-d2")
            declare(tx, "zhao", "c-d3", round_no=2)
            declare(tx, "zhao", "c-d4", case_type="other_form")
        with store.read() as tx:
            assert tx.declarations("self_declaration", 1) == {"zhao": "c-d1", "qian": "c-d2"}
            assert tx.declarations("self_declaration", 2) == {"zhao": "c-d3"}
            assert tx.declarations("other_form", 1) == {"zhao": "c-d4"}
            assert tx.declarations("self_declaration", 3) == {}
        for twice in (lambda tx: declare(tx, "zhao", "c-d9"), lambda tx: declare(tx, "sun", "c-d1")):
            with pytest.raises(REFUSED), store.write() as tx:
                declare(tx, "li", "c-d8")
                twice(tx)
        with store.read() as tx:
            assert tx.declarations("self_declaration", 1) == {"zhao": "c-d1", "qian": "c-d2"}

    def test_org_held_since_finds_the_earliest_organisation_case_about_the_subject(self, store):
        subject_fields = {"clue": "subject", "rectification_item": "subject_name"}

        def about(case_id: str, case_type: str, days: float, campaign: str | None = None, **fields: str) -> None:
            open_case(tx, case_id, case_type=case_type, at=START + timedelta(days=days), fields=fields,
                      campaign=campaign)

        with store.write() as tx:
            about("c-org-late", "clue", 2, subject="张三", discovery_channel="inspection")
            about("c-org-early", "clue", 1, subject=" 张三 ", discovery_channel="public_report")
            about("c-self", "clue", 0, subject="张三", discovery_channel="self_report")
            about("c-other-subject", "clue", 0, subject="李四", discovery_channel="inspection")
            about("c-no-channel", "clue", 0, subject="张三")
            about("c-other-type", "ledger_item", 0, subject="张三", discovery_channel="inspection")
            about("c-rect", "rectification_item", 3, subject_name="张三", discovery_channel="look_back",
                  category="appraisal")
            about("c-camp", "clue", 0.5, campaign="other", subject="张三", discovery_channel="inspection")
            about("c-camp-rect", "rectification_item", 4, campaign="other", subject_name="王五",
                  discovery_channel="inspection", category="appraisal")
        later = START + timedelta(days=10)
        with store.read() as tx:
            def held(subject: str = "张三", before: Any = later, exclude: str = "c-none", fields: Any = None,
                     case_type: str = "clue", matter: str | None = None, campaign: str | None = None) -> Any:
                return tx.org_held_since(subject_fields if fields is None else fields, subject=subject,
                                         before=before, exclude_case=exclude, case_type=case_type, matter=matter,
                                         campaign=campaign)

            assert held() == START + timedelta(days=1)
            assert held(exclude="c-org-early") == START + timedelta(days=2)
            assert held(before=START + timedelta(days=2)) == START + timedelta(days=1)
            assert held(before=START + timedelta(days=1)) is None  # opened strictly before `before`
            assert held(fields={"rectification_item": "subject_name"}) is None  # a clue: another matter
            assert held(fields={"rectification_item": "subject_name"}, case_type="rectification_item",
                        matter="appraisal") == START + timedelta(days=3)
            assert held(fields={"rectification_item": "subject_name"}, case_type="rectification_item",
                        matter="legal_service") is None  # the same person, another category
            assert held(subject="王五") is None and held(fields={}) is None
            assert held(campaign="other") == START + timedelta(days=0.5)  # only the campaign's own cases
            assert held(subject="王五", case_type="rectification_item", matter="appraisal", campaign="other") == \
                START + timedelta(days=4)
            assert held(subject="王五", case_type="rectification_item", matter="appraisal") is None

    # ---- escalations, alerts, the sweep lease ---------------------------------------------------------------
    def test_a_rung_fires_once_and_firings_read_back_in_order(self, store):
        rows = {"b-remind": firing("c-b", "remind", fired=2),
                "a-red": firing("c-a", "red", fired=1, due=0, bulletin=True, level=2, late=True),
                "a-remind": firing("c-a", "remind", fired=1, due=-1),
                "a-red-again": firing("c-a", "red", fired=3, key="handling@v3", bulletin=True),
                "gone-red": firing("c-gone", "red", fired=0, bulletin=True)}
        with store.write() as tx:
            open_case(tx, "c-a", title="甲", unit="office")
            open_case(tx, "c-b", title="乙")
            assert [tx.add_firing(row) for row in rows.values()] == [True] * 5
            assert tx.add_firing(firing("c-a", "red", fired=5, level=3)) is False  # that rung of that deadline
        with store.read() as tx:
            assert tx.firings() == [rows[k] for k in ("gone-red", "a-remind", "a-red", "b-remind", "a-red-again")]
            assert tx.firings("c-b") == [rows["b-remind"]] and tx.firings("c-none") == []
            shown = {"title": "甲", "unit": "office", "state": "reported"}
            keys = ("case_id", "rung", "level", "due_at", "fired_at", "late")
            expected = [{**{k: rows[name][k] for k in keys}, **shown} for name in ("a-red", "a-red-again")]
            assert tx.bulletin(None) == expected  # bulletin rungs of cases that exist, oldest first
            assert tx.bulletin(at(hours=2)) == expected[1:] and tx.bulletin(at(hours=4)) == []

    def test_alerts_get_increasing_ids_once_per_user_case_and_event_and_are_marked_read(self, store):
        with store.write() as tx:
            open_case(tx, "c-a", title="甲")
            tx.add_alerts([alert("zhao", "c-a", 2, hours=1), alert("qian", "c-a", 2, hours=1)])
            tx.add_alerts([alert("zhao", "c-a", 3, hours=2, kind="flag", rung=None, level=2),
                           alert("zhao", "c-gone", 2, hours=3)])
            tx.add_alerts([alert("zhao", "c-a", 2, hours=9)])  # the same user, case and event: skipped
            tx.add_alerts([])
        with store.read() as tx:
            mine = tx.alerts_for("zhao", unread_only=False)
            [theirs] = tx.alerts_for("qian", unread_only=False)
        assert [(a.case, a.at) for a in mine] == [("c-gone", at(hours=3)), ("c-a", at(hours=2)), ("c-a", at(hours=1))]
        assert mine[2].id < theirs.id < mine[1].id < mine[0].id  # in the order they were added
        assert mine[1] == Alert(id=mine[1].id, case="c-a", kind="flag", at=at(hours=2), read=False, level=2,
                                rung=None, due_at=None, late=False, title="甲")
        assert mine[0].title == "" and mine[2].rung == "remind"  # no case row: no title
        with store.write() as tx:
            assert tx.mark_alerts_read("zhao", [mine[1].id, theirs.id], at(hours=4)) == 1  # only the user's own
            assert tx.mark_alerts_read("zhao", (i for i in [mine[1].id]), at(hours=5)) == 0  # read already
        with store.read() as tx:
            assert [a.id for a in tx.alerts_for("zhao", unread_only=True)] == [mine[0].id, mine[2].id]
            assert [a.read for a in tx.alerts_for("zhao", unread_only=False)] == [False, True, False]
            assert [a.read for a in tx.alerts_for("qian", unread_only=True)] == [False]
        with store.write() as tx:
            assert tx.mark_alerts_read("zhao", [], at(hours=6)) == 0
            assert tx.mark_alerts_read("zhao", None, at(hours=6)) == 2
            assert tx.mark_alerts_read("zhao", None, at(hours=7)) == 0
        with store.read() as tx:
            assert tx.alerts_for("zhao", unread_only=True) == [] and tx.alerts_for("nobody", unread_only=False) == []
            assert len(tx.alerts_for("qian", unread_only=True)) == 1

    def test_the_lease_is_taken_renewed_expired_and_released(self, store):
        def take(name: str, owner: str, now: float, expires: float) -> bool:
            with store.write() as tx:
                return tx.take_lease(name, owner, at(minutes=now), at(minutes=expires))

        def holder(name: str = "sweep") -> tuple[str, str] | None:
            with store.read() as tx:
                return tx.lease_holder(name)

        assert holder() is None and take("sweep", "a", 0, 5) and holder() == ("a", at(minutes=5))
        assert not take("sweep", "b", 1, 6) and holder() == ("a", at(minutes=5))  # held by a
        assert take("sweep", "a", 2, 7) and holder() == ("a", at(minutes=7))  # renewed by its owner
        assert take("sweep", "b", 7, 12) and holder() == ("b", at(minutes=12))  # expired: another takes it
        with store.write() as tx:
            tx.release_lease("sweep", "a", at(minutes=8))  # not a's any more: nothing happens
        assert holder() == ("b", at(minutes=12))
        with store.write() as tx:
            tx.release_lease("sweep", "b", at(minutes=9))
        assert holder() == ("b", at(minutes=9))
        assert take("sweep", "a", 9, 14) and holder() == ("a", at(minutes=14))  # released: free at once
        assert take("other", "c", 9, 10) and holder("other") == ("c", at(minutes=10)) and holder("none") is None

    def test_due_cases_and_cases_with_deadlines(self, store):
        with store.write() as tx:
            open_case(tx, "c-1", deadline=deadline(2, ("remind", 1), ("red", 3)))
            open_case(tx, "c-2", deadline=deadline(2, ("remind", 1)))
            open_case(tx, "c-3", deadline=deadline(2, ("remind", 2)))
            open_case(tx, "c-4", deadline=deadline(6, ("remind", 5)))
            open_case(tx, "c-5", deadline=deadline(1, ("remind", 1), fired=("remind",)))  # nothing left to fire
            open_case(tx, "c-6")  # no deadline
            open_case(tx, "c-7", deadline=deadline(1, ("remind", 0.5)))
        now = at(days=4)
        with store.read() as tx:
            assert tx.due_case_ids(now, 10, ()) == ["c-7", "c-1", "c-2", "c-3"]  # earliest first, then by id
            assert tx.due_case_ids(now, 2, ()) == ["c-7", "c-1"]
            assert tx.due_case_ids(now, 2, {"c-7"}) == ["c-1", "c-2"]
            assert tx.due_case_ids(now, 2, {"c-7", "c-none"}) == ["c-1", "c-2"]
            assert tx.due_case_ids(at(days=1), 10, []) == ["c-7", "c-1", "c-2"]  # due at `now` counts
            assert tx.due_case_ids(at(), 10, ()) == []
            with_deadlines = list(tx.cases_with_deadlines())
            assert [c.id for c in with_deadlines] == ["c-1", "c-2", "c-3", "c-4", "c-5", "c-7"]
            assert with_deadlines == [tx.get_case(c.id) for c in with_deadlines]
        with store.write() as tx:  # a new deadline moves the case in the sweep's index
            change(tx, "c-1", DEADLINE_RECOMPUTED, {"deadline": deadline(7, ("remind", 6))})
            change(tx, "c-2", DEADLINE_RECOMPUTED, {"deadline": None})
        with store.read() as tx:
            assert tx.due_case_ids(now, 10, ()) == ["c-7", "c-3"]
            assert [c.id for c in tx.cases_with_deadlines()] == ["c-1", "c-3", "c-4", "c-5", "c-7"]


def test_write_connections_held_by_threads_leave_pooled_ones_for_reads(sqlite_url):
    """SqlStore holds at most half its pool for writers between their writes: however many threads
    write, reads still get a connection at once (a held-connection cache must not starve the pool)."""
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from workflow.adapters.sql.sqlstore import SqlStore, make_engine, upgrade_database

    upgrade_database(sqlite_url)
    store = SqlStore(make_engine(sqlite_url, pool_size=2, max_overflow=0, pool_timeout=2))
    try:
        barrier, errors = threading.Barrier(4), []

        def writer_then_reader() -> None:
            try:
                with store.write() as tx:
                    tx.count_cases()
                barrier.wait(30)  # every thread has written (and may hold its connection) before any reads
                with store.read() as tx:
                    tx.count_cases()
            except PoolTimeout as err:
                errors.append(err)

        threads = [threading.Thread(target=writer_then_reader) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert errors == []
    finally:
        store.dispose()

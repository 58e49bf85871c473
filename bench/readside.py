"""Inbox queries (p50/p95 per role) and the battle map as of a past date, on the generated datasets.

An inbox request is measured as the web page makes it: the first page of the user's default tab
plus the capped count of every tab the role sees (workflow.reporting.queries.build_inbox_query →
workflow.adapters.sql.sqlqueries.SqlQueries, read together by `inbox_with_counts` where it exists).
Users: a handler and a unit head of one line unit, the county supervisor, and the province-level
supervisor who covers every unit. The dashboard is
page `/dashboard?as_of=…` (query, fold, render; through Flask's test client) for the province-level
supervisor, as of 30 days before the dataset's "now".

Keyword search (`/?q=`) is the same inbox request with words: for each user, words of the
generated text that match most cases (审批, 材料不全), a quarter (吃请, 线 — one character),
a few (a title's number, 整改 in reports) and none, on the user's default tab with every tab's count.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from bench import dataset
from bench.common import Config, banner, log, put_summary, timed, write_result

USERS = {"handler": "k000-sfs-1-handler1", "unit_head": "k000-sfs-1-head", "supervisor": "k000-supervisor",
         "province_supervisor": "prov-supervisor"}
TABS = {"handler": ("todo", "queue", "all"), "unit_head": ("todo", "queue", "overdue", "all"),
        "supervisor": ("todo", "queue", "overdue", "all")}


def missing() -> str | None:
    try:
        import workflow.adapters.sql.sqlqueries
        import workflow.reporting.queries  # noqa: F401
    except ImportError as err:
        return f"the read side (workflow.reporting.queries / workflow.adapters.sql.sqlqueries) has not landed: {err}"
    return None


def _tabs(app: Any, role: str) -> tuple[str, ...]:
    try:
        from web.inbox import tabs_for

        return tuple(tabs_for(app.roles, role))
    except ImportError:
        return TABS.get(role, ("todo", "all"))


def inbox_figures(app: Any, repeat: int) -> dict[str, Any]:
    from workflow.events import format_time
    from workflow.read_side import InboxFilter
    from workflow.reporting.queries import PAGE_SIZE, build_inbox_query, viewer_for

    queries = app.queries
    with app.store.read() as tx:
        units = tx.units()
        users = {u.login: u for u in tx.users()}
    now = format_time(dataset.NOW)
    out: dict[str, Any] = {}
    for label, login in USERS.items():
        user = users[login]
        viewer = viewer_for(user, units, app.registry)
        tabs = _tabs(app, user.role)
        filt = InboxFilter()

        def page() -> int:
            counted = [build_inbox_query(kind, viewer, app.registry, filt, now, units) for kind in tabs]
            if hasattr(queries, "inbox_with_counts"):  # what web.inbox does: page and counts together
                first, _ = queries.inbox_with_counts(counted[0], counted, after=None, limit=PAGE_SIZE)
                return len(first.rows)
            first = queries.inbox(counted[0], after=None, limit=PAGE_SIZE)
            for query in counted:
                queries.count(query)
            return len(first.rows)

        def first_page() -> None:
            queries.inbox(build_inbox_query(tabs[0], viewer, app.registry, filt, now, units), after=None, limit=PAGE_SIZE)

        try:
            rows = page()
        except Exception as err:  # a query the database refuses is a finding, not a reason to stop
            out[label] = {"login": login, "tabs": list(tabs), "error": f"{type(err).__name__}: {str(err)[:200]}"}
            log(f"  inbox {label:<20} FAILED: {out[label]['error'][:120]}")
            continue
        out[label] = {"login": login, "tabs": list(tabs), "rows_on_first_page": rows,
                      "page_with_counts_ms": timed(page, repeat=repeat),
                      "first_page_only_ms": timed(first_page, repeat=repeat)}
        log(f"  inbox {label:<20} p50 {out[label]['page_with_counts_ms']['p50']:>8.2f} ms  "
            f"p95 {out[label]['page_with_counts_ms']['p95']:>8.2f} ms  CPU {out[label]['page_with_counts_ms']['cpu_mean']:.2f} ms"
            f"  (first page only p95 "
            f"{out[label]['first_page_only_ms']['p95']:.2f} ms, {rows} rows)")
    return out


# Words of the generated cases (bench.dataset): in most, in a quarter, in a few, in none.
SEARCH_WORDS = ("审批", "材料不全", "吃请", "线", "整改到位", "000123", "请假外出")


def search_figures(app: Any, repeat: int) -> dict[str, Any]:
    """p50/p95 of the inbox request with search words, per user and word (as `inbox_figures`)."""
    from workflow.events import format_time
    from workflow.read_side import SEARCH_COUNT_CAP, InboxFilter
    from workflow.reporting.queries import PAGE_SIZE, build_inbox_query, viewer_for

    queries = app.queries
    with app.store.read() as tx:
        units = tx.units()
        users = {u.login: u for u in tx.users()}
    now = format_time(dataset.NOW)
    out: dict[str, Any] = {}
    for label, login in USERS.items():
        user = users[login]
        viewer = viewer_for(user, units, app.registry)
        tabs = _tabs(app, user.role)
        for words in SEARCH_WORDS:
            filt = InboxFilter(text=words)

            def page() -> int:
                counted = [build_inbox_query(kind, viewer, app.registry, filt, now, units) for kind in tabs]
                _page, counts = queries.inbox_with_counts(counted[0], counted, after=None, limit=PAGE_SIZE,
                                                          cap=SEARCH_COUNT_CAP)  # as web.inbox caps them
                return counts[-1]

            key = f"{label} {words}"
            try:
                found = page()
            except Exception as err:  # a query the database refuses is a finding, not a reason to stop
                out[key] = {"login": login, "words": words, "error": f"{type(err).__name__}: {str(err)[:200]}"}
                log(f"  search {key:<28} FAILED: {out[key]['error'][:120]}")
                continue
            out[key] = {"login": login, "words": words, "found_in_last_tab": found,
                        "ms": timed(page, repeat=repeat)}
            log(f"  search {key:<28} p50 {out[key]['ms']['p50']:>8.2f} ms  p95 {out[key]['ms']['p95']:>8.2f} ms"
                f"  ({found} found in {tabs[-1]}, capped)")
    return out


def dashboard_figures(app: Any, repeat: int) -> dict[str, Any]:
    """The battle map page as of 30 days before "now", province-wide, through the web app itself.

    Driving the real view (`/dashboard?as_of=…` via Flask's test client) measures what a user waits
    for — query, fold, render — and does not depend on the read side's internal API.
    """
    from web import create_app
    from workflow.events import format_time

    as_of = (dataset.NOW - timedelta(days=30)).date().isoformat()
    flask_app = create_app(core=app)
    flask_app.config["WTF_CSRF_ENABLED"] = False  # the test client posts the login form directly
    client = flask_app.test_client()
    client.post("/login", data={"username": USERS["province_supervisor"], "password": "rectiflow-demo"})

    def board() -> int:
        response = client.get(f"/dashboard?as_of={as_of}")
        if response.status_code != 200:
            raise RuntimeError(f"/dashboard answered {response.status_code}")
        return len(response.data)

    size = board()
    figures = {"as_of": as_of, "page_bytes": size, "now": format_time(dataset.NOW),
               "ms": timed(board, repeat=repeat, warmup=1)}
    log(f"  dashboard page as of {as_of}: p50 {figures['ms']['p50']:.0f} ms, max {figures['ms']['max']:.0f} ms, "
        f"CPU {figures['ms']['cpu_mean']:.0f} ms")
    return figures


def vacuum_cases(engine: Any) -> None:
    """What autovacuum does to a live table: a table just bulk-copied has no visibility map yet, so
    every index-only read of it (the inbox counts) would also visit the table rows."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM (ANALYZE) cases")


def run(cfg: Config, datasets: list[tuple[int, str, str, dict[str, Any]]]) -> dict[str, Any]:
    """datasets: (cases, db name, url, info) tuples."""
    from bench.generate import make_app

    banner("inbox queries and dashboard as of a past date")
    reason = missing()
    if reason:
        for key in ("inbox_p95_ms", "dashboard_asof_ms", "search_p95_ms"):
            from bench.common import not_available

            not_available(cfg, key, reason)
        write_result(cfg, "readside", {"status": "not available", "reason": reason})
        return {}
    results: dict[str, Any] = {}
    for n, db, url, info in datasets:
        log(f"{db}, {n:,} cases, {info.get('events', 0):,} events:")
        app = make_app(url, cfg.work / "readside-instance")
        try:
            if db == "postgresql":
                vacuum_cases(app.store.engine)
            entry = {"cases": n, "events": info.get("events"), "inbox": inbox_figures(app, 10 if cfg.quick else 20),
                     "search": search_figures(app, 5 if cfg.quick else 20)}
            if not cfg.dashboard:
                entry["dashboard"] = {"error": "not measured (--no-dashboard)", "not_available": True}
                results[f"{db}-{n}"] = entry
                continue
            try:
                entry["dashboard"] = dashboard_figures(app, 2 if cfg.quick else 5)
            except ImportError as err:  # no web UI in this build
                entry["dashboard"] = {"error": f"the web UI is not installed: {err}", "not_available": True}
            except Exception as err:  # recorded as a failure in the summary, like an inbox query
                entry["dashboard"] = {"error": f"{type(err).__name__}: {str(err)[:200]}"}
                log(f"  dashboard FAILED: {entry['dashboard']['error'][:120]}")
        finally:
            app.close()
        results[f"{db}-{n}"] = entry
    _summarise(cfg, results)
    write_result(cfg, "readside", results)
    return results


def _summarise(cfg: Config, results: dict[str, Any]) -> None:
    biggest = max(v["cases"] for v in results.values())
    per_db: dict[str, float] = {}
    failures: list[str] = []
    for key, v in results.items():
        if v["cases"] != biggest:
            continue
        db = key.split("-")[0]
        failures += [f"{db} {role}: {r['error']}" for role, r in v["inbox"].items() if "error" in r]
        ok = [r["page_with_counts_ms"]["p95"] for r in v["inbox"].values() if "error" not in r]
        if ok:
            per_db[db] = max(ok)
    if failures:
        put_summary(cfg, "inbox_p95_ms", None, biggest, None, status="failed", reason="; ".join(failures)[:400],
                    per_db_worst_successful=per_db)
    elif per_db:
        db = max(per_db, key=lambda d: per_db[d])
        put_summary(cfg, "inbox_p95_ms", per_db[db], biggest, db, per_db=per_db,
                    measure="worst role, first page + every tab's capped count")
    _summarise_search(cfg, results, biggest)
    # Issue 17 sets the battle map's target at a million cases: report the largest dataset (bench.targets).
    target = max(v["cases"] for v in results.values())
    for key, v in results.items():
        if v["cases"] == target and key.startswith("sqlite") and "error" in v["dashboard"]:
            status = "not available" if v["dashboard"].get("not_available") else "failed"
            put_summary(cfg, "dashboard_asof_ms", None, target, "sqlite", status=status, reason=v["dashboard"]["error"])
        elif v["cases"] == target and key.startswith("sqlite"):
            put_summary(cfg, "dashboard_asof_ms", v["dashboard"]["ms"]["p50"], target, "sqlite",
                        events=v["events"], max=v["dashboard"]["ms"]["max"],
                        postgresql=results.get(f"postgresql-{target}", {}).get("dashboard", {}).get("ms", {}).get("p50"))


def _summarise_search(cfg: Config, results: dict[str, Any], biggest: int) -> None:
    """search_p95_ms: the worst (user, words) p95 on the biggest dataset, per database."""
    per_db: dict[str, float] = {}
    failures: list[str] = []
    for key, v in results.items():
        if v["cases"] != biggest:
            continue
        db = key.split("-")[0]
        failures += [f"{db} {k}: {r['error']}" for k, r in v["search"].items() if "error" in r]
        ok = {k: r["ms"]["p95"] for k, r in v["search"].items() if "error" not in r}
        if ok:
            per_db[db] = max(ok.values())
    if failures:
        put_summary(cfg, "search_p95_ms", None, biggest, None, status="failed", reason="; ".join(failures)[:400])
    elif per_db:
        db = max(per_db, key=lambda d: per_db[d])
        put_summary(cfg, "search_p95_ms", per_db[db], biggest, db, per_db=per_db,
                    measure="worst (user, words): first page + every tab's capped count, with ?q=")

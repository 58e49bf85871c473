"""Every step of every shipped case type fired on a phone (issue 16: "every step reachable and fireable on the
phone size"): for each definitions/*.yaml, at 390×844 in a Chinese browser, as the role the step names,

* the happy path — registered through the new-case form, then each step to the first 销号 (closed_out) state
  (else the nearest closed one) fired through its form on the case page;
* every other transition (side paths, returns, extensions, reopenings, self-loops): a case brought to the
  step's source state by the engine (the steps before it are fired on the phone in another walk), then the
  step — and any not yet fired that follow it — through the form.

Each firing fills the step's form as a person would (text, dates in the text box, choices, people, units,
check boxes, files), and the test checks that the step happened (the case's state and version), that the page
never scrolls sideways, and that the step's button is thumb-sized. Field values are chosen so the step's
guards agree (workflow.definitions.guards, evaluated on the values before they are typed); a step that needs
its deadline to have passed moves this module's own clock.

One app (its own clock) and one browser for the module; one test per case type.
Screenshots: test-artifacts/phone-step-<type>-<trigger>.png (the form filled, before firing).
"""
from __future__ import annotations

import itertools
import shutil
from collections import deque
from datetime import UTC, datetime, timedelta

import pytest
from conftest import PASSWORD, REPO, serve_in_thread

PHONE = {"width": 390, "height": 844}
UNIT = "xf-sfs-1"  # the handler's and unit head's unit; county roles cover it
LOGINS = {"registrar": ["registrar"], "handler": ["handler"], "unit_head": ["unit_head"],
          "supervisor": ["supervisor", "supervisor2"], "leader": ["leader"]}
ROLE_ORDER = ("supervisor", "unit_head", "handler", "leader", "registrar")
TYPES = sorted(p.stem for p in (REPO / "definitions").glob("*.yaml") if p.stem != "roles")


@pytest.fixture(scope="module")
def phone_clock():
    from workflow.clock import FixedClock

    return FixedClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))  # Monday 09:00 in Beijing


@pytest.fixture(scope="module")
def phone_engine(sqlite_template, tmp_path_factory, phone_clock):
    """This module's own app: its clock moves (after_deadline steps) without moving the other tests' server."""
    from rectiflow.demo import seed_directory
    from workflow.bootstrap import build
    from workflow.config import Settings

    folder = tmp_path_factory.mktemp("phone-steps")
    shutil.copyfile(sqlite_template, folder / "rectiflow.db")
    settings = Settings(database_url=f"sqlite:///{folder / 'rectiflow.db'}", definitions_dir=REPO / "definitions",
                        instance_dir=folder / "instance")
    rectiflow = build(settings, clock=phone_clock)
    seed_directory(rectiflow)
    url, stop = serve_in_thread(rectiflow)
    rectiflow.test_url = url
    yield rectiflow
    stop()
    rectiflow.close()


class Phones:
    """One logged-in phone page per person (logging in again when the clock moved past the session's life)."""

    def __init__(self, browser, url):
        self.browser, self.url, self.pages = browser, url, {}

    def page(self, login):
        if login not in self.pages:
            context = self.browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
            self.pages[login] = context.new_page()
            self.pages[login].set_default_timeout(15000)
        return self.pages[login]

    def goto(self, login, path):
        page = self.page(login)
        response = page.goto(self.url + path)
        if page.url.split("?")[0].endswith("/login"):
            page.fill("#username", login)
            page.fill("#password", PASSWORD)
            page.click("#login-submit")
            page.wait_for_selector("#who", state="attached")
            response = page.goto(self.url + path)
        assert response is not None and response.status == 200, f"{path} as {login}: {response and response.status}"
        return page

    def close(self):
        for page in self.pages.values():
            page.context.close()


@pytest.fixture(scope="module")
def phones(browser, phone_engine):
    p = Phones(browser, phone_engine.test_url)
    yield p
    p.close()


# ---- choosing what a person would type ------------------------------------------------------------------
def _today(engine):
    return engine.clock.now().astimezone(engine.calendar.tzinfo).date()


_LATER = itertools.count(0, 3)


def _scalar(engine, spec):
    """A plain value for a field that no guard constrains."""
    if spec.type in ("text", "longtext"):
        return ("手机上填写：" + (spec.label.get("zh") or spec.name))[: spec.limit()]
    if spec.type == "integer":
        low, high = spec.minimum if spec.minimum is not None else 0, spec.maximum if spec.maximum is not None else 10
        return max(low, min(high, max(low, 1)))
    if spec.type == "date":  # later each time: an extension's new deadline lies after the old one
        return (_today(engine) + timedelta(days=30 + next(_LATER))).isoformat()
    if spec.type == "person":
        return "handler"
    if spec.type == "unit":
        return UNIT
    if spec.type == "boolean":
        return False
    if spec.type == "choice":
        return spec.choices[0].value
    raise AssertionError(spec.type)


def _wanted(guards):
    """Values the guards of a walk want: {field: values all of them accept}, the last step's wishes first."""
    want = {}
    for g in reversed(list(guards)):
        if g.kind not in ("field_equals", "field_in"):
            continue
        name = g.args["field"]
        allowed = [g.args["value"]] if g.kind == "field_equals" else list(g.args["values"])
        both = [v for v in want.get(name, allowed) if v in allowed]
        want[name] = both or want[name]
    return want


def _options(engine, defn, name, want, must_fill):
    """The values to try for one field of a step, most likely first (None: leave the box empty)."""
    spec = defn.fields[name]
    first = list(want.get(name, []))
    if spec.type == "choice":
        values = first + [c for c in spec.choice_values if c not in first]
    elif spec.type == "boolean":
        values = first + [v for v in (False, True) if v not in first]
    else:
        values = [_scalar(engine, spec)]
    if must_fill:
        return values
    return values + [None] if name not in want and spec.type in ("choice", "boolean") else (
        values if name in want else [None] + values)


def choose_values(engine, defn, t, case, login, want):
    """Values for the step's fields that its guards accept (evaluated as the engine will), else None."""
    from workflow.cases.validation import guard_context
    from workflow.definitions.guards import evaluate

    user = _user(engine, login)
    names = [n for n in (*t.requires, *t.optional) if defn.fields[n].type != "attachment"]
    files = [{"field": n, "name": "x.txt"} for n in (*t.requires, *t.optional) if defn.fields[n].type == "attachment"]
    present = {g.args["field"] for g in t.guards if g.kind == "field_present"}
    choices = [_options(engine, defn, n, want, n in t.requires or n in present) for n in names]
    for combo in itertools.islice(itertools.product(*choices), 400):
        values = {n: v for n, v in zip(names, combo) if v is not None}
        if evaluate(t.guards, guard_context(case, user, values, files, engine.clock.now())) is None:
            return values
    return None


def _user(engine, login):
    with engine.store.read() as tx:
        return tx.get_user(login)


def actors(defn, t, case):
    """Who may fire the step, in the order to try: the roles it names, a second person for a four-eyes rule."""
    roles = sorted(t.roles, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
    out = [login for r in roles for login in LOGINS.get(r, [])]
    if case.assignee and case.assignee in out:  # actor_is_assignee: the holder first
        out.remove(case.assignee)
        out.insert(0, case.assignee)
    return out


def pick(engine, defn, t, case, want):
    """(login, values) for firing t now, or None when no one and no values get past its guards."""
    for login in actors(defn, t, case):
        values = choose_values(engine, defn, t, case, login, want)
        if values is not None:
            return login, values
    return None


# ---- planning the walks ---------------------------------------------------------------------------------
def from_state(defn, state):
    return [t for t in defn.transitions if state in t.sources]


def shortest_path(defn, goal):
    """Transitions from the initial state to `goal`, fewest first (steps without guards preferred)."""
    seen, queue = {defn.initial: []}, deque([defn.initial])
    while queue:
        state = queue.popleft()
        if state == goal:
            return seen[state]
        for t in sorted(from_state(defn, state), key=lambda t: len(t.guards)):
            if t.dest not in seen:
                seen[t.dest] = seen[state] + [t]
                queue.append(t.dest)
    return None


def happy_path(defn):
    closed = [s for s, spec in defn.states.items() if spec.stage == "closed"]
    best = [s for s in closed if defn.states[s].outcome and defn.states[s].outcome.kind == "closed_out"]
    paths = [p for p in (shortest_path(defn, s) for s in best or closed) if p is not None]
    return min(paths, key=len)


def key(t):
    return (t.trigger, t.sources, t.dest)


# ---- firing -----------------------------------------------------------------------------------------------
def engine_fire(engine, defn, t, case_id, want):
    from workflow.cases.validation import Attachment

    case = _deadline_passed_if_needed(engine, t, engine.cases.get(case_id))
    chosen = pick(engine, defn, t, case, want)
    assert chosen, f"{defn.name}: no one can fire {t.trigger} on the way ({case.state})"
    login, values = chosen
    files = [Attachment(n, "材料.txt", "手机上传的材料".encode()) for n in t.requires
             if defn.fields[n].type == "attachment"]
    checks = None
    if defn.acceptance is not None and t.trigger in defn.acceptance.on:  # 评估验收: every criterion met
        from workflow.definitions.acceptance import criteria_of
        checks = {c.no: {"met": True, "note": "引擎代为核验"} for c in criteria_of(defn.acceptance, case.fields)}
    engine.cases.advance(case_id, t.trigger, actor=login, fields=values, attachments=files,
                         comment="引擎代为推进" if t.comment == "required" else None, checks=checks)


def _deadline_passed_if_needed(engine, t, case):
    """A step that needs its deadline passed (after_deadline) moves this module's clock past it; the case."""
    if any(g.kind == "after_deadline" for g in t.guards) and case.deadline and case.deadline.get("due_at"):
        from workflow.events import parse_time

        due = parse_time(case.deadline["due_at"])
        if engine.clock.now() <= due:
            engine.clock.set(due + timedelta(days=1))
    return engine.cases.get(case.id)


def _answer(page, selector, value):
    """A yes/no field: a 是/否 choice where an answer is required, else a check box."""
    if page.locator(selector).evaluate("e => e.tagName") == "SELECT":
        page.select_option(selector, "true" if value else "false")
    else:
        page.set_checked(selector, value)


def _close_calendar(page):
    """Tap beside the form, as a person closes the calendar the date box opened after typing the date."""
    page.locator("main h1").first.tap()
    page.locator(".flatpickr-calendar.open").wait_for(state="hidden")


def ui_fire(engine, phones, shot, defn, t, case_id, want):
    """Fire t through the case page's form on a phone, as the person the step names; check it happened."""
    case = _deadline_passed_if_needed(engine, t, engine.cases.get(case_id))
    chosen = pick(engine, defn, t, case, want)
    assert chosen, f"{defn.name}: no one can fire {t.trigger} from {case.state}"
    login, values = chosen
    page = phones.goto(login, f"/cases/{case_id}")
    prefix = f"f-{t.trigger}"
    step = page.locator(f"#step-{t.trigger}")
    assert step.count() == 1, f"{defn.name}: {login} is not offered {t.trigger} in {case.state}"
    assert page.locator("input[type=date]").count() == 0, "dates in Chinese: the date box, not the native one"
    summary = step.locator("summary")
    box = summary.bounding_box()
    assert box["height"] >= 44 and box["width"] >= PHONE["width"] - 40, f"{t.trigger}: step button {box}"
    summary.click()
    for name in (*t.requires, *t.optional):
        spec, selector = defn.fields[name], f"#{prefix}-{name}"
        if spec.type == "attachment":
            if name in t.requires:
                page.set_input_files(selector, files=[{"name": "整改材料.txt", "mimeType": "text/plain",
                                                        "buffer": "手机上传的整改材料".encode()}])
            continue
        value = values.get(name)
        if value is None:
            continue
        if spec.type == "boolean":
            _answer(page, selector, bool(value))
        elif spec.type in ("choice", "person", "unit"):
            offered = page.locator(f"{selector} option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
            assert offered, f"{t.trigger}: nothing to choose in {name}"
            page.select_option(selector, str(value) if str(value) in offered else offered[0])
        else:
            page.fill(selector, str(value))
            if spec.type == "date":
                _close_calendar(page)
    if t.comment == "required":
        page.fill(f"#{prefix}-comment", "在手机上办理。")
    _check_criteria(page, defn, t.trigger)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0, \
        f"{defn.name} {t.trigger}: the form scrolls sideways"
    button = page.locator(f"#fire-{t.trigger}")
    assert button.bounding_box()["height"] >= 44
    shot(page, f"phone-step-{defn.name}-{t.trigger}")
    before = case.version
    button.click()
    page.wait_for_load_state("networkidle")
    after = engine.cases.get(case_id)
    errors = page.locator(".error, .flash.error, .banner.error").all_inner_texts()
    assert after.version > before and after.state == t.dest, \
        f"{defn.name}: {t.trigger} as {login} did not happen ({after.state}); page says {errors}"
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    return login


def ui_register(engine, phones, defn, want):
    """Register a case of the type through the new-case form on a phone; its id."""
    from workflow.definitions.roles import ACT

    openers = defn.openers or defn.roles
    login = next(login for r in sorted(openers, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
                 for login in LOGINS.get(r, []) if engine.roles.may(r, ACT))
    if defn.opened_by == "campaign":  # no form offers it: the campaign opens it (tests/web/test_opened_by_campaign.py)
        return engine_register(engine, defn, want)
    page = phones.goto(login, f"/cases/new?type={defn.name}")
    page.fill("#n-title", f"手机登记：{defn.title['zh']}")
    if page.locator(f"#n-unit option[value='{UNIT}']").count():
        page.select_option("#n-unit", UNIT)
    for field in page.locator("#new-case-form [name]").evaluate_all("es => es.map(e => e.name)"):
        if field not in defn.fields:
            continue
        spec = defn.fields[field]
        if spec.type == "attachment":
            page.set_input_files(f"#n-{field}", files=[{"name": "登记材料.txt", "mimeType": "text/plain",
                                                          "buffer": "登记材料".encode()}])
            continue
        value = (want.get(field) or [None])[0]
        value = _scalar(engine, spec) if value is None else value
        if spec.type == "boolean":
            _answer(page, f"#n-{field}", bool(value))
        elif spec.type in ("choice", "person", "unit"):
            offered = page.locator(f"#n-{field} option").evaluate_all("os => os.map(o => o.value).filter(v => v)")
            page.select_option(f"#n-{field}", str(value) if str(value) in offered else offered[0])
        else:
            page.fill(f"#n-{field}", str(value))
            if spec.type == "date":
                _close_calendar(page)
    assert page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.click("#register")
    page.wait_for_load_state("networkidle")
    assert "/cases/" in page.url and "/new" not in page.url, \
        f"{defn.name}: registration failed: {page.locator('.error').all_inner_texts()}"
    return page.url.rstrip("/").split("/cases/")[1].split("?")[0]


def engine_register(engine, defn, want):
    from workflow.cases.validation import Attachment

    openers = defn.openers or defn.roles
    login = next(login for r in sorted(openers, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else 99)
                 for login in LOGINS.get(r, []))
    fields, files = {}, []
    for name, spec in defn.fields.items():
        if spec.computed is not None or not (spec.required or name in want):
            continue
        if spec.type == "attachment":
            files.append(Attachment(name, "登记材料.txt", "登记材料".encode()))
        else:
            fields[name] = (want.get(name) or [_scalar(engine, spec)])[0]
    if defn.opened_by == "campaign":  # a plan load or an assessment round opens it, as the campaign does
        assert not files, f"{defn.name}: a campaign-opened type with a required intake file"
        with engine.cases.begin() as work:
            return work.open(defn, work.user(login), title=f"侧路：{defn.title['zh']}", unit=UNIT, fields=fields,
                             by_campaign=True).id
    case = engine.cases.open_case(defn.name, actor=login, unit=UNIT, title=f"侧路：{defn.title['zh']}",
                                  fields=fields, attachments=files)
    return case.id


def walk_on(engine, phones, shot, defn, case_id, fired, want, first=None):
    """Fire `first` through the phone, then whatever not yet fired can follow, until nothing new is left."""
    t = first
    while t is not None:
        ui_fire(engine, phones, shot, defn, t, case_id, want)
        fired.add(key(t))
        state = engine.cases.get(case_id)
        t = next((n for n in from_state(defn, state.state)
                  if key(n) not in fired and pick(engine, defn, n, state, _wanted(n.guards))), None)
        want = _wanted(t.guards) if t is not None else want


def bring_to_source(engine, defn, t):
    """A case the engine brought to a state where t can be fired (trying other intake answers when a guard
    reads one, e.g. a discovery channel that makes the self-report count); its id."""
    from workflow.errors import WorkflowError

    prefixes = [p for p in (shortest_path(defn, s) for s in t.sources) if p is not None]
    assert prefixes, f"{defn.name}: {t.trigger} is unreachable"
    prefix = min(prefixes, key=len)
    want = _wanted([g for step in (*prefix, t) for g in step.guards])
    intake = [n for n, f in defn.fields.items() if f.required and f.type == "choice" and f.computed is None
              and n not in want]
    variants = itertools.product(*[[c.value for c in defn.fields[n].choices] for n in intake])
    problems = []
    for variant in itertools.islice(variants, 12):
        tried = {**want, **{n: [v] for n, v in zip(intake, variant)}}
        case_id = engine_register(engine, defn, tried)
        try:
            for step in prefix:
                engine_fire(engine, defn, step, case_id, tried)
        except (AssertionError, WorkflowError) as err:
            problems.append(f"{variant}: {err}")
            continue
        case = _deadline_passed_if_needed(engine, t, engine.cases.get(case_id))
        if pick(engine, defn, t, case, tried):
            return case_id
        loop = next((s for s in from_state(defn, case.state) if s.dest in s.sources and s is not t
                     and pick(engine, defn, s, case, _wanted(s.guards))), None)  # e.g. an exception granted
        if loop is not None:
            engine_fire(engine, defn, loop, case_id, _wanted(loop.guards))
            if pick(engine, defn, t, engine.cases.get(case_id), tried):
                return case_id
    raise AssertionError(f"{defn.name}: no case could be brought to where {t.trigger} passes its guards: {problems}")


# Steps no person takes: a plan load withdraws or reinstates a measure (workflow.campaigns.reconcile; their guard
# reads plan_status, on no form). tests/campaign/test_campaign_reload.py proves them, and
# tests/web/test_campaign_reload_pages.py that no case page offers them.
PLAN_LOAD_STEPS = {("rectification_measure", "withdraw"), ("rectification_measure", "reinstate")}


@pytest.mark.parametrize("case_type", TYPES)
def test_every_step_of_the_type_fires_on_a_phone(phone_engine, phones, shot, case_type):
    engine = phone_engine
    defn = engine.registry.latest(case_type)
    fired = set()
    # the happy path, registered and walked through the phone's forms
    path = happy_path(defn)
    want = _wanted([g for t in path for g in t.guards])
    case_id = ui_register(engine, phones, defn, want)
    for t in path:
        ui_fire(engine, phones, shot, defn, t, case_id, want)
        fired.add(key(t))
    # every other transition: the engine brings a case to its source, the phone fires it (and what follows)
    for t in defn.transitions:
        if key(t) not in fired and (case_type, t.trigger) not in PLAN_LOAD_STEPS:
            case_id = bring_to_source(engine, defn, t)
            walk_on(engine, phones, shot, defn, case_id, fired, _wanted(t.guards), first=t)
    missing = [t.trigger for t in defn.transitions
               if key(t) not in fired and (case_type, t.trigger) not in PLAN_LOAD_STEPS]
    assert not missing, f"{case_type}: not fired on the phone: {missing}"


def _check_criteria(page, defn, trigger: str) -> None:
    """评估验收: each criterion of the step's checklist judged on the phone — all met at a 销号 step, the first
    not met at a step that records a failed check (退回整改)."""
    checklist = page.locator(f"#checklist-{trigger}")
    if not checklist.count():
        return
    closing = defn.acceptance is not None and trigger in defn.acceptance.on
    for n in range(1, checklist.locator("li.criterion").count() + 1):
        page.check(f"#c-{trigger}-{n}-{'met' if closing or n > 1 else 'unmet'}")
        page.fill(f"#c-{trigger}-{n}-note", "手机上逐项核验。")

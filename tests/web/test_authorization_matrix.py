"""Every route × every role (and anonymous), generated from the one policy table web.access.ROUTES and the
capabilities of definitions/roles.yaml — the three administrators of 三员分立 included — and then every
administrative action × every role, whose expected allows come from roles.yaml alone: 0 unexpected allows.

For each endpoint the table names the roles allowed; REQUESTS gives one concrete request per
endpoint. Anonymous users are sent to the login page, roles outside the table get a 403 (and
the refusal is logged), roles inside it get past the gate (whatever the view then answers).
A route added to the app without an entry in ROUTES stops the app from starting; a route in
ROUTES without a request here fails `test_every_route_has_a_request`.
"""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from matrix_requests import CASE, REQUESTS
from webtools import REPO, make_web, open_item, session_as

from web.access import ANY_ROLE, PUBLIC, ROUTES, allowed_roles
from workflow.adapters.files.definition_files import load_roles
from workflow.audit.witness import generate_witness
from workflow.definitions.roles import ADMINISTER_ACCOUNTS, ADMINISTRATIVE, GRANT_ROLES, WITNESS

ROLE_BOOK = load_roles(REPO / "definitions")
ROLES = sorted(ROLE_BOOK)
ALLOWED = {endpoint: allowed_roles(endpoint, ROLE_BOOK) for endpoint in ROUTES}

MATRIX = [(endpoint, role) for endpoint in sorted(ROUTES) for role in [None, *ROLES]]


@pytest.fixture(scope="module")
def matrix_app(shared_app):
    return make_web(shared_app)


@pytest.fixture(scope="module")
def matrix_case(shared_app):
    return open_item(shared_app)


def test_every_route_has_a_request(matrix_app):
    assert set(REQUESTS) == set(ROUTES)
    assert {rule.endpoint for rule in matrix_app.url_map.iter_rules()} == set(ROUTES)


def _send(client, endpoint, case_id):
    method, url, data = REQUESTS[endpoint]
    url = url.replace(CASE, case_id)
    return client.get(url) if method == "GET" else client.post(url, data=data)


def _to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/login"


@pytest.mark.parametrize(("endpoint", "role"), MATRIX, ids=[f"{e}-{r or 'anonymous'}" for e, r in MATRIX])
def test_route_role(shared_app, matrix_app, matrix_case, endpoint, role):
    client = matrix_app.test_client()
    if role is not None:
        session_as(client, shared_app, role)
    response = _send(client, endpoint, matrix_case.id)
    response.close()
    allowed = ALLOWED[endpoint]
    assert response.status_code < 500
    if allowed is PUBLIC:
        assert response.status_code != 403 and not _to_login(response)
    elif role is None:
        assert _to_login(response), f"anonymous {endpoint}: {response.status_code}"
    elif role not in allowed:
        assert response.status_code == 403, f"{role} {endpoint}: {response.status_code}"
    elif endpoint == "auth.logout":
        assert response.status_code == 302 and client.get("/").status_code == 302  # logged out
    else:
        assert response.status_code != 403 and not _to_login(response), f"{role} {endpoint}: {response.status_code}"


def test_refusals_are_logged(app, client, rect_case):
    session_as(client, app, "handler")
    assert client.get("/audit").status_code == 403

    entries = app.queries.access_entries(actor="handler", case_id=None, before_seq=None, limit=5)
    assert [(e.action, e.outcome, e.detail["path"]) for e in entries] == [("forbidden", "refused", "/audit")]


# ---- 三员分立: what the three administrators reach, from roles.yaml ------------------------------------------
ADMINISTRATORS = ("admin", "security_admin", "audit_admin")
GATED = {e: set(needs) for e, needs in ROUTES.items() if needs is not PUBLIC and needs != ANY_ROLE}
CASE_CAPABILITIES = {"act", "read", "read_all", "claim", "flag", "import_ledger"}


def reach(role: str) -> set[str]:
    """The gated endpoints `role` gets past (the ones every logged-in user reaches left out)."""
    return {e for e in GATED if role in ALLOWED[e]}


def test_the_three_administrators_reach_no_case_and_each_only_its_own_power():
    for role in ADMINISTRATORS:
        own = ROLE_BOOK[role].capabilities
        assert all(GATED[e] & own for e in reach(role)), role  # every route it reaches needs a power it holds
        assert not {e for e in reach(role) if GATED[e] <= CASE_CAPABILITIES}, role  # no case route
        assert len(own & set(ADMINISTRATIVE)) == 1, role
    admin, security, audit = (reach(r) for r in ADMINISTRATORS)
    assert admin & security == {"admin.index", "admin.user"}  # shared pages, each seeing only its own part
    assert not audit & (admin | security)
    assert {"admin.change_role", "admin.unlock_user"} <= security - admin
    assert {"admin.add_user", "admin.reset_password", "admin.change_user"} <= admin - security
    assert {"history.audit", "history.access_log", "history.audit_export", "exports.audit_xlsx"} <= audit


# The administrative actions, each with a form that succeeds for a role holding its capability. The expected
# allows are the roles roles.yaml gives that capability; every other role must change nothing.
ACTIONS = {
    "add_user": (ADMINISTER_ACCOUNTS, "/admin/users", lambda t: {"login": t + "-new", "unit": "xf-sfs-1"},
                 lambda app, t: app.directory.user(t + "-new") is not None),
    "change_user": (ADMINISTER_ACCOUNTS, "/admin/users/{t}", lambda t: {"name": "新名字", "unit": "xf-sfs-1"},
                    lambda app, t: app.directory.user(t).name == "新名字"),
    "change_role": (GRANT_ROLES, "/admin/users/{t}/role", lambda t: {"role": "leader"},
                    lambda app, t: app.directory.user(t).role == "leader"),
    "disable_user": (ADMINISTER_ACCOUNTS, "/admin/users/{t}/disable", lambda t: {},
                     lambda app, t: not app.directory.user(t).active),
    "reset_password": (ADMINISTER_ACCOUNTS, "/admin/users/{t}/reset-password", lambda t: {},
                       lambda app, t: app.directory.user(t).must_change_password),
    "end_sessions": (ADMINISTER_ACCOUNTS, "/admin/users/{t}/end-sessions", lambda t: {},
                     lambda app, t: app.directory.user(t).session_token != "t" * 32),
    "add_unit": (ADMINISTER_ACCOUNTS, "/admin/units", lambda t: {"code": t + "-unit", "parent": "xf-sfj"},
                 lambda app, t: any(u.code == t + "-unit" for u in app.directory.units())),
    "register_witness_key": (WITNESS, "/audit/witness-keys", lambda t: {"vkey": generate_witness(t).verifier.text()},
                             lambda app, t: any(k.key.name == t for k in app.witnessing.registered_keys())),
    "unlock_user": (GRANT_ROLES, "/admin/users/{t}/unlock", lambda t: {},
                    lambda app, t: t not in app.logins.locked_logins()),
}
# What must be true before an action can be done at all: an unlock needs a login locked by failed attempts.
PREPARE = {"unlock_user": lambda app, t: [app.logins.login(t, "wrong-password", f"10.1.0.{len(t)}")
                                          for _ in range(app.logins.policy.per_login)]}


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_administrative_action_is_allowed_exactly_to_the_roles_holding_its_capability(app, web_app, action):
    capability, url, form, done = ACTIONS[action]
    unexpected, missing = [], []
    for role in ROLES:
        target = f"t-{role}"
        app.directory.add_user(target, role="handler", unit="xf-sfs-1", name="对象")
        with app.store.write() as tx:  # a known token, to see whether the sessions were ended
            tx.update_user(target, session_token="t" * 32)
        PREPARE.get(action, lambda app, t: None)(app, target)
        client = web_app.test_client()
        session_as(client, app, role)
        response = client.post(url.format(t=target), data=form(target))
        did = done(app, target)
        expected = ROLE_BOOK.may(role, capability)
        if did and not expected:
            unexpected.append((role, response.status_code))
        if expected and not did:
            missing.append((role, response.status_code))
        if not expected:
            assert response.status_code == 403, (role, action, response.status_code)
    assert unexpected == [], f"unexpected allows for {action}"
    assert missing == [], f"refused to a role holding {capability}"

"""Every route × every role (and anonymous), generated from the one policy table web.access.ROUTES.

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

from web.access import PUBLIC, ROUTES, allowed_roles
from workflow.adapters.files.definition_files import load_roles

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

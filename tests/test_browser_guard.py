"""Every response's guard (app/web/guard.py): security headers, the CSRF cookie
for pages (not the API), and an access log that names the route, never its ids."""

import logging

from tests.helpers import create_community, create_meeting, sign_up


def test_pages_get_security_headers_and_an_httponly_csrf_cookie(client):
    response = client.get("/signup")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("rt_csrf=") and "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    # The same browser keeps its cookie: no new one on the next page.
    assert "set-cookie" not in client.get("/signup").headers


def test_the_api_sets_no_cookie_and_the_docs_may_run_their_scripts(client):
    api = client.get("/api/v1/communities")
    assert api.status_code == 401 and "set-cookie" not in api.headers
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" not in client.get("/docs").headers


def test_the_access_log_names_the_route_and_not_the_ids_in_the_path(browser, caplog):
    sign_up(browser)
    meeting_id = create_meeting(browser, create_community(browser))
    caplog.set_level(logging.INFO, logger="roundtable.access")
    assert browser.get(f"/meetings/{meeting_id}").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "roundtable.access"]
    assert any(line.startswith("GET /meetings/{meeting_id} 200 ") for line in lines), lines
    assert not any(f"/meetings/{meeting_id}" in line for line in lines)

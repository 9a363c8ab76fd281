"""Only facilitators launch and close icebreakers, whatever the way in: the page
(plain form or htmx), the REST API or the live socket. A member is refused with a
clear message and nothing changes."""

import pytest

from tests.helpers import sign_up, text_of
from tests.icebreakers.conftest import close, launch, part, run_id_in

pytestmark = pytest.mark.timeout(30)


def is_running(browser, meeting_id: int) -> bool:
    return "No icebreaker is running." not in part(browser.get(f"/meetings/{meeting_id}").text, "icebreaker")


def test_every_facilitator_route_is_covered_here():
    """A new facilitator route in app/icebreakers/pages.py must be added to the tests below."""
    from app.icebreakers import pages
    from app.meetings.pages import facilitated_meeting

    guarded = {
        (method, route.path)
        for route in pages.router.routes
        if facilitated_meeting in {d.call for d in route.dependant.dependencies}
        for method in route.methods
    }
    assert guarded == {
        ("POST", "/meetings/{meeting_id}/icebreakers"),
        ("POST", "/meetings/{meeting_id}/icebreakers/{run_id}/close"),
        ("GET", "/meetings/{meeting_id}/icebreakers/picker"),
    }


def test_a_member_cannot_launch_or_close_an_icebreaker_from_the_page(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    page = ana.get(f"/meetings/{m}").text  # a fresh, valid CSRF token
    assert f'action="/meetings/{m}/icebreakers"' not in page and "Launch an icebreaker" not in page
    for htmx in (False, True):
        refused = launch(ana, m, htmx=htmx, prompt_id="light-smile")
        assert refused.status_code == 403
        assert "Only the meeting's facilitators can do this." in text_of(refused.text)
    assert not is_running(scene.facilitator, m)
    assert ana.get(f"/meetings/{m}/icebreakers/picker").status_code == 403

    launch(scene.facilitator, m, prompt_id="light-smile")
    page = ana.get(f"/meetings/{m}").text
    run_id = run_id_in(page)
    assert f"/icebreakers/{run_id}/close" not in page and "Close the icebreaker" not in page
    for htmx in (False, True):
        assert close(ana, m, run_id, htmx=htmx).status_code == 403
    assert is_running(ana, m)
    assert close(scene.facilitator, m, run_id).status_code == 200
    assert not is_running(ana, m)


def test_an_organiser_of_another_community_cannot_launch_or_close(scene, new_browser):
    m = scene.meeting_id
    launch(scene.facilitator, m, prompt_id="poll-energy")
    run_id = run_id_in(scene.facilitator.get(f"/meetings/{m}").text)
    olly = new_browser()
    sign_up(olly, email="olly@example.org", name="Olly Organiser")
    olly.get("/communities/new")
    assert launch(olly, m, prompt_id="light-smile").status_code in (403, 404)
    assert close(olly, m, run_id).status_code in (403, 404)
    assert is_running(scene.facilitator, m)


def test_a_member_cannot_launch_or_close_through_the_rest_api(scene, client, read_api, api):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    ana.get(f"/meetings/{m}")
    # A member's browser cookies are no API key.
    client.cookies = ana.cookies
    try:
        response = client.post(f"/api/v1/meetings/{m}/icebreakers", json={"prompt_id": "light-smile"})
    finally:
        client.cookies = type(client.cookies)()
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    # A read-only key (a website, say) cannot either.
    refused = read_api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "light-smile"})
    assert refused.status_code == 403 and "can only read" in refused.json()["detail"]
    assert read_api.get(f"/meetings/{m}/icebreakers")["items"] == []

    run = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "light-smile"}).json()
    refused = read_api.post(f"/meetings/{m}/icebreakers/{run['id']}/close")
    assert refused.status_code == 403
    assert read_api.get(f"/meetings/{m}/icebreakers/{run['id']}")["status"] == "running"


def test_sending_launch_or_close_over_the_socket_does_nothing(scene):
    """The socket only listens: commands go over HTTP, where they are authorised."""
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    with ana.live(m) as socket:
        socket.next()
        socket.ws.send_json({"action": "launch", "prompt_id": "light-smile", "HEADERS": {"HX-Request": "true"}})
        socket.ws.send_text(f"POST /meetings/{m}/icebreakers prompt_id=light-smile")
    assert not is_running(scene.facilitator, m)

    launch(scene.facilitator, m, prompt_id="light-smile")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    with ana.live(m) as socket:
        socket.next()
        socket.ws.send_json({"action": "close", "run_id": run_id})
        socket.ws.send_text(f"POST /meetings/{m}/icebreakers/{run_id}/close")
    assert is_running(scene.facilitator, m)


def test_the_prompt_bank_pages_are_only_for_facilitators(scene, new_browser):
    cid = scene.community_id
    ana = scene.member("Ana", "lay")
    ana.get(f"/meetings/{scene.meeting_id}")
    assert ana.get(f"/communities/{cid}/icebreakers", follow_redirects=False).status_code == 303  # to log in
    sneaky = ana.post(f"/communities/{cid}/icebreakers", {"category": "light", "mode": "everyone", "text": "Sneaky"})
    assert sneaky.status_code == 303 and sneaky.headers["location"].startswith("/login")
    assert ana.post(f"/communities/{cid}/icebreakers/light-smile/retire").status_code == 303

    olly = new_browser()
    sign_up(olly, email="olly@example.org", name="Olly Organiser")
    olly.get("/communities/new")
    assert olly.get(f"/communities/{cid}/icebreakers").status_code == 404
    assert olly.post(f"/communities/{cid}/icebreakers/light-smile/retire").status_code == 404

    bank = scene.facilitator.get(f"/communities/{cid}/icebreakers").text
    assert "Sneaky" not in bank and "Retired prompts" not in bank

"""The room display: who may open it, what it is sent, and that it is nobody.
(In a real browser: tests/e2e/test_display.py.)"""

import re

import httpx
import pytest
from starlette.websockets import WebSocketDisconnect

from tests.helpers import ORIGIN, region, text_of

pytestmark = pytest.mark.timeout(30)


def make_display_link(scene) -> str:
    response = scene.facilitator.post(f"/meetings/{scene.meeting_id}/display-link")
    assert response.status_code == 303
    page = scene.facilitator.get(f"/meetings/{scene.meeting_id}").text
    found = re.search(r'id="display-url" class="copy" readonly value="http://testserver/d/([\w-]+)"', page)
    assert found, "the facilitator's page shows the display link"
    return found.group(1)


def open_display(browser, path: str, origin: str | None = ORIGIN):
    browser.client.cookies = browser.cookies
    try:
        return browser.client.websocket_connect(path, headers={"origin": origin} if origin else {})
    finally:
        browser.client.cookies = httpx.Cookies()


def test_members_cannot_open_the_display_or_change_its_link(scene):
    member = scene.member("Ana", "lay")
    m = scene.meeting_id
    assert member.get(f"/meetings/{m}/display").status_code == 403
    for path in (f"/meetings/{m}/display-link", f"/meetings/{m}/display-link/off"):
        assert member.post(path).status_code == 403
        assert member.post(path, htmx=True).status_code == 403
    with pytest.raises(WebSocketDisconnect) as refused:
        with open_display(member, f"/meetings/{m}/display/live") as ws:
            ws.receive_text()
    assert refused.value.code == 1008
    assert "display-url" not in scene.facilitator.get(f"/meetings/{m}").text  # no link was made


def test_the_display_link_shows_the_meeting_to_nobody_in_particular(scene, new_browser):
    code = make_display_link(scene)
    projector = new_browser()  # no account, never joined
    page = projector.get(f"/d/{code}")
    assert page.status_code == 200
    assert f"/d/{code}" not in page.text.split("ws-connect=")[1].split(">")[0]  # the socket's address has no secret
    assert "data:image/svg+xml;base64," in page.text  # the QR code, rendered on the server
    assert f"http://testserver/j/{scene.code}" in text_of(page.text)
    assert "<button" not in page.text and "<form" not in page.text.split("</header>")[-1]

    with open_display(projector, f"/meetings/{scene.meeting_id}/display/live") as ws:
        snapshot = ws.receive_text()
        assert region(snapshot, "display-join") is not None
        for member_region in ("presence", "questions", "agenda", "live-news", "breakout-control"):
            assert region(snapshot, member_region) is None, member_region  # a display gets only its own
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/start", htmx=True)
        started = ws.receive_text()
        assert "The meeting is running." in text_of(region(started, "display-status"))
        # It is nobody: with the display connected, still no one is here (the
        # facilitator has no socket open in this test).
        presence = region(scene.facilitator.get(f"/meetings/{scene.meeting_id}").text, "presence")
        assert "Who is here (0)" in text_of(presence)


def test_replacing_or_switching_off_the_link_stops_the_display(scene, new_browser):
    code = make_display_link(scene)
    projector = new_browser()
    with pytest.raises(WebSocketDisconnect):  # the link's page hands the socket its code
        with open_display(projector, f"/meetings/{scene.meeting_id}/display/live") as ws:
            ws.receive_text()
    assert projector.get(f"/d/{code}").status_code == 200
    with open_display(projector, f"/meetings/{scene.meeting_id}/display/live") as ws:
        ws.receive_text()
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/display-link")  # replaced
        with pytest.raises(WebSocketDisconnect) as stopped:
            while True:
                ws.receive_text()
        assert stopped.value.code == 4403
    assert projector.get(f"/d/{code}").status_code == 404
    with pytest.raises(WebSocketDisconnect):
        with open_display(projector, f"/meetings/{scene.meeting_id}/display/live") as ws:
            ws.receive_text()

    new_code = make_display_link(scene)
    assert new_code != code and projector.get(f"/d/{new_code}").status_code == 200
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/display-link/off")
    assert projector.get(f"/d/{new_code}").status_code == 404
    assert "This display link does not work" in text_of(projector.get(f"/d/{new_code}").text)


def test_a_display_socket_from_another_site_is_refused(scene, new_browser):
    code = make_display_link(scene)
    projector = new_browser()
    projector.get(f"/d/{code}")
    with pytest.raises(WebSocketDisconnect) as refused:
        with open_display(projector, f"/meetings/{scene.meeting_id}/display/live", origin="https://evil.example") as ws:
            ws.receive_text()
    assert refused.value.code == 1008


def test_the_facilitators_own_display_follows_the_meeting(scene):
    with open_display(scene.facilitator, f"/meetings/{scene.meeting_id}/display/live") as ws:
        ws.receive_text()
        items = re.findall(r'name="item_id" value="(\d+)"', scene.facilitator.get(f"/meetings/{scene.meeting_id}").text)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda/now", {"item_id": items[1]}, htmx=True)
        moved = ws.receive_text()
        agenda = text_of(region(moved, "display-agenda"))
        assert "Icebreaker" in agenda and "Next: Breakouts" in agenda
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/join-link/revoke")
        revoked = ws.receive_text()
        assert "The join link is switched off" in text_of(region(revoked, "display-join"))

"""Every facilitator command is checked on the server: a member (with a perfectly valid
CSRF token) or an organiser of another community is refused each one and nothing
changes; the facilitator can do each, with a visible result."""

from dataclasses import dataclass
from typing import Callable

import pytest

from tests.helpers import Browser, join_code, region, sign_up, text_of

pytestmark = pytest.mark.timeout(30)


@dataclass
class Room:
    scene: object
    api: object
    ana: Browser  # a member
    ben: Browser  # the member the commands are about
    ben_id: int
    item_ids: list[int]

    @property
    def meeting_id(self) -> int:
        return self.scene.meeting_id

    def state(self) -> dict:
        """Everything a facilitator command could change, as an integration sees it."""
        return {
            "meeting": self.api.meeting(self.meeting_id),
            "participants": [(p["id"], p["display_name"], p["role"], p["in_room"])
                             for p in self.api.participants(self.meeting_id)],
            "join_link": self.api.join_link(self.meeting_id),
        }

    def facilitator_page(self) -> str:
        return text_of(self.scene.facilitator.get(f"/meetings/{self.meeting_id}").text)


@pytest.fixture
def room(scene, api) -> Room:
    ana = scene.member("Ana", role="lay")
    ben = scene.member("Ben", role="clinician")
    items = [item["id"] for item in api.meeting(scene.meeting_id)["agenda"]]
    return Room(scene, api, ana, ben, api.participant_id(scene.meeting_id, "Ben"), items)


@dataclass
class Command:
    method: str
    path: str  # {m}: meeting, {ben}: a participant
    data: Callable[[Room], dict] = lambda room: {}
    setup: Callable[[Room], None] = lambda room: None

    def url(self, room: Room) -> str:
        return self.path.format(m=room.meeting_id, ben=room.ben_id)


def _start(room: Room) -> None:
    assert room.scene.facilitator.post(f"/meetings/{room.meeting_id}/start").status_code == 303


COMMANDS = {
    "start": Command("POST", "/meetings/{m}/start"),
    "end": Command("POST", "/meetings/{m}/end", setup=_start),
    "agenda add": Command("POST", "/meetings/{m}/agenda", data=lambda r: {"title": "Any other business"}),
    "agenda now": Command("POST", "/meetings/{m}/agenda/now", data=lambda r: {"item_id": str(r.item_ids[1])}),
    "participant update": Command("POST", "/meetings/{m}/participants/{ben}", data=lambda r: {"role": "gp"}),
    "participant remove": Command("POST", "/meetings/{m}/participants/{ben}/remove"),
    "join-link regenerate": Command("POST", "/meetings/{m}/join-link"),
    "join-link revoke": Command("POST", "/meetings/{m}/join-link/revoke"),
    "join-qr.svg": Command("GET", "/meetings/{m}/join-qr.svg"),
}


def send(browser: Browser, command: Command, room: Room, htmx: bool = False):
    if command.method == "GET":
        headers = {"HX-Request": "true"} if htmx else {}
        return browser.get(command.url(room), headers=headers, follow_redirects=False)
    return browser.post(command.url(room), command.data(room), htmx=htmx)


def test_the_facilitator_routes_are_all_covered():
    """A new facilitator route in app/meetings/pages.py must be added to COMMANDS."""
    from app.meetings import pages

    facilitator_routes = set()
    for route in pages.router.routes:
        dependant_calls = {d.call for d in route.dependant.dependencies}
        if pages.facilitated_meeting in dependant_calls:
            for method in route.methods:
                facilitator_routes.add((method, route.path.replace("{meeting_id}", "{m}").replace("{participant_id}", "{ben}")))
    assert facilitator_routes == {(c.method, c.path) for c in COMMANDS.values()}


@pytest.mark.parametrize("who", ["member", "other organiser"])
@pytest.mark.parametrize("name", list(COMMANDS))
def test_others_are_refused_every_facilitator_command(room, new_browser, name, who):
    command = COMMANDS[name]
    command.setup(room)
    if who == "member":
        intruder, expected = room.ana, {403}
        intruder.get(f"/meetings/{room.meeting_id}")  # a fresh, valid CSRF token from the room page
        assert intruder.csrf_token
    else:
        intruder = new_browser()
        sign_up(intruder, email="olly@example.org", name="Olly Organiser")
        intruder.get("/communities/new")
        expected = {403, 404}
    before = room.state()

    for htmx in (False, True):
        response = send(intruder, command, room, htmx=htmx)
        assert response.status_code in expected, (name, htmx, response.status_code)
        assert "image/svg" not in response.headers.get("content-type", "")
        assert "<svg" not in response.text

    assert room.state() == before
    assert room.ben.get(f"/meetings/{room.meeting_id}").status_code == 200  # Ben is still in
    assert room.scene.code in (room.api.join_link(room.meeting_id) or "")


def test_a_member_sees_no_facilitator_controls(room):
    page = room.ana.get(f"/meetings/{room.meeting_id}").text
    for path in ("/start", "/agenda/now", f"/participants/{room.ben_id}", "/join-link", "join-qr.svg"):
        assert f"/meetings/{room.meeting_id}{path}" not in page
    assert room.scene.code not in page  # only facilitators see (and can share) the join link


def test_facilitator_starts_and_ends_the_meeting(room):
    fac = room.scene.facilitator
    response = fac.post(f"/meetings/{room.meeting_id}/start")
    assert response.status_code == 303 and response.headers["location"] == f"/meetings/{room.meeting_id}"
    assert "The meeting is running now." in room.facilitator_page()
    assert "The meeting is running now." in text_of(room.ana.get(f"/meetings/{room.meeting_id}").text)
    assert room.api.meeting(room.meeting_id)["status"] == "live"

    again = fac.post(f"/meetings/{room.meeting_id}/start")
    assert again.status_code == 409
    assert "Only a meeting that has not started yet can be started." in text_of(again.text)

    response = fac.post(f"/meetings/{room.meeting_id}/end", htmx=True)
    assert response.status_code == 200
    assert "The meeting has ended." in text_of(response.text)  # the changed region, for htmx
    assert room.api.meeting(room.meeting_id)["status"] == "ended"
    assert fac.post(f"/meetings/{room.meeting_id}/end").status_code == 409


def test_facilitator_adds_an_agenda_item_and_moves_the_now_marker(room):
    fac = room.scene.facilitator
    response = fac.post(f"/meetings/{room.meeting_id}/agenda", {"title": "Any <other> business"})
    assert response.status_code == 303
    page = text_of(region(fac.get(f"/meetings/{room.meeting_id}").text, "agenda"))
    assert page.index("Breakouts") < page.index("Any <other> business")
    assert "No agenda item is under way." in page

    response = fac.post(f"/meetings/{room.meeting_id}/agenda/now", {"item_id": str(room.item_ids[1])}, htmx=True)
    assert response.status_code == 200
    assert "Now: Icebreaker" in text_of(response.text)
    assert "Now: Icebreaker" in text_of(room.ana.get(f"/meetings/{room.meeting_id}").text)

    refused = fac.post(f"/meetings/{room.meeting_id}/agenda", {"title": "   "})
    assert refused.status_code == 422 and "Give the agenda item a title" in text_of(refused.text)
    elsewhere = fac.post(f"/meetings/{room.meeting_id}/agenda/now", {"item_id": "999999"})
    assert elsewhere.status_code == 404
    assert [i["title"] for i in room.api.meeting(room.meeting_id)["agenda"]] == [
        "Welcome", "Icebreaker", "Breakouts", "Any <other> business"]


def test_facilitator_corrects_a_role_and_removes_someone(room):
    fac = room.scene.facilitator
    response = fac.post(f"/meetings/{room.meeting_id}/participants/{room.ben_id}", {"role": "gp"})
    assert response.status_code == 303
    assert "You are Ben , GP, online." in text_of(room.ben.get(f"/meetings/{room.meeting_id}").text)
    refused = fac.post(f"/meetings/{room.meeting_id}/participants/{room.ben_id}", {"role": "surgeon"})
    assert refused.status_code == 422

    response = fac.post(f"/meetings/{room.meeting_id}/participants/{room.ben_id}/remove", htmx=True)
    assert response.status_code == 200
    assert "Ben" not in text_of(response.text)
    assert room.ben.get(f"/meetings/{room.meeting_id}").status_code == 403
    assert "Ben" not in [p[1] for p in room.state()["participants"]]
    again = fac.post(f"/meetings/{room.meeting_id}/participants/{room.ben_id}/remove")
    assert again.status_code == 404 and "That person is not in this meeting." in text_of(again.text)


def test_facilitator_replaces_and_switches_off_the_join_link(room, new_browser):
    fac = room.scene.facilitator
    response = fac.post(f"/meetings/{room.meeting_id}/join-link")
    assert response.status_code == 303
    new_code = join_code(fac, room.meeting_id)
    assert new_code != room.scene.code
    assert new_browser().get(f"/j/{room.scene.code}").status_code == 404
    assert new_browser().get(f"/j/{new_code}").status_code == 200

    response = fac.post(f"/meetings/{room.meeting_id}/join-link/revoke")
    assert response.status_code == 303
    assert "The join link is switched off." in room.facilitator_page()
    assert new_browser().get(f"/j/{new_code}").status_code == 404
    assert room.api.join_link(room.meeting_id) is None
    qr = fac.get(f"/meetings/{room.meeting_id}/join-qr.svg")
    assert qr.status_code == 409 and "This meeting has no join link at the moment." in text_of(qr.text)


def test_facilitator_gets_the_qr_code_of_the_join_link(room):
    response = room.scene.facilitator.get(f"/meetings/{room.meeting_id}/join-qr.svg")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "no-store"
    # A standalone SVG document (with its namespace, or browsers will not show it as an image).
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in response.text
    assert "QR code for the join link" in response.text


def test_the_join_link_uses_the_public_url_when_set(room, app):
    app.state.settings.public_url = "https://roundtable.example.nhs.uk/"
    assert room.api.join_link(room.meeting_id) == f"https://roundtable.example.nhs.uk/j/{room.scene.code}"


def test_a_facilitator_cannot_reach_into_another_meeting_through_their_own(room, new_browser):
    """Ids in the URL are checked against the meeting, not just the facilitator's rights."""
    fac = room.scene.facilitator
    from tests.helpers import create_meeting, join

    other_meeting = create_meeting(fac, room.scene.community_id, "Another meeting")
    cara = new_browser()
    join(cara, join_code(fac, other_meeting), "Cara")
    cara_id = room.api.participant_id(other_meeting, "Cara")
    other_item = room.api.meeting(other_meeting)["agenda"][0]["id"]

    assert fac.post(f"/meetings/{room.meeting_id}/participants/{cara_id}", {"role": "gp"}).status_code == 404
    assert fac.post(f"/meetings/{room.meeting_id}/participants/{cara_id}/remove").status_code == 404
    assert fac.post(f"/meetings/{room.meeting_id}/agenda/now", {"item_id": str(other_item)}).status_code == 404
    assert cara.get(f"/meetings/{other_meeting}").status_code == 200
    assert [p["role"] for p in room.api.participants(other_meeting) if p["display_name"] == "Cara"] == ["lay"]
    assert not any(i["is_now"] for i in room.api.meeting(other_meeting)["agenda"])

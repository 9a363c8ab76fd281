"""Breakout rounds, run live: plan, preview, move, launch, rooms, close."""

import re

import pytest

from tests.api.keys import bearer, create_api_key
from tests.helpers import questions_seen, region, text_of

pytestmark = pytest.mark.timeout(60)

ROLES = [("Ana", "lay"), ("Bea", "lay"), ("Cal", "clinician"), ("Dev", "gp"), ("Eli", "commissioner"),
         ("Fay", "manager")]


def api_key(scene, access: str = "read write") -> dict:
    return bearer(create_api_key(scene.facilitator, scene.community_id, access, "Tests"))


def plan(scene, rooms: int = 2, **extra):
    data = {"by": "rooms", "count": str(rooms), "duration_minutes": "10", "prompt": "What would make the pathway fairer?",
            "room_names": "", "separate_in_room": "", "lay_buddy": "true", **extra}
    response = scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/plan", data, htmx=True)
    assert response.status_code == 200, response.text
    return response


def rounds(scene, client, key, query: str = "limit=100") -> list[dict]:
    """Every round, following the cursor from page to page."""
    found, url = [], f"/api/v1/meetings/{scene.meeting_id}/breakouts?{query}"
    while url:
        response = client.get(url, headers=key)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["items"]
        url = page["next_cursor"] and f"/api/v1/meetings/{scene.meeting_id}/breakouts?{query}&cursor={page['next_cursor']}"
    return found


def room_of(round_: dict, name: str) -> dict:
    return next(r for r in round_["rooms"] if name in [s["display_name"] for s in r["seats"]])


def test_six_people_see_their_own_room_live_and_come_back_on_close(scene, client):
    people = {name: scene.member(name, role) for name, role in ROLES}
    key = api_key(scene)
    plan(scene, rooms=2)
    draft = rounds(scene, client, key)[-1]
    assert draft["status"] == "draft"
    sizes = sorted(len(r["seats"]) for r in draft["rooms"])
    assert sizes == [3, 4]  # six members and the facilitator, sizes differ by at most one
    # Lay buddy: both lay members sit together, so neither is the only one.
    assert room_of(draft, "Ana")["id"] == room_of(draft, "Bea")["id"]

    sockets = {}
    with people["Ana"].live(scene.meeting_id) as ana, people["Cal"].live(scene.meeting_id) as cal, \
            people["Dev"].live(scene.meeting_id) as dev, people["Eli"].live(scene.meeting_id) as eli, \
            people["Fay"].live(scene.meeting_id) as fay, people["Bea"].live(scene.meeting_id) as bea:
        sockets = {"Ana": ana, "Bea": bea, "Cal": cal, "Dev": dev, "Eli": eli, "Fay": fay}
        for s in sockets.values():
            s.next()
        assert all("You are in" not in m for s in sockets.values() for m in s.received), "a preview is private"

        scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch", htmx=True)
        for name, socket in sockets.items():
            mine = room_of(draft, name)
            seen = socket.wait_for(lambda m: "You are in" in text_of(region(m, "breakout") or ""))
            view = text_of(region(seen, "breakout"))
            assert f"You are in: {mine['name']}" in view
            for seat in mine["seats"]:
                assert seat["display_name"] in view
            others = {s["display_name"] for r in draft["rooms"] if r["id"] != mine["id"] for s in r["seats"]}
            assert not any(f"{o} " in view.split("In this room")[1].split("Room chat")[0] for o in others)
            assert "What would make the pathway fairer?" in view and "Ends at" in view

        # A room's chat reaches that room only.
        ana_room = room_of(draft, "Ana")
        assert people["Ana"].post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{ana_room['id']}/chat",
                                  {"body": "Hello room"}, htmx=True).status_code == 200
        bea_seen = sockets["Bea"].wait_for(lambda m: "Hello room" in (region(m, "breakout") or ""))
        assert "Ana:" in text_of(region(bea_seen, "breakout"))
        other_room = next(r for r in draft["rooms"] if r["id"] != ana_room["id"])
        outsider = next(s["display_name"] for s in other_room["seats"] if s["display_name"] in sockets)
        # Someone in the other room cannot post into Ana's room.
        assert people[outsider].post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{ana_room['id']}/chat",
                                     {"body": "Sneaking in"}).status_code == 403

        # Notes, then close: everyone is back in the main room with the rooms' notes.
        people["Ana"].post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{ana_room['id']}/notes",
                           {"notes": "Shorter waits for physio.", "version": "0"}, htmx=True)
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/close", htmx=True)
        for socket in sockets.values():
            back = socket.wait_for(lambda m: "Back together" in text_of(region(m, "breakout") or ""))
            assert "Shorter waits for physio." in text_of(region(back, "breakout"))
        assert not any("Hello room" in m for m in sockets[outsider].received)


def test_a_latecomer_is_placed_in_a_room_automatically(scene, client):
    for name, role in ROLES[:4]:
        scene.member(name, role)
    key = api_key(scene)
    plan(scene, rooms=2)
    draft = rounds(scene, client, key)[-1]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
    late = scene.member("Gus", "commissioner")
    live = rounds(scene, client, key)[-1]
    assert room_of(live, "Gus")["seats"]
    page = late.get(f"/meetings/{scene.meeting_id}").text
    assert f"You are in: {room_of(live, 'Gus')['name']}" in text_of(page)


def test_moving_someone_by_hand(scene, client):
    for name, role in ROLES[:4]:
        scene.member(name, role)
    key = api_key(scene)
    plan(scene, rooms=2)
    draft = rounds(scene, client, key)[-1]
    ana_room = room_of(draft, "Ana")
    target = next(r for r in draft["rooms"] if r["id"] != ana_room["id"])
    ana_id = next(s["participant_id"] for s in ana_room["seats"] if s["display_name"] == "Ana")
    response = scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/move",
                                      {"participant_id": str(ana_id), "room_id": str(target["id"])}, htmx=True)
    assert response.status_code == 200
    moved = rounds(scene, client, key)[-1]
    assert room_of(moved, "Ana")["id"] == target["id"]
    # The preview's figures follow the move (Ana has left Bea: two rooms with one lay member).
    lay_rooms = [sum(s["role"] == "lay" for s in r["seats"]) for r in moved["rooms"]]
    assert moved["figures"]["lone_lay_rooms"] == sum(1 for n in lay_rooms if n == 1)
    assert moved["figures"]["sizes"] == [len(r["seats"]) for r in moved["rooms"]]
    assert next(s for s in room_of(moved, "Ana")["seats"] if s["display_name"] == "Ana")["moved_by_hand"]


def test_shared_notes_never_silently_overwrite(scene, client):
    for name, role in ROLES[:2]:
        scene.member(name, role)
    ana, bea = scene.member("Ann", "lay"), scene.member("Ben", "lay")
    key = api_key(scene)
    plan(scene, rooms=1)
    draft = rounds(scene, client, key)[-1]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
    room = draft["rooms"][0]["id"]
    url = f"/meetings/{scene.meeting_id}/breakouts/rooms/{room}/notes"
    first = ana.post(url, {"notes": "Ann's notes", "version": "0"}, htmx=True)
    assert first.status_code == 200 and 'name="version" value="1"' in first.text
    second = bea.post(url, {"notes": "Ben's notes", "version": "0"}, htmx=True)
    assert second.status_code == 409
    assert "saved the notes first" in text_of(second.text)
    assert 'id="notes-version-%s" name="version" value="1"' % room in second.text
    assert rounds(scene, client, key)[-1]["rooms"][0]["notes"] == "Ann's notes"
    # Without JavaScript, Ben's words come back with the page.
    plain = bea.post(url, {"notes": "Ben's notes", "version": "0"})
    assert plain.status_code == 409 and "Ben&#39;s notes" in plain.text
    # Having seen Ann's notes, Ben saves on top of version 1.
    assert bea.post(url, {"notes": "Ann's notes + Ben's", "version": "1"}, htmx=True).status_code == 200
    assert rounds(scene, client, key)[-1]["rooms"][0]["notes"] == "Ann's notes + Ben's"


def test_broadcast_and_help_reach_the_right_people(scene, client):
    ana = scene.member("Ana", "lay")
    scene.member("Cal", "clinician")
    key = api_key(scene)
    plan(scene, rooms=1)
    draft = rounds(scene, client, key)[-1]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
    room = draft["rooms"][0]["id"]
    with ana.live(scene.meeting_id) as ana_socket, scene.facilitator.live(scene.meeting_id) as fac_socket:
        ana_socket.next(), fac_socket.next()
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/broadcast",
                               {"message": "Five minutes more, please"}, htmx=True)
        seen = ana_socket.wait_for(lambda m: "Five minutes more" in (region(m, "breakout") or ""))
        assert "Message from the facilitator" in text_of(seen)
        ana.post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{room}/help", htmx=True)
        asked = fac_socket.wait_for(lambda m: "Asks for help" in text_of(region(m, "breakout-control") or ""))
        assert draft["rooms"][0]["name"] in text_of(region(asked, "breakout-control"))


def test_next_round_knows_who_already_met(scene, client):
    for name, role in ROLES:
        scene.member(name, role)
    key = api_key(scene)
    plan(scene, rooms=2, separate_in_room="true")
    first = rounds(scene, client, key)[-1]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{first['id']}/launch")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{first['id']}/close")
    met = {frozenset((a["participant_id"], b["participant_id"])) for r in first["rooms"]
           for a in r["seats"] for b in r["seats"] if a["participant_id"] < b["participant_id"]}
    plan(scene, rooms=2, separate_in_room="true")
    second = rounds(scene, client, key)[-1]
    again = {frozenset((a["participant_id"], b["participant_id"])) for r in second["rooms"]
             for a in r["seats"] for b in r["seats"] if a["participant_id"] < b["participant_id"]} & met
    assert second["number"] == 2
    assert second["figures"]["repeated_pairs"] == len(again)
    assert len(again) < len(met)  # people meet new faces


def test_rounds_page_oldest_first_without_gaps_and_filter_by_state(scene, client):
    scene.member("Ana", "lay")
    scene.member("Cal", "clinician")
    key = api_key(scene, access="read")
    for _ in range(5):
        plan(scene, rooms=1)
        draft = rounds(scene, client, key, "status=draft")[-1]
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/close")
    plan(scene, rooms=1)
    first = client.get(f"/api/v1/meetings/{scene.meeting_id}/breakouts?limit=2", headers=key).json()
    assert [r["number"] for r in first["items"]] == [1, 2] and first["next_cursor"]
    assert [r["number"] for r in rounds(scene, client, key, "limit=2")] == [1, 2, 3, 4, 5, 6]
    assert [r["number"] for r in rounds(scene, client, key, "limit=4&status=closed")] == [1, 2, 3, 4, 5]
    assert [r["status"] for r in rounds(scene, client, key, "status=draft")] == ["draft"]
    bad = client.get(f"/api/v1/meetings/{scene.meeting_id}/breakouts?status=paused", headers=key)
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")


FACILITATOR_STEPS = ["launch", "close", "discard", "broadcast", "move"]


@pytest.mark.parametrize("step", FACILITATOR_STEPS + ["plan", "help-clear"])
def test_a_member_cannot_run_breakouts(scene, client, step):
    ana = scene.member("Ana", "lay")
    scene.member("Cal", "clinician")
    key = api_key(scene)
    plan(scene, rooms=1)
    draft = rounds(scene, client, key)[-1]
    base = f"/meetings/{scene.meeting_id}/breakouts"
    url = {"plan": f"{base}/plan", "help-clear": f"{base}/rooms/{draft['rooms'][0]['id']}/help/clear"}.get(
        step, f"{base}/{draft['id']}/{step}")
    data = {"by": "rooms", "count": "1", "message": "hi", "participant_id": "1", "room_id": str(draft["rooms"][0]["id"])}
    assert ana.post(url, data).status_code == 403
    assert rounds(scene, client, key)[-1]["status"] == "draft"
    assert "You are in" not in ana.get(f"/meetings/{scene.meeting_id}").text


def test_the_api_runs_a_round_and_imports_a_roster(scene, client):
    key = api_key(scene)
    csv_body = "name,role,in_room\nSam,lay,no\nPriya,gp,yes\nTom,carer,no\nLee,clinician,yes\n"
    imported = client.post(f"/api/v1/meetings/{scene.meeting_id}/roster", content=csv_body,
                           headers={**key, "Content-Type": "text/csv"})
    assert imported.status_code == 201 and len(imported.json()) == 4
    bad = client.post(f"/api/v1/meetings/{scene.meeting_id}/roster", content="name,role,in_room\nX,wizard,no\n",
                      headers={**key, "Content-Type": "text/csv"})
    assert bad.status_code == 422 and "Line 2" in bad.json()["detail"]
    # The answer is one array of everyone made, so a roster is capped (and refused whole past it).
    from app.breakouts.api import MAX_ROSTER_ROWS
    too_many = "name,role,in_room\n" + "".join(f"P{n},lay,no\n" for n in range(MAX_ROSTER_ROWS + 1))
    refused = client.post(f"/api/v1/meetings/{scene.meeting_id}/roster", content=too_many,
                          headers={**key, "Content-Type": "text/csv"})
    assert refused.status_code == 422 and f"at most {MAX_ROSTER_ROWS}" in refused.json()["detail"]

    planned = client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts",
                          json={"room_size": 3, "separate_in_room": True, "duration_minutes": 5}, headers=key)
    assert planned.status_code == 201, planned.text
    round_ = planned.json()
    tables = [r for r in round_["rooms"] if r["in_room"]]
    assert {s["display_name"] for r in tables for s in r["seats"]} == {"Priya", "Lee"}
    # The person named on the roster takes their planned place when they join.
    sam_room = room_of(round_, "Sam")["id"]
    launched = client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts/{round_['id']}/launch", headers=key)
    assert launched.status_code == 200 and launched.json()["status"] == "live"
    sam = scene.member("sam", "lay")
    assert text_of(sam.get(f"/meetings/{scene.meeting_id}").text).count("You are in: ") == 1
    assert room_of(rounds(scene, client, key)[-1], "Sam")["id"] == sam_room
    assert client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts/{round_['id']}/launch",
                       headers=key).status_code == 409
    closed = client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts/{round_['id']}/close", headers=key)
    assert closed.json()["status"] == "closed"
    read_only = api_key(scene, "read")
    assert client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts", json={"rooms": 1},
                       headers=read_only).status_code == 403
    assert client.post(f"/api/v1/meetings/{scene.meeting_id}/breakouts", json={"rooms": 1, "room_size": 2},
                       headers=key).status_code == 422


def test_a_question_asked_in_a_room_stays_in_that_room_and_reaches_the_facilitator(scene, client):
    people = {name: scene.member(name, role) for name, role in ROLES}
    key = api_key(scene)
    plan(scene, rooms=2)
    draft = rounds(scene, client, key)[-1]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
    ana_room = room_of(draft, "Ana")
    inside = [s["display_name"] for s in ana_room["seats"] if s["display_name"] in people and s["display_name"] != "Ana"]
    outside = [s["display_name"] for r in draft["rooms"] if r["id"] != ana_room["id"] for s in r["seats"]
               if s["display_name"] in people]
    page = people["Ana"].get(f"/meetings/{scene.meeting_id}").text
    assert f"Only {len(ana_room['seats'])} people are in this room" in text_of(region(page, "breakout"))

    with people[inside[0]].live(scene.meeting_id) as mate, people[outside[0]].live(scene.meeting_id) as other, \
            scene.facilitator.live(scene.meeting_id) as fac:
        mate.next(), other.next(), fac.next()
        response = people["Ana"].post(f"/meetings/{scene.meeting_id}/questions",
                                      {"body": "Should we invite carers too?", "room_id": str(ana_room["id"])},
                                      htmx=True)
        assert response.status_code == 200
        seen = mate.wait_for(lambda m: "invite carers" in (region(m, "breakout") or ""))
        assert "Someone asks" in text_of(region(seen, "breakout"))
        fac_seen = fac.wait_for(lambda m: "invite carers" in (questions_seen(m) or ""))
        assert f"From breakout rooms (1) {ana_room['name']}:" in text_of(questions_seen(fac_seen))
    assert not any("invite carers" in m for m in other.received)
    assert "invite carers" not in people[outside[0]].get(f"/meetings/{scene.meeting_id}").text
    qid = re.search(r'id="q-([0-9a-f]{16})"', seen).group(1)
    assert people[outside[0]].post(f"/meetings/{scene.meeting_id}/questions/{qid}/vote").status_code == 404
    assert people[inside[0]].post(f"/meetings/{scene.meeting_id}/questions/{qid}/vote").status_code == 303
    # Nobody can ask into a room they are not in.
    assert people[outside[0]].post(f"/meetings/{scene.meeting_id}/questions",
                                   {"body": "Let me in", "room_id": str(ana_room["id"])}).status_code == 403


def test_a_rooms_notes_become_an_action_in_one_step(scene, client):
    ana = scene.member("Ana", "lay")
    scene.member("Cal", "clinician")
    key = api_key(scene)
    plan(scene, rooms=1)
    draft = rounds(scene, client, key)[-1]
    room = draft["rooms"][0]["id"]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/launch")
    ana.post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{room}/notes",
             {"notes": "Ask the trust for physio waiting times\nand share them", "version": "0"})
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{draft['id']}/close")
    control = region(scene.facilitator.get(f"/meetings/{scene.meeting_id}").text, "breakout-control")
    assert f"/actions/from/breakout_room/{room}" in control
    assert ana.post(f"/meetings/{scene.meeting_id}/actions/from/breakout_room/{room}").status_code == 403
    made = scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/from/breakout_room/{room}")
    assert made.status_code in (200, 303)
    actions = client.get(f"/api/v1/communities/{scene.community_id}/actions", headers=key).json()["items"]
    assert [a["title"] for a in actions] == ["Ask the trust for physio waiting times"]


def test_the_only_person_in_the_meeting_room_joins_an_online_room_and_every_room_has_its_own_name(scene, client):
    ana = scene.member("Ana", "lay", in_room=True)  # the only one in the room
    for name, role in ROLES[1:]:
        scene.member(name, role)
    preview = text_of(plan(scene, rooms=2, separate_in_room="true").text)
    assert "Only one person is in the meeting room, so they join an online room" in preview
    round_ = rounds(scene, client, api_key(scene))[-1]
    names = [r["name"] for r in round_["rooms"]]
    assert len(set(names)) == len(names) == 2, names
    assert len(room_of(round_, "Ana")["seats"]) >= 2
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{round_['id']}/launch")
    told = text_of(region(ana.get(f"/meetings/{scene.meeting_id}").text, "breakout") or "")
    assert "with people in the room and online: talk on a laptop or phone" in told

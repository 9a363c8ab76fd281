"""The REST API an integration uses: meetings, agenda, participants, errors and paging."""

import pytest

from tests.helpers import text_of

PROBLEM = "application/problem+json"


def test_communities_list_and_read(scene, reader):
    communities = reader.get("/communities").json()
    assert [c["name"] for c in communities["items"]] == ["MSK Community of Practice"]
    assert communities["next_cursor"] is None
    community = reader.get(f"/communities/{scene.community_id}").json()
    assert community["timezone"] == "Europe/London"
    assert [r["slug"] for r in community["roles"]][:3] == ["lay", "carer", "clinician"]
    assert community["created_at"].endswith("Z")
    assert reader.get("/communities/999999").status_code == 404


def test_meetings_are_paged_without_gaps_or_repeats(scene, writer):
    for n in range(24):
        assert writer.post(f"/communities/{scene.community_id}/meetings", {"title": f"Meeting {n}"}).status_code == 201
    all_ids, pages, cursor = [], 0, None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = writer.get(f"/communities/{scene.community_id}/meetings", params=params)
        assert response.status_code == 200
        page = response.json()
        pages += 1
        all_ids += [m["id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert len(page["items"]) == 10
    assert pages == 3 and len(all_ids) == 25
    assert len(set(all_ids)) == 25
    assert all_ids == sorted(all_ids, reverse=True)  # newest first
    assert scene.meeting_id in all_ids

    exact = writer.get(f"/communities/{scene.community_id}/meetings", params={"limit": 25}).json()
    assert len(exact["items"]) == 25 and exact["next_cursor"] is None


def test_meetings_can_be_filtered_by_status(scene, writer):
    writer.post(f"/communities/{scene.community_id}/meetings", {"title": "Later"})
    writer.post(f"/meetings/{scene.meeting_id}/start")
    live = writer.get(f"/communities/{scene.community_id}/meetings", params={"status": "live"}).json()
    assert [m["id"] for m in live["items"]] == [scene.meeting_id]
    assert writer.get(f"/communities/{scene.community_id}/meetings", params={"status": "paused"}).status_code == 422


@pytest.mark.parametrize("params, field", [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"limit": "ten"}, "limit"),
    ({"cursor": "abc"}, "cursor"), ({"cursor": "9" * 30}, "cursor"),
])
def test_bad_paging_parameters_are_a_422_problem(scene, reader, params, field):
    response = reader.get(f"/communities/{scene.community_id}/meetings", params=params)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]


def test_create_a_meeting_with_an_agenda(scene, writer):
    response = writer.post(f"/communities/{scene.community_id}/meetings", {
        "title": "  Summer   meeting ", "scheduled_at": "2027-06-03T14:00:00", "venue": "Hub",
        "agenda": ["Welcome", "  ", "Breakouts"]})
    assert response.status_code == 201
    meeting = response.json()
    assert meeting["title"] == "Summer meeting"
    assert [i["title"] for i in meeting["agenda"]] == ["Welcome", "Breakouts"]
    assert meeting["status"] == "scheduled" and meeting["last_event_seq"] == 0
    assert writer.get(f"/meetings/{meeting['id']}").json() == meeting
    # Organisers see it on the community page, in the community's time.
    page = text_of(scene.facilitator.get(f"/communities/{scene.community_id}").text)
    assert "Summer meeting Not started Thu 3 Jun 2027, 14:00 BST" in page


@pytest.mark.parametrize("body, field", [
    ({}, "title"),
    ({"title": ""}, "title"),
    ({"title": "   "}, "title"),
    ({"title": "t" * 161}, "title"),
    ({"title": "t" * 100_000}, "title"),
    ({"title": "Summer", "scheduled_at": "next tuesday"}, "scheduled_at"),
    ({"title": "Summer", "agenda": "Welcome"}, "agenda"),
    ({"title": "Summer", "agenda": ["a" * 201]}, "agenda"),
    ({"title": "Summer", "agenda": ["item"] * 41}, "agenda"),
    ({"title": "Summer", "venue": 42}, "venue"),
])
def test_an_invalid_meeting_is_a_422_problem_naming_the_field(scene, writer, body, field):
    response = writer.post(f"/communities/{scene.community_id}/meetings", body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert field in [e["field"] for e in problem["errors"]], problem
    assert all(e["message"] for e in problem["errors"])
    assert len(writer.get(f"/communities/{scene.community_id}/meetings").json()["items"]) == 1


def test_a_body_that_is_not_json_is_a_422_problem(scene, writer):
    response = writer.request("POST", f"/communities/{scene.community_id}/meetings", content=b"{not json",
                              headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_start_and_end_a_meeting(scene, writer):
    ana = scene.member("Ana")
    ending_early = writer.post(f"/meetings/{scene.meeting_id}/end")
    assert ending_early.status_code == 409 and ending_early.headers["content-type"] == PROBLEM
    assert ending_early.json()["detail"] == "Only a meeting that is running can be ended."

    started = writer.post(f"/meetings/{scene.meeting_id}/start")
    assert started.status_code == 200
    assert started.json()["status"] == "live" and started.json()["started_at"].endswith("Z")
    assert "The meeting is running now." in text_of(ana.get(f"/meetings/{scene.meeting_id}").text)
    assert writer.post(f"/meetings/{scene.meeting_id}/start").status_code == 409

    ended = writer.post(f"/meetings/{scene.meeting_id}/end")
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert ended.json()["last_event_seq"] > started.json()["last_event_seq"]
    assert "The meeting has ended." in text_of(ana.get(f"/meetings/{scene.meeting_id}").text)


def test_agenda_add_and_now(scene, writer):
    added = writer.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Any other business"})
    assert added.status_code == 201
    item = added.json()
    assert item["title"] == "Any other business" and item["position"] == 3 and item["is_now"] is False

    moved = writer.request("PUT", f"/meetings/{scene.meeting_id}/agenda/now", json={"item_id": item["id"]})
    assert moved.status_code == 200
    assert [(i["title"], i["is_now"]) for i in moved.json()][-2:] == [("Breakouts", False), ("Any other business", True)]
    assert "Now: Any other business" in text_of(scene.facilitator.get(f"/meetings/{scene.meeting_id}").text)

    cleared = writer.request("PUT", f"/meetings/{scene.meeting_id}/agenda/now", json={"item_id": None})
    assert not any(i["is_now"] for i in cleared.json())

    missing = writer.request("PUT", f"/meetings/{scene.meeting_id}/agenda/now", json={"item_id": 999999})
    assert missing.status_code == 404 and missing.headers["content-type"] == PROBLEM
    blank = writer.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "  "})
    assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "title"


def test_participants_list_correct_and_remove(scene, writer):
    ana = scene.member("Ana", role="lay", in_room=True)
    scene.member("Ben", role="clinician")
    listed = writer.get(f"/meetings/{scene.meeting_id}/participants").json()
    people = {p["display_name"]: p for p in listed["items"]}
    assert set(people) == {"Fran Facilitator", "Ana", "Ben"} and listed["next_cursor"] is None
    assert people["Ana"]["role"] == "lay" and people["Ana"]["in_room"] is True and people["Ana"]["present"] is False
    assert people["Fran Facilitator"]["is_facilitator"] is True
    assert people["Ana"]["joined_at"].endswith("Z")

    only_clinicians = writer.get(f"/meetings/{scene.meeting_id}/participants", params={"role": "clinician"}).json()
    assert [p["display_name"] for p in only_clinicians["items"]] == ["Ben"]
    first = writer.get(f"/meetings/{scene.meeting_id}/participants", params={"limit": 2}).json()
    rest = writer.get(f"/meetings/{scene.meeting_id}/participants", params={"cursor": first["next_cursor"]}).json()
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {p["id"] for p in first["items"] + rest["items"]} == {p["id"] for p in listed["items"]}

    ana_id = people["Ana"]["id"]
    patched = writer.request("PATCH", f"/meetings/{scene.meeting_id}/participants/{ana_id}",
                             json={"role": "carer", "in_room": False},
                             headers={"If-Match": f'"{people["Ana"]["version"]}"'})
    assert patched.status_code == 200
    assert patched.json()["role"] == "carer" and patched.json()["in_room"] is False
    assert "You are Ana , Carer, online." in text_of(ana.get(f"/meetings/{scene.meeting_id}").text)

    bad = writer.request("PATCH", f"/meetings/{scene.meeting_id}/participants/{ana_id}", json={"role": "surgeon"},
                         headers={"If-Match": patched.headers["etag"]})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
    assert bad.json()["errors"] == [{"field": "role", "message": "Choose one of the roles in the list."}]

    removed = writer.request("DELETE", f"/meetings/{scene.meeting_id}/participants/{ana_id}")
    assert removed.status_code == 204 and removed.content == b""
    assert ana.get(f"/meetings/{scene.meeting_id}").status_code == 403
    remaining = writer.get(f"/meetings/{scene.meeting_id}/participants").json()["items"]
    assert "Ana" not in [p["display_name"] for p in remaining]
    assert writer.request("DELETE", f"/meetings/{scene.meeting_id}/participants/{ana_id}").status_code == 404
    assert writer.request("PATCH", f"/meetings/{scene.meeting_id}/participants/999999",
                          json={"role": "gp"}).status_code == 404


def test_a_bad_role_filter_is_a_422_not_a_500(scene, reader):
    response = reader.get(f"/meetings/{scene.meeting_id}/participants", params={"role": "gp\x00"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


def test_read_the_join_link(scene, writer):
    link = writer.get(f"/meetings/{scene.meeting_id}/join-link")
    assert link.status_code == 200
    assert link.json()["url"] == f"http://testserver/j/{scene.code}"
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/join-link/revoke")
    assert writer.get(f"/meetings/{scene.meeting_id}/join-link").json() == {"url": None}


def test_unknown_meeting_is_a_404_problem(writer):
    response = writer.get("/meetings/999999")
    assert response.status_code == 404 and response.headers["content-type"] == PROBLEM
    assert response.json()["detail"] == "There is no such meeting."
    assert writer.get("/no-such-endpoint").status_code == 404
    assert writer.get("/no-such-endpoint").headers["content-type"] == PROBLEM


def test_control_characters_in_json_are_dropped_not_a_500(scene, writer):
    response = writer.post(f"/communities/{scene.community_id}/meetings",
                           {"title": "Summer\u0000 meeting", "venue": "Hub\u0000", "agenda": ["Wel\u0000come"]})
    assert response.status_code == 201
    meeting = response.json()
    assert (meeting["title"], meeting["venue"], meeting["agenda"][0]["title"]) == ("Summer meeting", "Hub", "Welcome")


@pytest.mark.parametrize("number", ["2147483648", "9" * 20, "9" * 200])
def test_an_id_too_big_for_the_database_is_a_404_or_422_not_a_500(scene, writer, number):
    for method, url, body in [
        ("GET", f"/meetings/{number}", None),
        ("GET", f"/communities/{number}", None),
        ("GET", f"/meetings/{number}/participants", None),
        ("POST", f"/meetings/{number}/start", None),
        ("PATCH", f"/meetings/{scene.meeting_id}/participants/{number}", {"role": "gp"}),
        ("DELETE", f"/meetings/{scene.meeting_id}/participants/{number}", None),
        ("GET", f"/communities/{scene.community_id}/meetings?cursor={number}", None),
        ("GET", f"/meetings/{scene.meeting_id}/participants?cursor={number}", None),
    ]:
        response = writer.request(method, url, json=body)
        assert response.status_code in (404, 422), (method, url, response.status_code)
        assert response.headers["content-type"] == PROBLEM

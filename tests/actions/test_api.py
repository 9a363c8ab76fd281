"""Actions over REST: the same rules, ETags and If-Match, clear 4xx for bad input."""

import pytest

from tests.api.conftest import Integration
from tests.api.keys import create_api_key
from tests.helpers import create_community

pytestmark = pytest.mark.timeout(30)


def create(writer, community_id: int, **body):
    return writer.post(f"/communities/{community_id}/actions", json={"title": "Audit the waiting list", **body})


def patch(writer, action_id: int, body: dict, if_match: str | None):
    headers = {"If-Match": if_match} if if_match is not None else {}
    return writer.request("PATCH", f"/actions/{action_id}", json=body, headers=headers)


def test_create_read_update_delete_with_etags(scene, writer, reader):
    ana = scene.member("Ana")
    ana_id = next(p["id"] for p in reader.get(f"/meetings/{scene.meeting_id}/participants").json()["items"]
                  if p["display_name"] == "Ana")
    response = create(writer, scene.community_id, due_date="2027-09-30", meeting_id=scene.meeting_id,
                      owners=[{"participant_id": ana_id}, {"name": "Dr Priya Shah", "role": "gp"}])
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
    action = response.json()
    assert response.headers["location"] == f"/api/v1/actions/{action['id']}"
    assert action["status"] == "open" and action["overdue"] is False and action["version"] == 1
    assert action["owners"] == [
        {"display_name": "Ana", "role": "lay", "participant_id": ana_id},
        {"display_name": "Dr Priya Shah", "role": "gp", "participant_id": None},
    ]
    assert action["created_by"] == "Reporting (API)"

    read = reader.get(f"/actions/{action['id']}")
    assert read.status_code == 200 and read.headers["etag"] == '"1"'

    updated = patch(writer, action["id"], {"status": "in_progress", "note": "Started."}, '"1"')
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] == '"2"' and updated.json()["status"] == "in_progress"
    cleared = patch(writer, action["id"], {"due_date": None}, '"2"')
    assert cleared.json()["due_date"] is None and cleared.headers["etag"] == '"3"'

    history = reader.get(f"/actions/{action['id']}/history").json()["items"]
    assert [(c["field"], c["old"], c["new"], c["note"]) for c in history] == [
        ("created", None, "created: Audit the waiting list", None),
        ("status", "Open", "In progress", None),
        (None, None, None, "Started."),
        ("due_date", "2027-09-30", None, None),
    ]
    assert all(c["who"] == "Reporting (API)" for c in history)

    assert writer.request("DELETE", f"/actions/{action['id']}").status_code == 428
    assert writer.request("DELETE", f"/actions/{action['id']}", headers={"If-Match": '"2"'}).status_code == 412
    assert writer.request("DELETE", f"/actions/{action['id']}", headers={"If-Match": '"3"'}).status_code == 204
    assert reader.get(f"/actions/{action['id']}").status_code == 404
    assert ana  # Ana's browser kept her place in the meeting


def test_two_patches_from_the_same_etag_the_second_gets_412_and_the_first_is_kept(scene, writer):
    action = create(writer, scene.community_id).json()
    first = patch(writer, action["id"], {"title": "First writer's title"}, '"1"')
    assert first.status_code == 200
    second = patch(writer, action["id"], {"status": "dropped"}, '"1"')
    assert second.status_code == 412
    assert second.headers["content-type"].startswith("application/problem+json")
    assert "changed since you read it" in second.json()["detail"]
    now = writer.get(f"/actions/{action['id']}").json()
    assert now["title"] == "First writer's title" and now["status"] == "open" and now["version"] == 2


@pytest.mark.parametrize("if_match, status", [(None, 428), ("", 428), ("*", 428), ('W/"1"', 412), ('"7"', 412),
                                               ("1", 412), ('"0", "1"', 200)])
def test_if_match_is_required_and_compared_strongly(scene, writer, if_match, status):
    action = create(writer, scene.community_id).json()
    response = patch(writer, action["id"], {"title": "Changed"}, if_match)
    assert response.status_code == status, response.text
    if status != 200:
        assert writer.get(f"/actions/{action['id']}").json()["title"] == "Audit the waiting list"


@pytest.mark.parametrize("body, field, message", [
    ({"due_date": "2027-02-30"}, "due_date", "real date"),
    ({"due_date": "next Tuesday"}, "due_date", "real date"),
    ({"due_date": "1066-10-14"}, "due_date", "between the years 2000 and 2100"),
    ({"title": "x" * 201}, "title", "at most 200"),
    ({"title": "   "}, "title", "short title"),
    ({"description": "x" * 2001}, "description", "at most 2000"),
    ({"owners": [{"participant_id": 999999}]}, "owners.0.participant_id", "nobody with that participant id"),
    ({"owners": [{"name": "Ana", "role": "astronaut"}]}, "owners.0.role", "community's roles"),
    ({"owners": [{"name": "A" * 61}]}, "owners.0.name", "at most 60"),
    ({"owners": [{}]}, "owners.0", "Give each owner a name"),
    ({"owners": [{"name": f"Person {n}"} for n in range(11)]}, "owners", "at most 10 owners"),
    ({"status": "done"}, "status", "open, in_progress"),
    ({"meeting_id": 999999}, "meeting_id", "no such meeting"),
])
def test_bad_input_is_a_clear_422_naming_the_field(scene, writer, body, field, message):
    response = create(writer, scene.community_id, **body)
    assert response.status_code == 422, response.text
    problem = response.json()
    found = [e for e in problem["errors"] if e["field"] == field]
    assert found, problem
    assert message.lower() in found[0]["message"].lower()


def test_a_past_due_date_is_accepted_and_flagged(scene, writer):
    action = create(writer, scene.community_id, due_date="2020-01-31").json()
    assert action["overdue"] is True
    overdue = writer.get(f"/communities/{scene.community_id}/actions?overdue=true").json()["items"]
    assert [a["id"] for a in overdue] == [action["id"]]
    done = patch(writer, action["id"], {"status": "done"}, '"1"').json()
    assert done["overdue"] is False, "a finished action is never overdue"


def test_list_filters_and_both_paginations(scene, writer):
    ids = [create(writer, scene.community_id, title=f"Action {n}", due_date=f"2027-0{9 - n}-01",
                  owners=[{"name": "Ana" if n % 2 else "Dev"}]).json()["id"] for n in range(5)]
    patch(writer, ids[0], {"status": "done"}, '"1"')
    base = f"/communities/{scene.community_id}/actions"

    by_due, cursor = [], None
    while True:
        page = writer.get(base + "?limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        by_due += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert by_due == list(reversed(ids)), "soonest due first"

    by_created, cursor = [], None
    while True:
        page = writer.get(base + "?sort=created&limit=2" + (f"&cursor={cursor}" if cursor else "")).json()
        by_created += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert by_created == ids

    def titles(query):
        return sorted(a["title"] for a in writer.get(base + query).json()["items"])

    assert titles("?status=done") == ["Action 0"]
    assert titles("?status=open&status=in_progress") == ["Action 1", "Action 2", "Action 3", "Action 4"]
    assert titles("?owner=ana") == ["Action 1", "Action 3"]
    assert titles("?q=action 4") == ["Action 4"]
    assert titles("?q=DEV") == ["Action 0", "Action 2", "Action 4"]
    assert titles("?q=100%25") == []
    assert writer.get(base + "?status=nonsense").status_code == 422
    assert writer.get(base + "?cursor=abc").status_code == 422


def test_keys_reach_only_their_community_and_read_keys_cannot_write(scene, client, writer, reader):
    action = create(writer, scene.community_id).json()
    other_community = create_community(scene.facilitator, "Diabetes CoP")
    outsider = Integration(client, create_api_key(scene.facilitator, other_community, "read write", "Other"))
    assert outsider.get(f"/actions/{action['id']}").status_code == 404
    assert patch(outsider, action["id"], {"title": "Hijacked"}, '"1"').status_code == 404
    assert outsider.get(f"/communities/{scene.community_id}/actions").status_code == 404
    assert create(outsider, scene.community_id).status_code == 404

    assert create(reader, scene.community_id).status_code == 403
    assert patch(reader, action["id"], {"title": "Hijacked"}, '"1"').status_code == 403
    assert reader.request("DELETE", f"/actions/{action['id']}", headers={"If-Match": '"1"'}).status_code == 403
    assert reader.post(f"/actions/{action['id']}/notes", json={"note": "x"}).status_code == 403
    assert writer.get(f"/actions/{action['id']}").json()["title"] == "Audit the waiting list"


def test_notes_never_conflict_and_do_not_change_the_version(scene, writer):
    action = create(writer, scene.community_id).json()
    response = writer.post(f"/actions/{action['id']}/notes", json={"note": "Chased by email."})
    assert response.status_code == 201 and response.headers["etag"] == '"1"'
    assert writer.post(f"/actions/{action['id']}/notes", json={"note": "  "}).status_code == 422
    assert writer.post(f"/actions/{action['id']}/notes", json={"note": "x" * 1001}).status_code == 422


def test_the_api_is_documented(client):
    schema = client.get("/openapi.json").json()
    for path, method in [("/api/v1/communities/{community_id}/actions", "get"),
                         ("/api/v1/communities/{community_id}/actions", "post"),
                         ("/api/v1/actions/{action_id}", "get"), ("/api/v1/actions/{action_id}", "patch"),
                         ("/api/v1/actions/{action_id}", "delete"), ("/api/v1/actions/{action_id}/history", "get")]:
        operation = schema["paths"][path][method]
        assert operation["summary"]
    patch_op = schema["paths"]["/api/v1/actions/{action_id}"]["patch"]
    assert {"412", "428"} <= set(patch_op["responses"])

"""No lost updates through the API beyond actions: participants, a community's own
icebreaker prompts and a breakout room's notes carry an ETag, and a change needs
If-Match with it (428 without, 412 when stale), as actions do (tests/actions/test_conflicts.py)."""

import pytest

pytestmark = pytest.mark.timeout(60)

PROBLEM = "application/problem+json"


def participant(scene, writer) -> tuple[str, str, dict]:
    scene.member("Ana", "lay")
    person = [p for p in writer.get(f"/meetings/{scene.meeting_id}/participants").json()["items"]
              if p["display_name"] == "Ana"][0]
    return f"/meetings/{scene.meeting_id}/participants/{person['id']}", "PATCH", {"role": "carer"}


def prompt(scene, writer) -> tuple[str, str, dict]:
    made = writer.post(f"/communities/{scene.community_id}/icebreaker-prompts",
                       json={"category": "light", "mode": "one_word", "text": "One word for today"})
    assert made.status_code == 201, made.text
    return f"/communities/{scene.community_id}/icebreaker-prompts/{made.json()['id']}", "PATCH", {"text": "A word?"}


def notes(scene, writer) -> tuple[str, str, dict]:
    for name, role in (("Ana", "lay"), ("Dev", "gp"), ("Sam", "carer")):
        scene.member(name, role)
    round_ = writer.post(f"/meetings/{scene.meeting_id}/breakouts", json={"rooms": 1}).json()
    room = round_["rooms"][0]["id"]
    return f"/meetings/{scene.meeting_id}/breakouts/{round_['id']}/rooms/{room}/notes", "PUT", {"notes": "Agreed: a leaflet."}


@pytest.mark.parametrize("target", [participant, prompt, notes])
def test_a_change_needs_the_current_etag(scene, writer, reader, target):
    url, method, change = target(scene, writer)
    read = reader.get(url)
    assert read.status_code == 200, read.text
    tag = read.headers["etag"]
    assert tag == f'"{read.json()["version"]}"'

    for headers in ({}, {"If-Match": "*"}, {"If-Match": " "}):
        missing = writer.request(method, url, json=change, headers=headers)
        assert missing.status_code == 428 and missing.headers["content-type"] == PROBLEM, missing.text
    assert reader.request(method, url, json=change, headers={"If-Match": tag}).status_code == 403

    changed = writer.request(method, url, json=change, headers={"If-Match": tag})
    assert changed.status_code == 200, changed.text
    new_tag = changed.headers["etag"]
    assert new_tag != tag and new_tag == f'"{changed.json()["version"]}"' == reader.get(url).headers["etag"]

    # Someone who read before that change is refused, and nothing of theirs is written.
    stale = writer.request(method, url, json={**change, **{k: "Overwritten?" for k in change if k != "role"}},
                           headers={"If-Match": tag})
    assert stale.status_code == 412 and stale.headers["content-type"] == PROBLEM
    assert "changed since you read it" in stale.json()["detail"]
    assert reader.get(url).json() == changed.json()
    # A list of tags with the current one among them is a match (RFC 9110).
    assert writer.request(method, url, json=change, headers={"If-Match": f'"999", {new_tag}'}).status_code == 200


@pytest.mark.parametrize("target", [participant, prompt, notes])
def test_another_communitys_key_sees_nothing(scene, writer, target, client, new_browser):
    from tests.api.conftest import Integration
    from tests.api.keys import create_api_key
    from tests.helpers import create_community

    url, method, change = target(scene, writer)
    other_community = create_community(scene.facilitator, "Another CoP")
    other = Integration(client, create_api_key(scene.facilitator, other_community, "read write", "Elsewhere"))
    tag = writer.get(url).headers["etag"]
    assert other.get(url).status_code == 404
    assert other.request(method, url, json=change, headers={"If-Match": tag}).status_code == 404


def test_a_correction_on_the_page_makes_the_apis_etag_stale(scene, writer):
    url, method, change = participant(scene, writer)
    tag = writer.get(url).headers["etag"]
    person_id = url.rsplit("/", 1)[1]
    page = scene.facilitator.post(f"/meetings/{scene.meeting_id}/participants/{person_id}", {"in_room": "true"},
                                  htmx=True)
    assert page.status_code == 200, page.text
    assert writer.request(method, url, json=change, headers={"If-Match": tag}).status_code == 412
    assert writer.get(url).json()["in_room"] is True


def test_notes_saved_in_the_room_and_through_the_api_never_overwrite_each_other(scene, writer):
    url, method, _ = notes(scene, writer)
    read = writer.get(url)
    saved = writer.request(method, url, json={"notes": "From the reporting system"}, headers={"If-Match": read.headers["etag"]})
    assert saved.status_code == 200 and saved.json()["saved_by"] == "Reporting (API)"
    # Someone in the room saving from the version they had (0) gets the page's conflict, not an overwrite.
    room_id = url.split("/rooms/")[1].split("/")[0]
    round_id = url.split("/breakouts/")[1].split("/")[0]
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/breakouts/{round_id}/launch")
    ana = scene.member("Ana", "lay")  # sits where the plan put Ana
    inside = ana.post(f"/meetings/{scene.meeting_id}/breakouts/rooms/{room_id}/notes",
                      {"notes": "From the room", "version": "0"}, htmx=True)
    assert inside.status_code in (200, 409)
    assert writer.get(url).json()["notes"] == "From the reporting system"


def test_built_in_prompts_have_no_etag_and_stay_unchangeable(scene, writer):
    url = f"/communities/{scene.community_id}/icebreaker-prompts/light-smile"
    read = writer.get(url)
    assert read.status_code == 200 and "etag" not in read.headers and read.json()["version"] is None
    assert writer.request("PATCH", url, json={"text": "Changed?"}).status_code == 409


def test_a_room_of_another_round_is_a_404(scene, writer):
    url, method, _ = notes(scene, writer)
    bad = url.replace("/rooms/", "/rooms/9")
    assert writer.get(bad).status_code == 404
    assert writer.request(method, bad, json={"notes": "x"}, headers={"If-Match": '"0"'}).status_code == 404

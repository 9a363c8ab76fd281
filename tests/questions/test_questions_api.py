"""The question chat through the REST API, as an integration sees it."""

import pytest

from tests.api.keys import bearer, create_api_key

pytestmark = pytest.mark.timeout(30)


def api_key(browser, community_id: int, access: str) -> dict:
    return bearer(create_api_key(browser, community_id, access, f"Key {access}"))


def test_list_filter_sort_and_moderate_through_the_api(scene, client):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    for body in ("First", "Second", "Third"):
        ana.post(f"/meetings/{scene.meeting_id}/questions", {"body": body}, htmx=True)
    write, read = api_key(scene.facilitator, scene.community_id, "read write"), api_key(
        scene.facilitator, scene.community_id, "read")
    url = f"/api/v1/meetings/{scene.meeting_id}/questions"
    listed = client.get(url, headers=read).json()["items"]
    assert sorted(q["body"] for q in listed) == ["First", "Second", "Third"]
    third = next(q for q in listed if q["body"] == "Third")
    dev.post(f"/meetings/{scene.meeting_id}/questions/{third['id']}/vote", htmx=True)
    assert client.get(url, params={"sort": "votes"}, headers=read).json()["items"][0]["body"] == "Third"

    page = client.get(url, params={"limit": 2}, headers=read).json()
    rest = client.get(url, params={"limit": 2, "cursor": page["next_cursor"]}, headers=read).json()
    assert len(page["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert {q["id"] for q in page["items"] + rest["items"]} == {q["id"] for q in listed}

    answered = client.post(f"{url}/{third['id']}/answer", json={"answer": "Yes."}, headers=write)
    assert answered.status_code == 200 and answered.json()["status"] == "answered"
    assert answered.json()["answer"] == "Yes."
    assert [q["body"] for q in client.get(url, params={"status": "answered"}, headers=read).json()["items"]] == ["Third"]
    pinned = client.post(f"{url}/{listed[0]['id']}/pin", headers=write)
    assert pinned.status_code == 200 and pinned.json()["pinned"] is True
    conflict = client.post(f"{url}/{listed[0]['id']}/approve", headers=write)
    assert conflict.status_code == 409 and conflict.headers["content-type"].startswith("application/problem+json")


def test_moderation_needs_a_write_key_of_this_community(scene, client, new_browser):
    ana = scene.member("Ana")
    ana.post(f"/meetings/{scene.meeting_id}/questions", {"body": "Protected"}, htmx=True)
    read = api_key(scene.facilitator, scene.community_id, "read")
    url = f"/api/v1/meetings/{scene.meeting_id}/questions"
    qid = client.get(url, headers=read).json()["items"][0]["id"]
    assert client.post(f"{url}/{qid}/hide").status_code == 401
    assert client.post(f"{url}/{qid}/hide", headers=read).status_code == 403
    assert client.post(f"{url}/{qid}/hide", headers={"Authorization": "Bearer rtk_made_up"}).status_code == 401

    from tests.helpers import create_community, sign_up

    other = new_browser()
    sign_up(other, email="other@example.org", name="Other Organiser")
    other_key = api_key(other, create_community(other, name="Another CoP"), "read write")
    assert client.get(url, headers=other_key).status_code == 404
    assert client.post(f"{url}/{qid}/hide", headers=other_key).status_code == 404
    assert client.get(url, headers=read).json()["items"][0]["status"] == "open"


def test_pending_questions_are_listed_only_when_asked_for(scene, client):
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/review", {"on": "true"})
    scene.member("Ana").post(f"/meetings/{scene.meeting_id}/questions", {"body": "Awaiting review"}, htmx=True)
    read = api_key(scene.facilitator, scene.community_id, "read")
    url = f"/api/v1/meetings/{scene.meeting_id}/questions"
    assert client.get(url, headers=read).json()["items"] == []
    pending = client.get(url, params={"status": "pending"}, headers=read).json()["items"]
    assert [q["body"] for q in pending] == ["Awaiting review"]
    assert client.get(url, params={"status": "nonsense"}, headers=read).status_code == 422

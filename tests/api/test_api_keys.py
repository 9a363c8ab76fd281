"""API keys: made on the community page, shown once, checked on every request."""

from datetime import date, timedelta

import pytest

from tests.api.conftest import Integration
from tests.accounts.test_accounts import log_in
from tests.api.keys import _KEY, bearer, create_api_key
from tests.communities.test_communities import add_member
from tests.helpers import create_community, sign_up, text_of

PROBLEM = "application/problem+json"


def test_a_new_key_is_shown_once_on_the_community_page(scene):
    fac = scene.facilitator
    fac.get(f"/communities/{scene.community_id}")
    response = fac.post(f"/communities/{scene.community_id}/api-keys", {"name": "Newsletter", "access": "read"})
    # Post/Redirect/Get: the form's answer is a redirect, so the browser's history
    # holds a GET of the page, not the POST.
    assert response.status_code == 303
    assert response.headers["location"] == f"/communities/{scene.community_id}#api-keys"
    assert "rtk_" not in response.text

    shown = fac.get(response.headers["location"])
    assert shown.status_code == 200
    assert shown.headers["cache-control"] == "no-store"
    assert "Copy this key now. It will not be shown again." in text_of(shown.text)
    key = _KEY.search(shown.text).group(1)
    assert key.startswith("rtk_") and len(key) > 40

    again = fac.get(f"/communities/{scene.community_id}").text
    assert key not in again and "Copy this key now" not in again
    listed = text_of(again)
    assert f"Newsletter {key[:10]}… Read only" in listed and "Never" in listed


def test_refreshing_after_creating_a_key_neither_makes_another_nor_shows_it_again(scene, client):
    fac = scene.facilitator
    fac.get(f"/communities/{scene.community_id}")
    shown = fac.post(f"/communities/{scene.community_id}/api-keys", {"name": "Newsletter", "access": "read"},
                     follow_redirects=True)
    key = _KEY.search(shown.text).group(1)
    # Refresh repeats the request that made the page: it must be a GET, not the form's POST.
    refresh = shown.request
    assert (refresh.method, refresh.url.path) == ("GET", f"/communities/{scene.community_id}")
    for _ in range(2):  # the organiser presses refresh, twice
        page = fac.get(refresh.url.path)
        assert page.status_code == 200 and key not in page.text and "Copy this key now" not in page.text
        assert text_of(page.text).count("Newsletter") == 1, "one key, not one per refresh"
    # The key shown once is the one that works.
    assert client.get("/api/v1/communities", headers=bearer(key)).status_code == 200


def test_a_new_key_is_shown_only_to_the_organiser_who_made_it(scene):
    """A shared computer: the page after the form never loads, the organiser logs out,
    and another organiser logs in on the same browser."""
    fran = scene.facilitator
    sign_up(scene.new_browser(), email="otto@example.org", name="Otto Organiser")
    assert add_member(fran, scene.community_id, "otto@example.org", permission="organiser").status_code == 303
    fran.get(f"/communities/{scene.community_id}")
    response = fran.post(f"/communities/{scene.community_id}/api-keys", {"name": "Newsletter", "access": "read"})
    assert response.status_code == 303  # not followed
    assert fran.post("/logout").status_code == 303
    assert log_in(fran, "otto@example.org").status_code == 303

    page = fran.get(f"/communities/{scene.community_id}").text
    assert "Newsletter" in text_of(page)  # listed, by its prefix
    assert not _KEY.search(page) and "Copy this key now" not in page


def test_a_key_needs_a_name(scene):
    scene.facilitator.get(f"/communities/{scene.community_id}")
    response = scene.facilitator.post(f"/communities/{scene.community_id}/api-keys", {"name": "  ", "access": "read"})
    assert response.status_code == 422
    assert "Give the key a name" in text_of(response.text) and "rtk_" not in response.text


def test_an_unknown_access_level_is_refused(scene):
    scene.facilitator.get(f"/communities/{scene.community_id}")
    response = scene.facilitator.post(f"/communities/{scene.community_id}/api-keys", {"name": "X", "access": "admin"})
    assert response.status_code == 422 and "rtk_" not in response.text


@pytest.mark.parametrize("headers, detail", [
    ({}, "Send an API key: 'Authorization: Bearer <key>'."),
    ({"Authorization": "Bearer rtk_not-a-real-key"}, "This API key is not valid"),
    ({"Authorization": "Bearer something-else"}, "This API key is not valid"),
    ({"Authorization": "Basic dXNlcjpwYXNz"}, "Send an API key"),
    ({"Authorization": "Bearer " + "rtk_" + "x" * 5000}, "This API key is not valid"),
])
def test_without_a_valid_key_the_api_answers_401_problem(client, scene, headers, detail):
    response = client.get("/api/v1/communities", headers=headers)
    assert response.status_code == 401
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"
    assert detail in body["detail"]


def test_a_revoked_key_stops_working_at_once(scene, writer):
    assert writer.get("/communities").status_code == 200
    page = scene.facilitator.get(f"/communities/{scene.community_id}").text
    import re

    key_id = re.search(r"/api-keys/(\d+)/revoke", page).group(1)
    response = scene.facilitator.post(f"/communities/{scene.community_id}/api-keys/{key_id}/revoke")
    assert response.status_code == 303
    response = writer.get("/communities")
    assert response.status_code == 401 and response.headers["content-type"] == PROBLEM
    assert "revoked" in response.json()["detail"]
    assert "Revoked" in text_of(scene.facilitator.get(f"/communities/{scene.community_id}").text)


def test_an_expired_key_does_not_work(scene, client):
    fac = scene.facilitator
    fac.get(f"/communities/{scene.community_id}")
    yesterday = (date.today() - timedelta(days=2)).isoformat()
    key = create_api_key(fac, scene.community_id, "read", "Old", expires_at=yesterday)
    assert client.get("/api/v1/communities", headers=bearer(key)).status_code == 401
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    key = create_api_key(fac, scene.community_id, "read", "New", expires_at=tomorrow)
    assert client.get("/api/v1/communities", headers=bearer(key)).status_code == 200


def test_a_key_records_when_it_was_last_used(scene, reader):
    assert reader.get("/communities").status_code == 200
    row = text_of(scene.facilitator.get(f"/communities/{scene.community_id}").text).split("Website", 1)[1]
    assert not row.split("Revoke")[0].strip().endswith("Never")


@pytest.mark.parametrize("method, url, body", [
    ("POST", "/communities/{c}/meetings", {"title": "From the website"}),
    ("POST", "/meetings/{m}/start", None),
    ("POST", "/meetings/{m}/end", None),
    ("POST", "/meetings/{m}/agenda", {"title": "AOB"}),
    ("PUT", "/meetings/{m}/agenda/now", {"item_id": None}),
    ("PATCH", "/meetings/{m}/participants/{p}", {"role": "gp"}),
    ("DELETE", "/meetings/{m}/participants/{p}", None),
    ("GET", "/meetings/{m}/join-link", None),  # the link lets anyone join: it is not for read-only keys
])
def test_a_read_only_key_cannot_write(scene, reader, writer, method, url, body):
    ana = scene.member("Ana")
    assert ana
    participant = next(p["id"] for p in writer.get(f"/meetings/{scene.meeting_id}/participants").json()["items"]
                       if p["display_name"] == "Ana")
    before = writer.get(f"/meetings/{scene.meeting_id}").json(), writer.get(f"/communities/{scene.community_id}/meetings").json()
    response = reader.request(method, url.format(c=scene.community_id, m=scene.meeting_id, p=participant), json=body)
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM
    assert "This API key can only read" in response.json()["detail"]
    after = writer.get(f"/meetings/{scene.meeting_id}").json(), writer.get(f"/communities/{scene.community_id}/meetings").json()
    assert after == before


def test_a_key_never_reaches_another_community(scene, writer):
    other_id = create_community(scene.facilitator, "Another CoP")
    from tests.helpers import create_meeting

    other_meeting = create_meeting(scene.facilitator, other_id, "Their meeting")
    other = Integration(writer.client, create_api_key(scene.facilitator, other_id))
    participant = other.get(f"/meetings/{other_meeting}/participants").json()["items"]
    assert participant == []
    scene.facilitator.get(f"/meetings/{other_meeting}")  # the facilitator takes part
    participant_id = other.get(f"/meetings/{other_meeting}/participants").json()["items"][0]["id"]

    assert [c["id"] for c in writer.get("/communities").json()["items"]] == [scene.community_id]
    for method, url, body in [
        ("GET", f"/communities/{other_id}", None),
        ("GET", f"/communities/{other_id}/meetings", None),
        ("POST", f"/communities/{other_id}/meetings", {"title": "Planted"}),
        ("GET", f"/meetings/{other_meeting}", None),
        ("GET", f"/meetings/{other_meeting}/participants", None),
        ("GET", f"/meetings/{other_meeting}/join-link", None),
        ("POST", f"/meetings/{other_meeting}/start", None),
        ("POST", f"/meetings/{other_meeting}/agenda", {"title": "Planted"}),
        ("GET", f"/meetings/{other_meeting}/participants/{participant_id}", None),
        ("PATCH", f"/meetings/{other_meeting}/participants/{participant_id}", {"role": "gp"}),
        ("DELETE", f"/meetings/{other_meeting}/participants/{participant_id}", None),
    ]:
        response = writer.request(method, url, json=body, headers={"If-Match": '"0"'})
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.headers["content-type"] == PROBLEM
    # Nor through a meeting of its own community with another meeting's participant id.
    for method, body in (("PATCH", {"role": "gp"}), ("DELETE", None)):
        response = writer.request(method, f"/meetings/{scene.meeting_id}/participants/{participant_id}", json=body,
                                  headers={"If-Match": '"0"'})
        assert response.status_code == 404
    meeting = other.get(f"/meetings/{other_meeting}").json()
    assert meeting["status"] == "scheduled" and len(meeting["agenda"]) == 3
    assert [m["title"] for m in other.get(f"/communities/{other_id}/meetings").json()["items"]] == ["Their meeting"]
    assert other.get(f"/meetings/{other_meeting}/participants").json()["items"][0]["role"] == "facilitator"

"""The live event feed for integrations, and per-key rate limits."""

import json
import re

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.api.keys import create_api_key

pytestmark = pytest.mark.timeout(30)


def api_key(browser, community_id: int, access: str = "read") -> str:
    return create_api_key(browser, community_id, access, f"Feed {access}")


def feed(client, meeting_id: int, key: str | None, since: int | None = None):
    url = f"/api/v1/meetings/{meeting_id}/events" + (f"?since={since}" if since is not None else "")
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.websocket_connect(url, headers=headers)


def test_the_feed_streams_events_and_resumes_without_a_gap(scene, client):
    key = api_key(scene.facilitator, scene.community_id)
    ana = scene.member("Ana")
    with feed(client, scene.meeting_id, key) as ws:
        # Everything so far is replayed first (since=0), in order.
        first = json.loads(ws.receive_text())
        assert first["seq"] == 1 and first["meeting"] == scene.meeting_id and first["type"]
        seen = [first]
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/start")
        while seen[-1]["type"] != "meeting.started":
            seen.append(json.loads(ws.receive_text()))
    last = seen[-1]["seq"]
    assert [e["seq"] for e in seen] == list(range(1, last + 1))

    # While disconnected: an anonymous question and an agenda change.
    ana.post(f"/meetings/{scene.meeting_id}/questions", {"body": "Missed while away?"}, htmx=True)
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/agenda", {"title": "Extra item"})
    with feed(client, scene.meeting_id, key, since=last) as ws:
        missed = [json.loads(ws.receive_text()) for _ in range(2)]
        assert [e["seq"] for e in missed] == [last + 1, last + 2]
        assert [e["type"] for e in missed] == ["question.posted", "agenda.changed"]
        question = missed[0]["data"]["question"]
        assert question["body"] == "Missed while away?"
        assert question["author_name"] is None and "Ana" not in json.dumps(missed[0])
        # Then the live stream continues, with nothing sent twice.
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/end")
        live = json.loads(ws.receive_text())
        assert live["seq"] == last + 3 and live["type"] == "meeting.ended"


@pytest.mark.parametrize("problem", ["no key", "bad key", "revoked", "other community"])
def test_the_feed_needs_a_valid_key_of_the_meetings_community(scene, client, new_browser, problem):
    key = api_key(scene.facilitator, scene.community_id)
    if problem == "no key":
        key = None
    elif problem == "bad key":
        key = "rtk_not-a-real-key"
    elif problem == "revoked":
        page = scene.facilitator.get(f"/communities/{scene.community_id}").text
        key_id = re.search(r"/api-keys/(\d+)/revoke", page).group(1)
        scene.facilitator.post(f"/communities/{scene.community_id}/api-keys/{key_id}/revoke")
    else:
        from tests.helpers import create_community, sign_up

        other = new_browser()
        sign_up(other, email="other@example.org", name="Other")
        key = api_key(other, create_community(other, name="Other CoP"))
    with pytest.raises(WebSocketDisconnect) as refused:
        with feed(client, scene.meeting_id, key) as ws:
            ws.receive_text()
    assert refused.value.code == 1008


def test_too_many_requests_with_one_key_get_429_and_retry_after(scene, client, app):
    app.state.settings.api_requests_per_minute = 3
    key = api_key(scene.facilitator, scene.community_id)
    headers = {"Authorization": f"Bearer {key}"}
    for _ in range(3):
        assert client.get("/api/v1/communities", headers=headers).status_code == 200
    refused = client.get("/api/v1/communities", headers=headers)
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"].startswith("application/problem+json")
    # Another key is not held back by the first one's limit.
    other = api_key(scene.facilitator, scene.community_id)
    assert client.get("/api/v1/communities", headers={"Authorization": f"Bearer {other}"}).status_code == 200

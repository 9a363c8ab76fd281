"""Webhooks, end to end: registered on the community page, queued with real events,
sent to a real HTTP server on 127.0.0.1 and checked there as a receiver would."""

import asyncio
import hashlib
import hmac
import json
import re
import time
from datetime import datetime, timedelta

import pytest

from app.db import utcnow
from app.webhooks.worker import deliver_due
from tests.api.conftest import Integration
from tests.api.keys import create_api_key
from tests.helpers import create_community, create_meeting, sign_up, text_of
from tests.webhooks.conftest import ALL_EVENTS, SECRET, register, register_ok, webhook_ids

pytestmark = pytest.mark.timeout(30)


def verify_as_a_receiver(secret: str, received, tolerance: int = 300) -> dict:
    """What the README tells a receiver to do: recompute the signature over
    "{timestamp}.{body}", compare in constant time, refuse an old timestamp."""
    timestamp = received.headers["roundtable-timestamp"]
    if abs(time.time() - int(timestamp)) > tolerance:
        raise ValueError("too old: a replay?")
    expected = "v1=" + hmac.new(secret.encode(), timestamp.encode() + b"." + received.body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.headers["roundtable-signature"]):
        raise ValueError("bad signature")
    return json.loads(received.body)


def section(html: str) -> str:
    match = re.search(r'<section aria-labelledby="webhooks-heading" id="webhooks">(.*?)</section>', html, re.S)
    return match.group(1) if match else ""


def community_section(browser, community_id: int) -> str:
    return text_of(section(browser.get(f"/communities/{community_id}").text))


def start(browser, meeting_id: int):
    assert browser.post(f"/meetings/{meeting_id}/start").status_code == 303


def writer_for(scene, client) -> Integration:
    return Integration(client, create_api_key(scene.facilitator, scene.community_id, "read write", "Webhooks"))


def test_a_delivery_is_signed_and_verifies_at_a_local_receiver(scene, receiver, deliver):
    fac = scene.facilitator
    response = register(fac, scene.community_id, receiver.url(), ["meeting.started"], follow_redirects=True)
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert "Copy this signing secret now. It will not be shown again." in text_of(response.text)
    secret = SECRET.search(response.text).group(1)
    # Post/Redirect/Get: a refresh repeats a GET, not the form, and shows the secret no more.
    refresh = response.request
    assert (refresh.method, refresh.url.path) == ("GET", f"/communities/{scene.community_id}")
    for _ in range(2):  # the organiser presses refresh, twice
        page = fac.get(refresh.url.path).text
        assert secret not in page and "Copy this signing secret" not in page, "the secret is shown once only"
        assert len(webhook_ids(page)) == 1, "one webhook, not one per refresh"
    assert "A meeting starts" in text_of(section(page)) and "Nothing sent yet." in text_of(section(page))

    start(fac, scene.meeting_id)
    assert deliver() == 1
    [received] = receiver.got()
    assert received.path == "/hook"
    assert received.headers["content-type"] == "application/json"
    assert received.headers["roundtable-event"] == "meeting.started"

    body = verify_as_a_receiver(secret, received)
    assert body["type"] == "meeting.started" and body["meeting"] == scene.meeting_id
    assert body["id"] == int(received.headers["roundtable-delivery"])
    assert isinstance(body["seq"], int) and body["time"].endswith("Z") and body["data"] == {}
    # The check can fail: another secret, a changed body or an old timestamp are refused.
    with pytest.raises(ValueError):
        verify_as_a_receiver("whsec_someone-else", received)
    tampered = type(received)(received.path, received.headers, received.body.replace(b"meeting.started", b"meeting.ended"))
    with pytest.raises(ValueError):
        verify_as_a_receiver(secret, tampered)
    replayed = type(received)(received.path, {**received.headers, "roundtable-timestamp": str(int(time.time()) - 600)},
                              received.body)
    with pytest.raises(ValueError):
        verify_as_a_receiver(secret, replayed)

    # Sent once: a second pass has nothing to do.
    assert deliver() == 0 and receiver.got() == []
    shown = community_section(fac, scene.community_id)
    assert "A meeting starts Delivery" in shown and "Delivered 200 1" in shown


def test_a_receiver_that_fails_gets_a_retry_later_and_the_page_says_so(scene, receiver, deliver, client):
    fac = scene.facilitator
    secret = register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    writer = writer_for(scene, client)
    receiver.status = 500
    start(fac, scene.meeting_id)

    before = utcnow()
    assert deliver() == 1
    first = receiver.got()
    assert len(first) == 1
    verify_as_a_receiver(secret, first[0])

    [webhook] = writer.get(f"/communities/{scene.community_id}/webhooks").json()["items"]
    [delivery] = writer.get(f"/communities/{scene.community_id}/webhooks/{webhook['id']}/deliveries").json()["items"]
    assert delivery["status"] == "pending" and delivery["attempts"] == 1 and delivery["last_status_code"] == 500
    assert delivery["last_error"] == "The receiver answered 500."
    next_try = delivery["next_attempt_at"]
    assert next_try is not None
    wait = datetime.fromisoformat(next_try.replace("Z", "+00:00")) - before
    assert timedelta(seconds=9) < wait < timedelta(seconds=30)

    shown = community_section(fac, scene.community_id)
    assert "Failed 1 time; will try again. Next try in" in shown and "500 The receiver answered 500." in shown

    # Not due yet: nothing is sent now.
    assert deliver() == 0 and receiver.got() == []
    # When it is due, the same body is sent again (with a fresh signature) and this time arrives.
    receiver.status = 204
    assert deliver(now=utcnow() + timedelta(seconds=31)) == 1
    [second] = receiver.got()
    assert second.body == first[0].body
    assert verify_as_a_receiver(secret, second)["id"] == delivery["id"]
    [delivery] = writer.get(f"/communities/{scene.community_id}/webhooks/{webhook['id']}/deliveries").json()["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 2 and delivery["next_attempt_at"] is None


def test_after_six_failed_tries_a_delivery_fails_and_can_be_sent_again(scene, receiver, deliver):
    fac = scene.facilitator
    register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    receiver.status = 503
    start(fac, scene.meeting_id)
    now = utcnow()
    for _ in range(6):
        assert deliver(now=now) == 1
        now += timedelta(minutes=10)
    assert deliver(now=now) == 0, "no seventh try"
    assert len(receiver.got()) == 6
    page = fac.get(f"/communities/{scene.community_id}").text
    shown = text_of(section(page))
    assert "Failed Send again 503 The receiver answered 503. 6" in shown

    receiver.status = 200
    url = re.search(r'action="([^"]+/send-again)"', page).group(1)
    assert fac.post(url).status_code == 303
    assert "Waiting to send" in community_section(fac, scene.community_id)
    assert deliver() == 1 and len(receiver.got()) == 1
    assert "Delivered 200 1" in community_section(fac, scene.community_id)
    assert fac.post(url).status_code == 409, "a delivered one is not sent again"


def test_a_webhook_never_hears_of_another_communitys_events(new_browser, scene, receiver, deliver):
    secret = register_ok(scene.facilitator, scene.community_id, receiver.url("/a"), ["meeting.started"])
    other = new_browser()
    sign_up(other, "omar@example.org", "Omar Organiser")
    other_community = create_community(other, "Another CoP")
    other_meeting = create_meeting(other, other_community, "Their meeting")
    register_ok(other, other_community, receiver.url("/b"), ["meeting.ended"])

    start(other, other_meeting)
    assert deliver() == 0 and receiver.got() == []

    start(scene.facilitator, scene.meeting_id)
    other.post(f"/meetings/{other_meeting}/end")
    assert deliver() == 2
    got = {r.path: r for r in receiver.got()}
    assert verify_as_a_receiver(secret, got["/a"])["meeting"] == scene.meeting_id
    assert got["/b"].json["meeting"] == other_meeting and got["/b"].json["type"] == "meeting.ended"


def test_only_the_events_asked_for_are_sent(scene, receiver, deliver):
    fac = scene.facilitator
    register_ok(fac, scene.community_id, receiver.url(), ["meeting.ended"])
    member = scene.member("Ana")  # participant.joined: never a webhook event
    start(fac, scene.meeting_id)
    member.post(f"/meetings/{scene.meeting_id}/questions", {"body": "Who pays?", "attribution": "anonymous"}, htmx=True)
    assert deliver() == 0 and receiver.got() == []
    assert fac.post(f"/meetings/{scene.meeting_id}/end").status_code == 303
    assert deliver() == 1
    assert [r.json["type"] for r in receiver.got()] == ["meeting.ended"]


def test_an_action_change_is_sent_once_however_many_meetings_show_it(scene, receiver, deliver):
    fac = scene.facilitator
    secret = register_ok(fac, scene.community_id, receiver.url(), ["action.created", "action.updated"])
    second = create_meeting(fac, scene.community_id, "Second meeting")
    start(fac, scene.meeting_id)
    start(fac, second)  # two live meetings: the action's events are recorded in both

    response = fac.post(f"/communities/{scene.community_id}/actions",
                        {"title": "Write to the commissioners", "owners": "", "due_date": "", "description": ""})
    assert response.status_code == 303, response.text
    action_id = int(re.search(r"/actions/(\d+)", response.headers["location"]).group(1))
    assert deliver() == 1
    [created] = receiver.got()
    body = verify_as_a_receiver(secret, created)
    assert body["type"] == "action.created" and body["data"]["action"]["id"] == action_id

    fac.post(f"/communities/{scene.community_id}/actions/{action_id}/status",
             {"status": "done", "version": str(body["data"]["action"]["version"])})
    assert deliver() == 1
    [updated] = receiver.got()
    assert updated.json["type"] == "action.updated" and updated.json["data"]["action"]["status"] == "done"


def test_a_switched_off_or_deleted_webhook_is_sent_nothing(scene, receiver, deliver):
    fac = scene.facilitator
    register_ok(fac, scene.community_id, receiver.url(), ["meeting.started", "meeting.ended"])
    page = fac.get(f"/communities/{scene.community_id}").text
    [webhook_id] = webhook_ids(page)
    start(fac, scene.meeting_id)  # queued while on...
    base = f"/communities/{scene.community_id}/webhooks/{webhook_id}"
    assert fac.post(f"{base}/switch-off").status_code == 303  # ...but switched off before it went
    assert deliver() == 0 and receiver.got() == []
    shown = community_section(fac, scene.community_id)
    assert "Switched off" in shown and "Not sent: the webhook was switched off." in shown
    assert "Send again" not in shown, "switch it on first"

    assert fac.post(f"{base}/switch-on").status_code == 303
    assert fac.post(f"/meetings/{scene.meeting_id}/end").status_code == 303
    assert fac.post(f"{base}/delete").status_code == 303
    assert deliver() == 0 and receiver.got() == []
    assert webhook_ids(fac.get(f"/communities/{scene.community_id}").text) == []


@pytest.mark.parametrize("url, events, message", [
    ("ftp://example.org/x", ["meeting.started"], "The address must start with https://"),
    ("", ["meeting.started"], "Enter the address"),
    ("https://user:pw@example.org/x", ["meeting.started"], "Leave the user name and password out"),
    ("https://example.org/" + "x" * 500, ["meeting.started"], "under 500 characters"),
    ("https://exa mple.org/", ["meeting.started"], "cannot contain spaces"),
    ("https://example.org:99999/", ["meeting.started"], "This is not a web address"),
    ("https://example.org/x", [], "Choose at least one event"),
    ("https://example.org/x", ["question.posted"], "Choose from the events listed"),
])
def test_bad_input_is_a_clear_message_and_keeps_what_was_typed(scene, url, events, message):
    response = register(scene.facilitator, scene.community_id, url, events)
    assert response.status_code == 422
    shown = text_of(section(response.text))
    assert message in shown
    assert "whsec_" not in response.text
    if url and len(url) < 500:
        assert f'value="{url}"' in response.text


def test_a_facilitator_who_is_not_an_organiser_and_members_are_refused(new_browser, scene, receiver, client):
    fac = scene.facilitator
    register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    [webhook_id] = webhook_ids(fac.get(f"/communities/{scene.community_id}").text)
    base = f"/communities/{scene.community_id}/webhooks"

    helper = new_browser()
    sign_up(helper, "hana@example.org", "Hana Helper")
    fac.post(f"/communities/{scene.community_id}/members", {"email": "hana@example.org", "permission": "facilitator"})
    page = helper.get(f"/communities/{scene.community_id}").text
    assert page and "webhooks-heading" not in page, "a facilitator does not see the webhooks"
    outsider = new_browser()
    sign_up(outsider, "olu@example.org", "Olu Outsider")
    member = scene.member("Ana")  # joined the meeting; no account

    for who, status in ((helper, 403), (outsider, 404), (member, 303)):
        who.get("/")
        for url, data in ((base, {"url": receiver.url(), "events": ["meeting.started"]}),
                          (f"{base}/{webhook_id}/switch-off", {}), (f"{base}/{webhook_id}/delete", {}),
                          (f"{base}/{webhook_id}/new-secret", {}),
                          (f"{base}/{webhook_id}/deliveries/1/send-again", {})):
            response = who.post(url, data)
            assert response.status_code == status, (url, response.status_code)
            if status == 403:
                assert "Only the community's organisers can manage webhooks." in text_of(response.text)
            if status == 303:
                assert response.headers["location"].startswith("/login")
    assert "Sending" in community_section(fac, scene.community_id)
    assert webhook_ids(fac.get(f"/communities/{scene.community_id}").text) == [webhook_id]

    # Without the CSRF token, even the organiser is refused.
    fac.csrf_token = "0" * 64
    assert fac.post(f"{base}/{webhook_id}/delete").status_code in (400, 403)
    fac.csrf_token = None
    assert webhook_ids(fac.get(f"/communities/{scene.community_id}").text) == [webhook_id]


def test_the_rest_api_registers_lists_and_deletes_webhooks(scene, receiver, deliver, client, new_browser):
    writer = writer_for(scene, client)
    reader = Integration(client, create_api_key(scene.facilitator, scene.community_id, "read", "Site"))
    base = f"/communities/{scene.community_id}/webhooks"

    response = writer.post(base, {"url": receiver.url(), "events": ["meeting.started", "meeting.started"]})
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_") and created["events"] == ["meeting.started"]
    assert created["active"] is True
    assert "secret" not in reader.get(base).json()["items"][0]
    assert reader.post(base, {"url": receiver.url(), "events": ["meeting.ended"]}).status_code == 403

    bad = writer.post(base, {"url": "javascript:alert(1)", "events": ["meeting.started"]})
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "url"

    start(scene.facilitator, scene.meeting_id)
    deliver()
    verify_as_a_receiver(created["secret"], receiver.wait(timeout=1))
    page = reader.get(f"{base}/{created['id']}/deliveries?limit=1").json()
    assert page["items"][0]["status"] == "delivered" and page["items"][0]["event_type"] == "meeting.started"
    assert json.loads(page["items"][0]["body"])["id"] == page["items"][0]["id"]
    assert page["next_cursor"] is None

    # Another community's key finds nothing here.
    other = new_browser()
    sign_up(other, "omar@example.org", "Omar Organiser")
    other_community = create_community(other, "Another CoP")
    stranger = Integration(client, create_api_key(other, other_community, "read write", "Theirs"))
    assert stranger.get(base).status_code == 404
    assert stranger.request("DELETE", f"{base}/{created['id']}").status_code == 404
    assert stranger.get(f"/communities/{other_community}/webhooks/{created['id']}/deliveries").status_code == 404

    assert reader.request("DELETE", f"{base}/{created['id']}").status_code == 403
    assert writer.request("DELETE", f"{base}/{created['id']}").status_code == 204
    assert writer.get(base).json() == {"items": [], "next_cursor": None}
    assert writer.get(f"{base}/{created['id']}/deliveries").status_code == 404
    assert writer.get(f"{base}/99999999999/deliveries").status_code in (404, 422)


def test_the_openapi_schema_documents_the_webhook_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    route = paths["/api/v1/communities/{community_id}/webhooks"]
    assert route["get"]["summary"] and route["post"]["summary"]
    assert "Roundtable-Signature" in route["post"]["description"]
    assert "404" in route["post"]["responses"] and "409" in route["post"]["responses"]
    assert paths["/api/v1/communities/{community_id}/webhooks/{webhook_id}/deliveries"]["get"]["summary"]


def test_in_production_a_private_address_is_refused_when_sending(scene, receiver, deliver, settings):
    """Registered while the rules allowed it; production still refuses to send there."""
    register_ok(scene.facilitator, scene.community_id, receiver.url(), ALL_EVENTS)
    start(scene.facilitator, scene.meeting_id)
    production = settings.model_copy(update={"environment": "production"})
    assert deliver(with_settings=production) == 1
    assert receiver.got() == []
    assert "private network" in community_section(scene.facilitator, scene.community_id)
    allowed = production.model_copy(update={"webhook_allow_private": True})
    assert deliver(now=utcnow() + timedelta(minutes=1), with_settings=allowed) == 1
    assert len(receiver.got()) == 1


def test_two_delivery_passes_at_once_never_send_one_delivery_twice(scene, receiver, client, app, settings):
    """As several workers would: each delivery is claimed by one pass only."""
    for n in range(4):
        register_ok(scene.facilitator, scene.community_id, receiver.url(f"/{n}"), ["meeting.started"])
    start(scene.facilitator, scene.meeting_id)

    async def two_at_once():
        return await asyncio.gather(*(deliver_due(app.state.sessionmaker, settings=settings) for _ in range(2)))

    assert sum(client.portal.call(two_at_once)) == 4
    got = receiver.got()
    assert sorted(r.path for r in got) == ["/0", "/1", "/2", "/3"]
    assert len({r.headers["roundtable-delivery"] for r in got}) == 4


def test_a_change_made_in_no_meeting_can_be_queued_for_the_community(scene, receiver, deliver, client, app):
    """queue_community_event: for changes no meeting records (an action changed while
    no meeting runs). Queued in the caller's transaction, sent like any other."""
    from app.webhooks.service import queue_community_event

    secret = register_ok(scene.facilitator, scene.community_id, receiver.url(), ["action.updated"])

    async def change(type_: str, commit: bool):
        async with app.state.sessionmaker() as session:
            await queue_community_event(session, scene.community_id, type_, {"action": {"id": 7}})
            await (session.commit() if commit else session.rollback())

    client.portal.call(change, "action.updated", False)  # rolled back: nothing was confirmed
    client.portal.call(change, "action.created", True)  # not asked for
    assert deliver() == 0
    client.portal.call(change, "action.updated", True)
    assert deliver() == 1
    body = verify_as_a_receiver(secret, receiver.wait(timeout=1))
    assert body["type"] == "action.updated" and body["meeting"] is None and body["seq"] is None
    assert body["data"] == {"action": {"id": 7}} and body["time"].endswith(":00Z")


@pytest.fixture
def hooks_example(monkeypatch):
    """A host name, hooks.example, that this test's DNS answers for, and 127.0.0.2
    counted as a public address (standing in for a receiver on the internet)."""
    import socket

    from app.webhooks import service

    answers: list[str] = []
    real_getaddrinfo, real_is_private = socket.getaddrinfo, service._is_private

    def getaddrinfo(host, *args, **kwargs):
        if host == "hooks.example":
            answer = answers.pop(0) if len(answers) > 1 else answers[0]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, 0)) for a in answer.split()]
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(service, "_is_private", lambda a: a not in PUBLIC_HERE and real_is_private(a))
    return answers


PUBLIC_HERE = ("127.0.0.2", "127.0.0.3")  # nothing listens on 127.0.0.3


def test_in_production_a_delivery_goes_to_the_address_checked_not_one_dns_gives_later(
        scene, receiver, deliver, settings, hooks_example):
    """DNS rebinding: the name passes the check with a public address, then answers
    with this machine's. The delivery must not reach a server here."""
    port = receiver.server.server_address[1]  # listening on 127.0.0.1 only
    register_ok(scene.facilitator, scene.community_id, f"http://hooks.example:{port}/hook", ALL_EVENTS)
    start(scene.facilitator, scene.meeting_id)
    hooks_example[:] = ["127.0.0.2", "127.0.0.1"]  # public first, then this machine
    production = settings.model_copy(update={"environment": "production"})
    assert deliver(with_settings=production) == 1
    assert receiver.got() == []
    assert "Could not connect" in community_section(scene.facilitator, scene.community_id)


def test_a_delivery_sent_to_the_checked_address_keeps_its_host_name(scene, deliver, settings, hooks_example):
    from tests.webhooks.conftest import Receiver

    public = Receiver("127.0.0.2")
    try:
        port = public.server.server_address[1]
        secret = register_ok(scene.facilitator, scene.community_id, f"http://hooks.example:{port}/hook",
                             ["meeting.started"])
        start(scene.facilitator, scene.meeting_id)
        hooks_example[:] = ["127.0.0.3 127.0.0.2"]  # the first address checked does not answer: the next is tried
        assert deliver(with_settings=settings.model_copy(update={"environment": "production"})) == 1
        received = public.wait()
        assert received.headers["host"] == f"hooks.example:{port}"
        assert verify_as_a_receiver(secret, received)["type"] == "meeting.started"
    finally:
        public.close()


def test_a_pinned_request_keeps_the_name_as_sent_on_the_wire():
    from app.webhooks.service import pinned

    assert pinned("https://bücher.example:8443/hook?x=1", "203.0.113.9") == (
        "https://203.0.113.9:8443/hook?x=1", {"Host": "xn--bcher-kva.example:8443"},
        {"sni_hostname": "xn--bcher-kva.example"})
    assert pinned("http://hooks.example/hook", "2001:db8::1") == (
        "http://[2001:db8::1]/hook", {"Host": "hooks.example"}, {"sni_hostname": "hooks.example"})

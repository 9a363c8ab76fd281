"""Webhook signing secrets are sealed at rest: a copy of the database cannot sign.

And what follows from that: old plain rows are sealed at start, a changed SECRET_KEY
stops sending (never unsigned) and says so, and a new secret mends it, on the page
and through the API.
"""

import asyncio
import base64
import secrets
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import utcnow
from app.main import create_app
from app.webhooks.models import Webhook
from app.webhooks.sealing import seal, unseal
from app.webhooks.service import UNREADABLE_SECRET, reseal_secrets
from tests.api.conftest import Integration
from tests.api.keys import create_api_key
from tests.helpers import text_of
from tests.api.keys import _KEY
from tests.webhooks.conftest import SECRET, register, register_ok, webhook_ids
from tests.webhooks.test_webhooks import community_section, start, verify_as_a_receiver


def stored_secrets(client, app) -> list[str]:
    async def read():
        async with app.state.sessionmaker() as session:
            return list((await session.exec(select(Webhook.secret).order_by(Webhook.id))).all())

    return client.portal.call(read)


def store(client, app, value: str) -> None:
    """Write a webhook's stored secret as something other than this app left it."""
    async def write():
        async with app.state.sessionmaker() as session:
            [webhook] = (await session.exec(select(Webhook))).all()
            webhook.secret = value
            session.add(webhook)
            await session.commit()

    client.portal.call(write)


def test_the_database_holds_no_secret_a_copy_could_sign_with(scene, receiver, deliver, client, app):
    secret = register_ok(scene.facilitator, scene.community_id, receiver.url(), ["meeting.started"])
    [stored] = stored_secrets(client, app)
    assert stored.startswith("sealed:v1:")
    assert secret not in stored and secret.removeprefix("whsec_") not in stored
    # Sealed, and still what signs every delivery.
    start(scene.facilitator, scene.meeting_id)
    assert deliver() == 1
    assert verify_as_a_receiver(secret, receiver.wait(timeout=1))["type"] == "meeting.started"


def test_a_secret_stored_before_sealing_is_sealed_when_the_app_starts(scene, receiver, deliver, client, app, settings):
    register_ok(scene.facilitator, scene.community_id, receiver.url(), ["meeting.started"])
    old = "whsec_" + "o" * 43
    store(client, app, old)  # as every row was before sealing

    with TestClient(create_app(settings)) as restarted:  # its start seals it
        [stored] = stored_secrets(restarted, restarted.app)
    assert stored.startswith("sealed:v1:") and old not in stored

    # The receiver keeps the secret it has: deliveries still verify with it.
    start(scene.facilitator, scene.meeting_id)
    assert deliver() == 1
    verify_as_a_receiver(old, receiver.wait(timeout=1))


def test_after_secret_key_changes_nothing_is_sent_and_a_new_secret_mends_it(scene, receiver, deliver, client, app):
    fac = scene.facilitator
    first = register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    # As if the server's SECRET_KEY had changed since the webhook was made.
    store(client, app, seal("another-secret-key-that-is-long-enough-98765", first))
    page = community_section(fac, scene.community_id)
    assert "Nothing can be sent to this address until it has a new signing secret." in page

    start(fac, scene.meeting_id)
    later = utcnow()
    for _ in range(6):  # every try, until it is marked failed
        assert deliver(now=later) == 1
        later += timedelta(hours=1)
    assert deliver(now=later) == 0
    assert receiver.got() == [], "never sent unsigned, nor signed with something else"
    shown = community_section(fac, scene.community_id)
    assert UNREADABLE_SECRET in shown and "Failed" in shown

    [webhook_id] = webhook_ids(fac.get(f"/communities/{scene.community_id}").text)
    made = fac.post(f"/communities/{scene.community_id}/webhooks/{webhook_id}/new-secret", follow_redirects=True)
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    assert "Copy this new signing secret now. It will not be shown again." in text_of(made.text)
    second = SECRET.search(made.text).group(1)
    assert second != first
    again = fac.get(f"/communities/{scene.community_id}").text
    assert second not in again and "Nothing can be sent" not in again

    # What was held back goes now, signed with the new secret.
    assert deliver() == 1
    received = receiver.wait(timeout=1)
    assert verify_as_a_receiver(second, received)["type"] == "meeting.started"
    try:
        verify_as_a_receiver(first, received)
    except ValueError:
        pass
    else:
        raise AssertionError("the old secret still verifies")


def test_the_api_makes_a_new_secret_with_a_write_key_only(scene, receiver, deliver, client, new_browser):
    fac = scene.facilitator
    first = register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    [webhook_id] = webhook_ids(fac.get(f"/communities/{scene.community_id}").text)
    writer = Integration(client, create_api_key(fac, scene.community_id, "read write", "Sync"))
    reader = Integration(client, create_api_key(fac, scene.community_id, "read", "Site"))
    path = f"/communities/{scene.community_id}/webhooks/{webhook_id}/secret"

    assert reader.post(path, {}).status_code == 403
    assert writer.post(f"/communities/{scene.community_id}/webhooks/{webhook_id + 99}/secret", {}).status_code == 404
    response = writer.post(path, {})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["id"] == webhook_id and body["secret"].startswith("whsec_") and body["secret"] != first

    start(fac, scene.meeting_id)
    assert deliver() == 1
    verify_as_a_receiver(body["secret"], receiver.wait(timeout=1))


def test_two_workers_starting_together_seal_an_old_secret_once(scene, receiver, client, app, settings):
    register_ok(scene.facilitator, scene.community_id, receiver.url(), ["meeting.started"])
    old = "whsec_" + "p" * 43
    store(client, app, old)

    async def both():
        async def one():
            async with app.state.sessionmaker() as session:
                return await reseal_secrets(session, settings)
        return await asyncio.gather(one(), one())

    assert sorted(client.portal.call(both)) == [0, 1]
    [stored] = stored_secrets(client, app)
    assert unseal(settings.secret_key, stored) == old


def test_a_long_address_still_shows_its_secret(scene, receiver, client, app):
    """The secret rides to the next page in a cookie; a long address must not push it out."""
    url = receiver.url("/" + secrets.token_urlsafe(400)[:470])
    assert len(url) < 500
    made = register(scene.facilitator, scene.community_id, url, ["meeting.started"], follow_redirects=True)
    assert made.status_code == 200
    assert SECRET.search(made.text) and url in made.text
    [webhook_id] = webhook_ids(made.text)
    replaced = scene.facilitator.post(f"/communities/{scene.community_id}/webhooks/{webhook_id}/new-secret",
                                      follow_redirects=True)
    assert SECRET.search(replaced.text), "a new secret for a long address is shown too"


def test_a_key_and_a_webhook_made_in_two_tabs_are_both_shown(scene, receiver):
    fac = scene.facilitator
    fac.get(f"/communities/{scene.community_id}")
    assert fac.post(f"/communities/{scene.community_id}/api-keys", {"name": "Newsletter", "access": "read"}).status_code == 303
    # The other tab's form was loaded before: nothing shows the key in between.
    made = fac.post(f"/communities/{scene.community_id}/webhooks", {"url": receiver.url(), "events": ["meeting.started"]})
    assert made.status_code == 303
    page = fac.get(f"/communities/{scene.community_id}").text
    assert _KEY.search(page) and SECRET.search(page)


def test_the_secret_cookie_cannot_be_read_on_the_way(scene, receiver):
    fac = scene.facilitator
    made = register(fac, scene.community_id, receiver.url(), ["meeting.started"])
    cookie = made.headers["set-cookie"]
    secret = SECRET.search(fac.get(f"/communities/{scene.community_id}").text).group(1)
    for seen in (cookie, base64.urlsafe_b64decode(cookie.split("=", 1)[1].split(";")[0] + "==")):
        assert secret.encode() not in (seen.encode() if isinstance(seen, str) else seen)
        assert secret.removeprefix("whsec_").encode() not in (seen.encode() if isinstance(seen, str) else seen)


def test_only_the_organiser_with_a_form_token_can_make_a_new_secret(scene, receiver, client, app, new_browser):
    fac = scene.facilitator
    register_ok(fac, scene.community_id, receiver.url(), ["meeting.started"])
    [webhook_id] = webhook_ids(fac.get(f"/communities/{scene.community_id}").text)
    path = f"/communities/{scene.community_id}/webhooks/{webhook_id}/new-secret"
    before = stored_secrets(client, app)

    member = scene.member("Ana")
    member.get("/")
    assert member.post(path).status_code == 303  # to the login page
    fac.csrf_token = "0" * 64
    assert fac.post(path).status_code in (400, 403)
    fac.csrf_token = None
    assert stored_secrets(client, app) == before, "the secret is unchanged"

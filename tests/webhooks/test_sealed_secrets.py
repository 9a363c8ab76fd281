"""Webhook signing secrets are sealed at rest: a copy of the database cannot sign.

And what follows from that: old plain rows are sealed at start, a changed SECRET_KEY
stops sending (never unsigned) and says so, and a new secret mends it, on the page
and through the API.
"""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import select

from app.db import utcnow
from app.main import create_app
from app.webhooks.models import Webhook
from app.webhooks.sealing import seal
from app.webhooks.worker import UNREADABLE_SECRET
from tests.api.conftest import Integration
from tests.api.keys import create_api_key
from tests.helpers import text_of
from tests.webhooks.conftest import SECRET, register_ok, webhook_ids
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
    assert deliver() == 1
    assert receiver.got() == [], "never sent unsigned, nor signed with something else"
    assert UNREADABLE_SECRET in community_section(fac, scene.community_id)

    [webhook_id] = webhook_ids(fac.get(f"/communities/{scene.community_id}").text)
    made = fac.post(f"/communities/{scene.community_id}/webhooks/{webhook_id}/new-secret", follow_redirects=True)
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    assert "Copy this new signing secret now. It will not be shown again." in text_of(made.text)
    second = SECRET.search(made.text).group(1)
    assert second != first
    again = fac.get(f"/communities/{scene.community_id}").text
    assert second not in again and "Nothing can be sent" not in again

    # The delivery that was waiting goes at its next try, signed with the new secret.
    assert deliver(now=utcnow() + timedelta(minutes=1)) == 1
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

"""The delivery worker the app starts in its lifespan: it sends without anyone asking,
and stops cleanly when the app shuts down."""

import pytest

from app.config import Settings
from tests.webhooks.conftest import register_ok

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def settings(database_url) -> Settings:
    return Settings(environment="test", database_url=database_url, htmx_source="local", redis_url=None,
                    secret_key="test-secret-key-that-is-long-enough-0123456789", webhook_worker=True)


def test_the_background_worker_sends_within_seconds(scene, receiver, client):
    register_ok(scene.facilitator, scene.community_id, receiver.url(), ["meeting.started"])
    assert scene.facilitator.post(f"/meetings/{scene.meeting_id}/start").status_code == 303
    received = receiver.wait(timeout=15)  # a queue read with a deadline: returns as soon as it arrives
    assert received.json["type"] == "meeting.started"
    assert received.headers["roundtable-signature"].startswith("v1=")

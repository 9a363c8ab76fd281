"""A new SECRET_KEY, with the old one in SECRET_KEY_FALLBACKS, changes nothing people
notice: still signed in and recognised, forms loaded before still post, votes and
icebreaker answers still theirs, webhooks still signed (and sealed again under the
new key). Without the fallback, the old cookies stop working, as they should."""

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.main import create_app
from app.webhooks.models import Webhook
from app.webhooks.sealing import unseal
from app.webhooks.worker import deliver_due
from tests.accounts.test_accounts import log_in
from tests.helpers import text_of
from tests.icebreakers.conftest import answer, launch, part, run_id_in
from tests.questions.test_questions import ask, question_ids, questions_text
from tests.webhooks.conftest import Receiver, register_ok
from tests.webhooks.test_webhooks import verify_as_a_receiver

pytestmark = pytest.mark.timeout(60)

NEW_KEY = "a-new-secret-key-that-is-long-enough-for-production-24680"


@pytest.fixture
def settings(settings):
    """No background delivery worker: the test sends, so no app with the old key alone
    can claim a delivery first."""
    return settings.model_copy(update={"webhook_worker": False})


def restarted(settings, **changes) -> TestClient:
    """The same database, served by an app started with other settings."""
    return TestClient(create_app(settings.model_copy(update=changes)), base_url="http://testserver")


def stored_secret(client: TestClient) -> str:
    async def read():
        async with client.app.state.sessionmaker() as session:
            return (await session.exec(select(Webhook.secret))).one()

    return client.portal.call(read)


def test_a_new_secret_key_with_the_old_as_fallback_changes_nothing_people_notice(scene, settings):
    fac, m = scene.facilitator, scene.meeting_id
    ana = scene.member("Ana")
    receiver = Receiver()
    try:
        secret = register_ok(fac, scene.community_id, receiver.url(), ["meeting.ended"])
        assert fac.post(f"/meetings/{m}/start").status_code == 303
        ask(ana, m, "Will the new pathway mean longer waits?")
        qid = question_ids(ana.get(f"/meetings/{m}").text)[0]
        assert ana.post(f"/meetings/{m}/questions/{qid}/vote", htmx=True).status_code == 200
        launch(fac, m, prompt_id="light-smile")
        run_id = run_id_in(ana.get(f"/meetings/{m}").text)
        assert answer(ana, m, run_id, text="The sunrise").status_code == 200
        form_token = ana.csrf_token  # a page loaded before the key changed

        with restarted(settings, secret_key=NEW_KEY, secret_key_fallbacks=[settings.secret_key]) as client:
            for person in (fac, ana):
                person.client = client
            # The webhook's secret is sealed again under the new key at start.
            assert unseal(NEW_KEY, stored_secret(client)) == secret

            assert "Log out" in text_of(fac.get("/").text), "the organiser is still signed in"
            page = ana.get(f"/meetings/{m}").text
            assert re.search(rf'data-question="{qid}" aria-pressed="true"', page), "Ana's vote is still hers"
            assert "The sunrise" in part(page, "my-icebreaker"), "and so is her answer"

            ana.csrf_token = form_token
            assert ana.post(f"/meetings/{m}/questions/{qid}/vote", htmx=True).status_code == 200
            assert "0 votes" in questions_text(ana, m), "taking her vote back, not voting twice"
            assert answer(ana, m, run_id, text="A good walk").status_code == 200
            # The organiser (known by account, not by a cookie) votes and answers now:
            # both must be written under the new key (checked below, once the old one is gone).
            fac.get(f"/meetings/{m}")
            assert fac.post(f"/meetings/{m}/questions/{qid}/vote", htmx=True).status_code == 200
            assert answer(fac, m, run_id, text="Tea with a friend").status_code == 200
            results = part(fac.get(f"/meetings/{m}").text, "icebreaker-results")
            assert "2 answers," in results and "A good walk" in results, "Ana's changed, not a second one"
            assert "The sunrise" not in results

            assert fac.post(f"/meetings/{m}/end").status_code == 303
            client.portal.call(lambda: deliver_due(client.app.state.sessionmaker, settings=client.app.state.settings))
            verify_as_a_receiver(secret, receiver.wait(timeout=5))

        # Once the old key is dropped, what only it signed no longer works...
        with restarted(settings, secret_key=NEW_KEY, secret_key_fallbacks=[]) as client:
            for person in (fac, ana):
                person.client = client
            fac.get("/")  # a fresh form token, from the new key
            fac.csrf_token, fresh = form_token, fac.csrf_token
            refused = fac.post("/logout/everywhere")
            assert refused.status_code == 403 and "This form has expired" in text_of(refused.text)
            fac.csrf_token = fresh
            assert "Log out" not in text_of(fac.get("/").text), "the old sign-in cookie no longer works"
            assert unseal(NEW_KEY, stored_secret(client)) == secret, "sealed under the new key: still opens"
            # ...but what was written while both were known is under the new one.
            assert log_in(fac, "fran@example.org").status_code == 303
            page = fac.get(f"/meetings/{m}").text
            assert re.search(rf'data-question="{qid}" aria-pressed="true"', page), "the organiser's vote is theirs"
            assert "Tea with a friend" in part(page, "my-icebreaker")
    finally:
        receiver.close()


def test_without_the_fallback_old_cookies_sign_nobody_in(scene, settings):
    fac = scene.facilitator
    with restarted(settings, secret_key=NEW_KEY) as client:
        fac.client = client
        assert "Log out" not in text_of(fac.get("/").text)


@pytest.mark.parametrize("fallback", ["development-only-secret-do-not-use-in-production", "short", " " * 40])
def test_production_refuses_a_weak_fallback_key_and_never_echoes_it(settings, fallback):
    with pytest.raises(ValueError, match="SECRET_KEY_FALLBACKS") as refused:
        settings.model_validate({**settings.model_dump(), "environment": "production", "secret_key": NEW_KEY,
                                 "secret_key_fallbacks": [fallback]})
    assert NEW_KEY not in str(refused.value)

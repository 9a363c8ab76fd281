"""An organiser creates an API key and a webhook in a real browser, with and without
JavaScript: each secret is shown once, and pressing reload neither shows it again nor
makes another."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.people import check_accessible, create_community, no_console_errors, open_browser, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]
JS = pytest.mark.parametrize("js", [True, False], ids=["javascript", "no-javascript"])


def organiser_of_a_new_community(chromium, server, js: bool, what: str):
    """An organiser, signed up in a browser with or without JavaScript, on the page of
    a community just made: (the person, the community's id)."""
    olive = open_browser(chromium, server, "Olive Organiser", js=js)
    sign_up(olive, f"olive-{what}-{'js' if js else 'nojs'}@example.org")
    return olive, create_community(olive, f"{what.capitalize()} test community")


@JS
def test_a_new_key_is_shown_once_and_reload_does_not_make_another(chromium, server, js):
    olive, community_id = organiser_of_a_new_community(chromium, server, js, "key")
    page = olive.page
    page.get_by_label("Name of the system that will use the key").fill("Newsletter")
    page.get_by_role("button", name="Create key").click()
    page.wait_for_url(re.compile(rf"/communities/{community_id}#api-keys$"))
    expect(page.get_by_text("Copy this key now. It will not be shown again.")).to_be_visible()
    expect(page.locator("code.secret")).to_have_text(re.compile(r"^rtk_[A-Za-z0-9_-]{40,}$"))
    keys = page.locator("#api-keys tbody tr")
    expect(keys).to_have_count(1)

    page.reload()
    expect(page.get_by_role("heading", name="API keys for other systems")).to_be_visible()
    expect(page.locator("code.secret")).to_have_count(0)
    expect(page.get_by_text("Copy this key now")).to_have_count(0)
    expect(keys).to_have_count(1)
    expect(keys).to_contain_text("Newsletter")
    no_console_errors([olive])


@JS
def test_a_webhook_secret_is_shown_once_and_can_be_replaced(chromium, server, js):
    olive, community_id = organiser_of_a_new_community(chromium, server, js, "webhook")
    page = olive.page
    page.get_by_label("Address that receives the events").fill("https://hooks.example.org/roundtable")
    page.get_by_label("A meeting starts").check()
    page.get_by_role("button", name="Add webhook").click()
    page.wait_for_url(re.compile(rf"/communities/{community_id}#webhooks$"))
    expect(page.get_by_text("Copy this signing secret now. It will not be shown again.")).to_be_visible()
    first = page.locator("#webhooks code.secret").inner_text()
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{40,}", first)
    if js:  # axe-core runs as a script in the page
        check_accessible([olive], "with a new webhook's secret shown")
    webhooks = page.locator("#webhooks article.webhook")
    expect(webhooks).to_have_count(1)

    page.reload()
    expect(page.locator("#webhooks code.secret")).to_have_count(0)
    expect(webhooks).to_have_count(1)

    # Replacing it takes a second, deliberate step, by keyboard as by mouse.
    page.get_by_text("New signing secret for https://hooks.example.org/roundtable", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("The old secret stops working at once")).to_be_visible()
    if js:
        check_accessible([olive], "with the new-secret step open")
    page.get_by_role("button", name=re.compile("^Make a new signing secret")).click()
    page.wait_for_url(re.compile(rf"/communities/{community_id}#webhooks$"))
    expect(page.get_by_text("Copy this new signing secret now. It will not be shown again.")).to_be_visible()
    second = page.locator("#webhooks code.secret").inner_text()
    assert re.fullmatch(r"whsec_[A-Za-z0-9_-]{40,}", second) and second != first
    page.reload()
    expect(page.locator("#webhooks code.secret")).to_have_count(0)
    expect(webhooks).to_have_count(1)
    no_console_errors([olive])

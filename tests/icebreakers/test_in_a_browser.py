"""Icebreakers in real browsers (Chromium via Playwright, like tests/e2e): the picker
filtered by category, a poll, a pair-up with its countdown and the record, each
state checked with axe-core, with no script errors."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import chromium_path, launch_chromium, screenshots  # noqa: F401  (browser-test fixtures)
from tests.e2e.server import start_server
from tests.e2e.people import (
    DESKTOP, PHONE, check_accessible, expect_news, join, mark_news, no_console_errors, open_browser,
    screenshot, script_free_twin, sign_up, create_community, create_meeting, join_link,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def chromium(chromium_path):  # noqa: F811
    """This module's own Chromium and server (tests/e2e's are scoped to that package),
    so the two never run at once in one thread."""
    with launch_chromium(chromium_path) as browser:
        yield browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app_server = start_server(tmp_path_factory.mktemp("icebreaker-browser"))
    try:
        yield app_server
    finally:
        app_server.stop()


def test_a_poll_and_a_pair_up_in_real_browsers(chromium, server, screenshots):  # noqa: F811
    fran = open_browser(chromium, server, "Fran Facilitator", DESKTOP)
    sign_up(fran, f"fran-{uuid.uuid4().hex[:8]}@example.org")
    meeting_id = create_meeting(fran, create_community(fran, "MSK CoP"), "Icebreaker meeting", ["Welcome"])
    link = join_link(fran)
    pat = open_browser(chromium, server, "Pat", PHONE, phone=True)
    join(pat, link, "Lay member or patient", in_room=False)
    gita = open_browser(chromium, server, "Gita", DESKTOP)
    join(gita, link, "GP", in_room=False)
    people = [fran, pat, gita]
    for person in people:
        mark_news(person)
    page = fran.page

    # The picker shows one category at a time; changing it swaps in just the picker.
    picker = page.locator("#icebreaker-picker")
    expect(picker.locator(".prompt-list legend")).to_have_text("Light and personal: choose a prompt")
    page.get_by_label("Show prompts in this category").select_option(label="Quick polls (8)")
    page.get_by_role("button", name="Show", exact=True).click()
    expect(picker.locator(".prompt-list legend")).to_have_text("Quick polls: choose a prompt")
    assert page.url.endswith(f"/meetings/{meeting_id}"), "no page load: htmx swapped the picker in"
    page.get_by_label(re.compile("How much energy do you have right now")).check()
    page.get_by_role("button", name="Launch this icebreaker").click()
    for person in people:
        expect(person.page.locator("#icebreaker .prompt-text")).to_have_text("How much energy do you have right now?")
    expect_news(pat, "An icebreaker has started: How much energy do you have right now?")

    pat.page.get_by_role("radio", name="Plenty").check()
    pat.page.get_by_role("button", name="Vote").click()
    expect(pat.page.locator("#my-icebreaker")).to_contain_text("Your answer: Plenty")
    gita.page.get_by_role("radio", name="Some", exact=True).check()
    gita.page.get_by_role("button", name="Vote").click()
    for person in people:
        chart = person.page.locator("#icebreaker-results svg[role=img]")
        expect(chart.locator("desc")).to_have_text(re.compile(r"^2 people answered\. .*Some: 1 \(50%\); Plenty: 1 \(50%\)"))
    check_accessible(people, "with a poll running")
    screenshot(fran, screenshots, "icebreaker-poll-facilitator")
    screenshot(pat, screenshots, "icebreaker-poll-phone")

    page.get_by_role("button", name="Close the icebreaker").click()  # the confirm dialog is accepted
    for person in people:
        expect(person.page.locator("#icebreaker")).to_contain_text("No icebreaker is running.")
        expect(person.page.locator("#icebreaker-record summary")).to_contain_text("How much energy")
    expect_news(gita, "The icebreaker has closed.")

    # Pair up, from the work and care category, with a countdown app.js keeps.
    page.get_by_label("Show prompts in this category").select_option(label="Work and care (9)")
    page.get_by_role("button", name="Show", exact=True).click()
    page.get_by_label(re.compile("Share with your partner one thing you hope")).check()
    page.locator("#ib-bank-minutes").fill("3")
    page.get_by_role("button", name="Launch this icebreaker").click()
    for person in people:
        pairs = person.page.locator("#icebreaker-results .pairs li")
        expect(pairs).to_have_count(1)
        expect(pairs).to_contain_text("Pat (Lay member or patient, online) with Gita (GP, online)")
        expect(person.page.locator("#icebreaker .countdown")).to_have_text(re.compile(r"^Time left: [23]:\d\d$"))
    expect_news(pat, re.compile("^Pair up has started"))
    pat.page.reload()
    pat.expect_live()  # the snapshot has arrived, and left her own part alone
    expect(pat.page.locator("#my-icebreaker")).to_have_text(re.compile(r"You are with\s+Gita \(GP\)\."))
    check_accessible(people, "with a pair-up running")
    screenshot(pat, screenshots, "icebreaker-pair-up-phone")

    page.get_by_role("button", name="Close the icebreaker").click()
    # Wait for the pushed record of both icebreakers: opened before it lands, the
    # details would be replaced, closed, by the push.
    expect(page.locator("#icebreaker-record summary")).to_have_count(2)
    page.locator("#icebreaker-record summary", has_text="How much energy").click()
    expect(page.locator("#icebreaker-record details[open] svg[role=img]")).to_be_visible()
    check_accessible([fran], "with the record of closed icebreakers open")
    screenshot(fran, screenshots, "icebreaker-picker-and-record")

    # Without scripts the same page still offers the picker and works as plain forms.
    plain = script_free_twin(chromium, server, fran, DESKTOP)
    plain.page.get_by_label("Show prompts in this category").select_option(label="One-word check-ins (8)")
    plain.page.get_by_role("button", name="Show", exact=True).click()
    expect(plain.page.locator("#icebreaker-picker .prompt-list legend")).to_have_text("One-word check-ins: choose a prompt")
    assert "icebreaker_category=one-word" in plain.page.url
    check_accessible([plain], "without scripts")
    no_console_errors(people)

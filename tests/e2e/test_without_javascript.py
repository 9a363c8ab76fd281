"""With JavaScript switched off (an old phone, a locked-down NHS PC), a member can
still join, read the questions, ask anonymously, vote, and find their breakout room
by reloading: every command is a plain HTML form."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.people import (
    DESKTOP, PHONE, a_live_meeting, ask, check_accessible, fits_width, join, no_console_errors, open_browser,
    question, script_free_twin,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def test_a_member_without_javascript_takes_part_by_reloading(chromium, server, screenshots):
    fran, meeting_id, link = a_live_meeting(chromium, server)
    ana = open_browser(chromium, server, "Ana", DESKTOP)
    join(ana, link, "GP", in_room=False)
    first = "What does 'first contact practitioner' mean?"
    ask(ana, first)
    expect(question(ana, first)).to_have_count(1)

    noel = open_browser(chromium, server, "Noel", PHONE, js=False, phone=True)
    page = noel.page
    join(noel, link, "Lay member or patient", in_room=True, live=False)
    expect(page.locator("#connection")).to_contain_text("Live updates need JavaScript. Reload the page to see the latest.")
    expect(question(noel, first)).to_contain_text("Someone asks")  # reads the questions
    expect(fran.page.locator("#presence")).to_contain_text("Noel")  # joined like anyone else

    # Asks anonymously through the plain form: the page comes back with it.
    mine = "Will there be a paper form for people without email?"
    page.get_by_label("Your question").fill(mine)
    expect(page.get_by_label("Ask anonymously")).to_be_checked()
    page.get_by_role("button", name="Post question").click()
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}#questions-heading$"))
    expect(question(noel, mine)).to_contain_text("Someone asks")
    expect(question(noel, mine)).not_to_contain_text("Noel")
    expect(page.locator("#my-questions")).to_contain_text(mine)  # and can withdraw it later
    expect(question(fran, mine)).to_have_count(1)  # the others see it live

    question(noel, first).get_by_role("button", name=re.compile("^Upvote")).click()
    expect(question(noel, first).locator("button.vote")).to_have_attribute("aria-pressed", "true")
    expect(question(noel, first)).to_contain_text("Upvoted · 1 vote")
    expect(question(ana, first)).to_contain_text("1 vote")
    twin = script_free_twin(chromium, server, noel, PHONE)
    check_accessible([twin], "without JavaScript, in the main room")
    fits_width(twin)

    # The facilitator launches a breakout round; a reload shows Noel their room.
    fran.page.get_by_label("How many", exact=True).fill("1")
    fran.page.get_by_role("button", name="Preview rooms").click()
    fran.page.get_by_role("button", name="Launch: send everyone to their rooms").click()
    expect(ana.page.locator("#breakout-heading")).to_contain_text("You are in: ")
    expect(page.locator("#breakout-heading")).to_have_count(0)  # no live updates without JavaScript
    page.reload()
    expect(page.locator("#breakout-heading")).to_contain_text("You are in: ")
    expect(page.locator("#breakout .timer")).to_contain_text("Ends at ")  # the time, not a countdown

    # The room chat works as a form too.
    page.get_by_label("Message to your room").fill("Hello from Noel, in the room")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#breakout .chat")).to_contain_text("Noel: Hello from Noel, in the room")
    expect(ana.page.locator("#breakout .chat")).to_contain_text("Hello from Noel, in the room")
    twin = script_free_twin(chromium, server, noel, PHONE)
    check_accessible([twin], "without JavaScript, in a breakout room")
    fits_width(twin)
    page.screenshot(path=str(screenshots / "phone-without-javascript.png"), full_page=True)
    no_console_errors([noel, ana, fran])

"""Actions in a real browser: added with the live form, seen by others live, changed on
the action's page and in the community's list; axe-core finds nothing on any of them."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.people import (
    DESKTOP,
    PHONE,
    a_live_meeting,
    check_accessible,
    fits_width,
    join,
    no_console_errors,
    open_browser,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]


def test_actions_live_in_the_room_on_their_own_page_and_in_the_community_list(chromium, server):
    fran, meeting_id, link = a_live_meeting(chromium, server, "Spring meeting")
    ana = open_browser(chromium, server, "Ana", PHONE, phone=True)
    join(ana, link, "Lay member or patient", in_room=False)

    # Ana proposes; Fran sees the proposal live and accepts it; Ana sees it live.
    ana.page.get_by_text("Propose an action").click()
    ana.page.get_by_label("What needs doing").fill("Ask carers which times suit them")
    ana.page.get_by_label("Who will do it (optional), one name per line").fill("Ana")
    ana.page.get_by_role("button", name="Send proposal").click()
    expect(ana.page.locator("#flash")).to_contain_text("Your proposal was sent")
    proposal = fran.page.locator("#actions li.action", has_text="Ask carers")
    expect(proposal).to_contain_text("Proposed by Ana")
    proposal.get_by_role("button", name=re.compile("^Accept")).click()
    expect(ana.page.locator("#actions li.action", has_text="Ask carers")).to_contain_text("Open")

    # Fran adds one directly, with a date already past: it is flagged for everyone.
    fran.page.get_by_text("Add an action", exact=True).click()
    fran.page.get_by_label("What needs doing").fill("Send the audit to the ICB")
    fran.page.get_by_label("Due date (optional)").fill("2024-01-15")
    fran.page.get_by_role("button", name="Add action").click()
    expect(fran.page.locator("#flash")).to_contain_text("shows as overdue")
    expect(ana.page.locator("#actions li.action", has_text="Send the audit")).to_contain_text("Overdue")
    check_accessible([fran, ana], "with actions in the room")
    fits_width(ana)

    # The action's own page: edit, with the history below.
    fran.page.locator("#actions li.action", has_text="Send the audit").get_by_role(
        "link", name=re.compile("^Edit, re-date or re-assign")).click()
    fran.page.get_by_label("Due date", exact=True).fill("2030-02-01")
    fran.page.get_by_label("Progress note (optional, added to the history)").fill("Draft is ready.")
    fran.page.get_by_role("button", name="Save").click()
    expect(fran.page.get_by_role("status")).to_contain_text("Saved.")
    expect(fran.page.locator(".history")).to_contain_text("added a note: Draft is ready.")
    check_accessible([fran], "on the action's page")

    # A stale copy of the same page: the conflict is explained, and is accessible too.
    stale = open_browser(chromium, server, "Fran again", DESKTOP)
    stale.page.context.add_cookies(fran.page.context.cookies())
    stale.page.goto(fran.page.url.split("?")[0])
    fran.page.get_by_label("Status").select_option(label="In progress")
    fran.page.get_by_role("button", name="Save").click()
    expect(fran.page.get_by_role("status")).to_contain_text("Saved.")
    stale.page.get_by_label("Status").select_option(label="Dropped")
    stale.page.get_by_role("button", name="Save").click()
    expect(stale.page.locator("#conflict")).to_contain_text("Someone else changed this action")
    check_accessible([stale], "showing an edit conflict")

    # The community's list, with its views.
    fran.page.goto(f"/meetings/{meeting_id}")
    fran.page.get_by_role("link", name=re.compile("^All of .*actions$")).click()
    expect(fran.page.get_by_role("heading", level=1)).to_contain_text("Actions of")
    fran.page.get_by_role("link", name="By owner").click()
    expect(fran.page.get_by_role("heading", name="Ana (1)")).to_be_visible()
    check_accessible([fran], "on the community's action list")
    no_console_errors([fran, ana])

"""New questions arrive on their own and land where a reload would put them
(app/questions/live.py): the page a facilitator watches always matches the truth."""

import pytest
from playwright.sync_api import expect

from tests.e2e.people import DESKTOP, a_live_meeting, ask, ids_are_unique, join, no_console_errors, open_browser

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

QUESTIONS = ("Who runs the clinic?", "Is there parking?", "What about carers?", "Can we meet online?",
             "Who pays for transport?")


def test_questions_posted_one_after_another_show_in_the_order_a_reload_shows(chromium, server):
    fran, meeting_id, link = a_live_meeting(chromium, server)
    lou = open_browser(chromium, server, "Lou", DESKTOP)
    join(lou, link, "Lay member or patient", in_room=False)
    watched = fran.page.locator("#questions li.question")
    for n, text in enumerate(QUESTIONS, start=1):
        ask(lou, text)
        expect(watched).to_have_count(n)
        if n == 2:  # a vote moves one up, so the next lands in the middle, not at the end
            fran.page.locator("#questions li.question", has_text=QUESTIONS[1]).get_by_role(
                "button", name="Upvote").click()
            expect(fran.page.locator("#questions li.question", has_text=QUESTIONS[1])).to_contain_text("1 vote")
    live_order = ids_are_unique(fran.page, "#questions li.question")
    fran.page.reload()
    expect(watched).to_have_count(len(QUESTIONS))
    assert ids_are_unique(fran.page, "#questions li.question") == live_order
    no_console_errors([fran, lou])

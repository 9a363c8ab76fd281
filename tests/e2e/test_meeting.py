"""A whole meeting in real browsers, as the study's people would have it.

A facilitator and six participants of mixed roles (one in the room, five online,
one of them on a small old phone), each in their own browser context, and the
room display on a projector: join, icebreaker, an anonymous question upvoted and
pinned, a breakout round launched, used and closed, an action agreed and carried
to the next meeting. Every step is checked as it appears, live, in the other
browsers; axe-core checks every page in every state reached; screenshots of the
main pages go to test-artifacts/screenshots/.
"""

import re
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.people import (
    DESKTOP, LAPTOP, PHONE, PROJECTOR, Person, check_accessible, create_community, create_meeting, expect_news,
    fits_width, ids_are_unique, join, join_link, mark_news, no_console_errors, open_browser, screenshot, sign_up,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

AGENDA = ["Welcome", "Icebreaker", "Questions", "Breakouts", "Actions"]
# (name, role as the join form says it, in the room?, screen)
PEOPLE = [
    ("Pat", "Lay member or patient", True, LAPTOP),
    ("Dr Chen", "Clinician", False, DESKTOP),
    ("Gita", "GP", False, DESKTOP),
    ("Cal", "Commissioner", False, DESKTOP),
    ("Ada", "Academic or researcher", False, DESKTOP),
    ("Lou", "Lay member or patient", False, PHONE),
]
QUESTION = "Will the new physio service take self-referrals, or do we still need a GP letter?"
FOLLOW_UP = "Is there a waiting list for the hydrotherapy pool?"
ACTION = "Draft a self-referral leaflet with the lay members"


@dataclass
class Meeting:
    facilitator: Person
    community_id: int
    meeting_id: int
    link: str
    display: Person
    members: list[Person] = field(default_factory=list)

    @property
    def everyone(self) -> list[Person]:
        return [self.facilitator, *self.members]

    @property
    def pages(self) -> list[Person]:
        return [*self.everyone, self.display]

    def member(self, name: str) -> Person:
        return next(p for p in self.members if p.name == name)

    @property
    def phone(self) -> Person:
        return self.member("Lou")


def checked(m: Meeting, state: str) -> None:
    """Every page in this state: axe-core finds nothing, the phone needs no sideways scrolling."""
    check_accessible(m.pages, state)
    if m.members:
        fits_width(m.phone)


# --- the steps ---------------------------------------------------------------------------


def set_up(chromium, server) -> Meeting:
    fran = open_browser(chromium, server, "Fran Facilitator", DESKTOP)
    fran.page.goto("/signup")
    check_accessible([fran], "on the sign-up page")
    sign_up(fran, f"fran-{uuid.uuid4().hex[:8]}@example.org")
    check_accessible([fran], "on the start page, signed in")
    fran.page.goto("/communities/new")
    check_accessible([fran], "on the new community page")
    community_id = create_community(fran, "MSK Community of Practice")
    check_accessible([fran], "on the community page")
    meeting_id = create_meeting(fran, community_id, "Spring meeting", AGENDA)
    link = join_link(fran)

    # The room's projector PC: nobody signs in on it, so it gets the display link.
    fran.page.get_by_role("button", name="Make a display link for a computer nobody signs in on").click()
    display_link = fran.page.get_by_label("Display link").input_value()
    assert re.fullmatch(rf"{re.escape(server.base)}/d/[\w-]{{20,}}", display_link)
    projector = open_browser(chromium, server, "Room display", PROJECTOR)
    projector.page.goto(display_link)
    projector.expect_live()
    display = projector.page
    expect(display.get_by_role("heading", level=1)).to_have_text("Spring meeting")
    expect(display.locator("#display-status")).to_contain_text("Starting soon")
    expect(display.get_by_role("img", name="QR code that opens the join link")).to_be_visible()
    expect(display.locator(".display-url")).to_have_text(link)
    expect(display.get_by_role("button")).to_have_count(0)  # no controls
    expect(display.locator("input, select, textarea, form")).to_have_count(0)

    fran.page.get_by_role("button", name="Start the meeting").click()
    expect(fran.page.locator("#meeting-status")).to_contain_text("The meeting is running now.")
    expect(display.locator("#display-status")).to_contain_text("The meeting is running.")
    return Meeting(fran, community_id, meeting_id, link, projector)


def everyone_joins(m: Meeting, chromium, server) -> None:
    for name, role, in_room, screen in PEOPLE:
        person = open_browser(chromium, server, name, screen, phone=screen is PHONE)
        if screen is PHONE:
            # The join page, then the same page saying what is missing.
            person.page.goto(m.link)
            check_accessible([person], "on the join page")
            person.page.get_by_role("button", name="Join the meeting").click()
            expect(person.page.locator("#display_name")).to_have_attribute("aria-invalid", "true")
            check_accessible([person], "on the join page with errors")
            fits_width(person)
            person.console_errors.clear()  # the browser's report of that 422 answer: expected
        join(person, m.link, role, in_room)
        m.members.append(person)
        # Arrivals appear live for those already here.
        for other in m.everyone[:-1]:
            expect(other.page.locator("#presence")).to_contain_text(name)
    for person in m.everyone:
        page = person.page
        expect(page.locator("#presence li[id^=person-]")).to_have_count(7)
        expect(page.locator("#presence-heading")).to_contain_text("(7, 1 in the room)")  # the display is nobody
        assert len(ids_are_unique(page, "#presence li[id^=person-]")) == 7
    pat = m.member("Pat").page
    expect(pat.locator("#presence li", has_text="Pat")).to_contain_text("In the room")  # said in words, not colour
    expect(pat.locator("#presence li", has_text="Lou")).to_contain_text("Online")
    for person in m.everyone:
        mark_news(person)
    checked(m, "once everyone has joined")


def agenda_moves_on(m: Meeting, item: str, following: str | None) -> None:
    m.facilitator.page.get_by_role("button", name=f"Move to: {item}").click()
    for person in m.everyone:
        expect(person.page.locator("#agenda .now")).to_have_text(f"Now: {item}")
    expect(m.display.page.locator("#display-agenda")).to_contain_text(item)
    if following:
        expect(m.display.page.locator("#display-agenda")).to_contain_text(f"Next: {following}")
    expect_news(m.phone, f"Now on the agenda: {item}.")


def icebreaker(m: Meeting, folder) -> None:
    fran, display = m.facilitator.page, m.display.page
    prompt = "In one word: how are you arriving today?"
    fran.locator("summary", has_text="Write one on the spot").click()
    fran.get_by_label("Prompt", exact=True).fill(prompt)
    fran.get_by_label("How people answer").select_option(label="One word")
    fran.get_by_role("button", name="Launch", exact=True).click()
    for person in m.members:
        expect(person.page.locator("#icebreaker")).to_contain_text(prompt)
    expect(display.locator("#icebreaker-display")).to_contain_text(prompt)
    checked(m, "with an icebreaker running")

    for name, word in (("Pat", "hopeful"), ("Lou", "curious"), ("Dr Chen", "hopeful")):
        page = m.member(name).page
        page.get_by_label("Your word").fill(word)
        page.get_by_role("button", name="Send my word").click()
        expect(page.locator("#my-icebreaker")).to_contain_text(word)
    for page in (fran, display, m.member("Gita").page):
        results = page.locator("#icebreaker-results" if page is not display else "#icebreaker-display")
        expect(results.locator(".word-cloud li", has_text="hopeful")).to_contain_text("(2)")
        expect(results.locator(".word-cloud li", has_text="curious")).to_contain_text("(1)")
    screenshot(m.display, folder, "room-display-icebreaker")
    checked(m, "with icebreaker answers")

    fran.get_by_role("button", name="Close the icebreaker").click()
    for person in m.members:
        expect(person.page.locator("#icebreaker")).to_contain_text("No icebreaker is running.")
    expect(display.locator("#icebreaker-display")).to_contain_text("No icebreaker is running.")
    expect(display.locator(".display-icebreaker")).to_be_hidden()  # an idle panel is no use on a projector


def anonymous_question(m: Meeting) -> None:
    lou = m.phone.page
    lou.get_by_label("Your question").fill(QUESTION)
    expect(lou.get_by_label("Ask anonymously")).to_be_checked()
    lou.get_by_role("button", name="Post question").click()
    expect(lou.locator("#flash")).to_contain_text("Your question was posted.")
    expect(lou.get_by_label("Your question")).to_have_value("")
    for person in m.everyone:
        question = person.page.locator("#questions li.question", has_text=QUESTION)
        expect(question).to_have_count(1)
        expect(question.locator(".asker")).to_contain_text("Someone asks")
        expect(question).not_to_contain_text("Lou")
    expect_news(m.member("Gita"), "A new question was posted.")

    for count, name in enumerate(("Pat", "Gita", "Cal"), start=1):
        page = m.member(name).page
        vote = page.locator("#questions li.question", has_text=QUESTION).get_by_role("button", name=re.compile("^Upvote"))
        vote.click()
        mine = page.locator("#questions li.question", has_text=QUESTION).locator("button.vote")
        expect(mine).to_have_attribute("aria-pressed", "true")
        expect(mine).to_contain_text("Upvoted")  # in words too, not only the button's colour
        votes = f"{count} vote" if count == 1 else f"{count} votes"
        for other in (m.facilitator, m.phone):
            expect(other.page.locator("#questions li.question", has_text=QUESTION)).to_contain_text(votes)
    checked(m, "with an upvoted anonymous question")

    # Pat asks too. Posting changes no votes, so the reply leaves the page's record of
    # them alone: the list pushed next (the pin) still shows Pat's upvote as theirs.
    pat = m.member("Pat").page
    pat.get_by_label("Your question").fill(FOLLOW_UP)
    pat.get_by_role("button", name="Post question").click()
    expect(pat.locator("#flash")).to_contain_text("Your question was posted.")
    expect(pat.locator("#questions li.question", has_text=FOLLOW_UP)).to_have_count(1)

    m.facilitator.page.locator("#questions li.question", has_text=QUESTION).get_by_role(
        "button", name=re.compile("^Pin to top")).click()
    for person in m.everyone:
        pinned = person.page.locator("#questions .pinned-list li.question", has_text=QUESTION)
        expect(pinned).to_contain_text("Pinned")
        ids_are_unique(person.page, "#questions li.question")
    on_display = m.display.page.locator("#display-question")
    expect(on_display).to_contain_text(QUESTION)
    expect(on_display).to_contain_text("Asked anonymously · 3 votes")
    pats_vote = pat.locator("#questions .pinned-list li.question", has_text=QUESTION).locator("button.vote")
    expect(pats_vote).to_have_attribute("aria-pressed", "true")
    expect_news(m.phone, re.compile("^A question was pinned to the top: Will the new physio"))
    checked(m, "with a pinned question")


def breakout_round(m: Meeting, folder) -> None:
    fran, display = m.facilitator.page, m.display.page
    fran.get_by_label("How many", exact=True).fill("2")
    fran.get_by_label("Minutes", exact=True).fill("10")
    fran.get_by_label("Task for every room (optional)").fill("What would make self-referral work for you?")
    fran.get_by_role("button", name="Preview rooms").click()
    expect(fran.locator("#breakout-control")).to_contain_text("preview, not yet launched")
    expect(m.phone.page.locator("#breakout-heading")).to_have_count(0)  # a preview is the facilitator's alone
    checked(m, "with a breakout preview")

    fran.get_by_role("button", name="Launch: send everyone to their rooms").click()
    rooms: dict[str, list[Person]] = {}
    for person in m.members:
        heading = person.page.locator("#breakout-heading")
        expect(heading).to_contain_text("You are in: ")
        rooms.setdefault(heading.inner_text().removeprefix("You are in: "), []).append(person)
        expect(person.page.locator("#breakout .timer")).to_have_text(re.compile(r"^Time left: (10:00|9:[0-5]\d)$"))
    assert len(rooms) == 2, rooms
    expect_news(m.phone, re.compile(r"^Breakout rooms have started\. You are in "))
    on_display = display.locator("#display-breakout")
    expect(on_display).to_contain_text("Breakout round 1")
    expect(on_display.locator(".timer")).to_have_text(re.compile(r"^Time left: (10:00|9:[0-5]\d)$"))
    expect(on_display).to_contain_text("Pat")  # the person in the room sees their table on the projector
    screenshot(m.display, folder, "room-display")

    # A room talks and keeps notes; the other room sees none of it.
    room, people = next((r, p) for r, p in rooms.items() if len(p) >= 2)
    others = [p for r, ps in rooms.items() if r != room for p in ps]
    writer = people[0]
    hello = f"Hello from {writer.name}: I'll take the notes."
    writer.page.get_by_label("Message to your room").fill(hello)
    writer.page.get_by_role("button", name="Send", exact=True).click()
    for person in people:
        expect(person.page.locator("#breakout .chat")).to_contain_text(hello)
    expect(writer.page.get_by_label("Message to your room")).to_have_value("")  # ready for the next one
    for person in people[1:]:
        expect_news(person, f"Room chat, {writer.name}: {hello}")
    notes = "Self-referral works if the form is short and there is a phone option."
    writer.page.get_by_label("Your room's notes").fill(notes)
    writer.page.get_by_role("button", name="Save notes").click()
    for person in people[1:]:
        expect(person.page.locator("#breakout .saved-notes")).to_contain_text(notes)
    for person in others:
        expect(person.page.locator("#breakout-heading")).not_to_have_text(f"You are in: {room}")
        expect(person.page.locator("#breakout")).not_to_contain_text(hello)
    screenshot(m.facilitator, folder, "facilitator")
    screenshot(m.member("Dr Chen"), folder, "member")
    screenshot(m.phone, folder, "phone")
    checked(m, "during a breakout round")

    fran.get_by_role("button", name="Close the round and bring everyone back").click()
    for person in m.members:
        report = person.page.locator("#breakout")
        expect(report).to_contain_text("Back together: what the rooms reported (round 1)")
        expect(report).to_contain_text(notes)
    expect(display.locator("#display-breakout")).not_to_contain_text("Breakout round")
    expect_news(m.phone, "The breakout round has ended. Everyone is back together.")
    checked(m, "after the breakout round")


def action_agreed(m: Meeting) -> date:
    fran = m.facilitator.page
    due = date.today() + timedelta(days=21)
    fran.locator("summary", has_text="Add an action").click()
    fran.get_by_label("What needs doing").fill(ACTION)
    fran.get_by_label("Who will do it (optional), one name per line").fill("Dr Chen")
    fran.get_by_label("Due date (optional)").fill(due.isoformat())
    fran.get_by_role("button", name="Add action").click()
    for person in m.everyone:
        agreed = person.page.locator("#actions li.action", has_text=ACTION)
        expect(agreed).to_have_count(1)
        expect(agreed).to_contain_text("Owner: Dr Chen")
        expect(agreed).to_contain_text("Open")
    expect_news(m.phone, "An action was added.")
    checked(m, "with an action agreed")

    fran.get_by_role("button", name="End the meeting").click()
    for person in m.members:
        expect(person.page.locator("#meeting-status")).to_contain_text("The meeting has ended.")
    expect(m.display.page.locator("#display-status")).to_contain_text("The meeting has ended.")
    checked(m, "after the meeting ended")
    return due


def next_meeting_carries_the_action(m: Meeting) -> None:
    fran = m.facilitator
    summer = create_meeting(fran, m.community_id, "Summer meeting", ["Actions from last time", "Updates"])
    assert summer != m.meeting_id
    carried = fran.page.locator("#actions li.action", has_text=ACTION)
    expect(fran.page.locator("#carried-heading")).to_have_text("Carried over from earlier meetings (1)")
    expect(carried).to_contain_text("Owner: Dr Chen")
    expect(carried).to_contain_text("Carried from")
    fran.page.get_by_role("button", name="Start the meeting").click()

    chen = m.member("Dr Chen")
    join(chen, join_link(fran), "Clinician", in_room=False)
    mine = chen.page.locator("#actions li.action", has_text=ACTION)
    expect(mine).to_contain_text("Open")
    fran.page.locator("#actions li.action", has_text=ACTION).get_by_role("button", name=re.compile("^Started")).click()
    expect(mine).to_contain_text("In progress")  # live, in the owner's browser
    check_accessible([fran, chen], "in the next meeting")


def test_a_whole_meeting_in_real_browsers(chromium, server, screenshots):
    m = set_up(chromium, server)
    check_accessible([m.facilitator, m.display], "before anyone joined")
    everyone_joins(m, chromium, server)
    agenda_moves_on(m, "Welcome", "Icebreaker")
    agenda_moves_on(m, "Icebreaker", "Questions")
    icebreaker(m, screenshots)
    agenda_moves_on(m, "Questions", "Breakouts")
    anonymous_question(m)
    agenda_moves_on(m, "Breakouts", "Actions")
    breakout_round(m, screenshots)
    agenda_moves_on(m, "Actions", None)
    action_agreed(m)
    next_meeting_carries_the_action(m)
    no_console_errors(m.pages)

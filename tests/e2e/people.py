"""People in a browser: each in their own Chromium context (own cookies, own device
size), doing what a person does through the real pages, plus the checks every
page gets (axe-core, console errors, screenshots).

Never a sleep: Playwright's `expect` waits for what a person would see, with a
timeout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

LIVE = "Live: updates appear by themselves."
RECONNECTED = "Reconnected. You are seeing the latest."
LOST = "Connection lost. Trying to reconnect…"
DESKTOP = {"width": 1280, "height": 900}
LAPTOP = {"width": 1024, "height": 768}
PHONE = {"width": 320, "height": 568}  # an old, small phone (and WCAG's 320 px reflow width)
PROJECTOR = {"width": 1920, "height": 1080}
PASSWORD = "correct horse battery staple"
# WCAG 2.0-2.2 A and AA, plus axe's best practices (landmarks, headings, …): every
# rule axe runs by default, and WCAG 2.2's target size (2.5.8), which it does not.
AXE_OPTIONS = {"resultTypes": ["violations"], "rules": {"target-size": {"enabled": True}}}


@dataclass
class Person:
    name: str
    page: Page
    role: str = ""
    in_room: bool = False
    console_errors: list[str] = field(default_factory=list)

    @property
    def connection(self):
        return self.page.locator("#connection")

    def expect_live(self, text: str = LIVE) -> None:
        expect(self.connection).to_have_text(text)


def open_browser(chromium: Browser, server, name: str, viewport: dict | None = None, js: bool = True,
                 phone: bool = False) -> Person:
    context = chromium.new_context(
        base_url=server.base, viewport=viewport or DESKTOP, java_script_enabled=js, is_mobile=phone,
        has_touch=phone, locale="en-GB", timezone_id="Europe/London", reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    person = Person(name, page)
    page.on("dialog", lambda dialog: dialog.accept())  # "End the meeting for everyone?" → OK

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url") or page.url
            person.console_errors.append(f"{message.text} (at {where})")

    page.on("console", console)
    page.on("pageerror", lambda error: person.console_errors.append(str(error)))
    return person


# --- a facilitator sets up, through the real pages -----------------------------------


def sign_up(person: Person, email: str) -> None:
    page = person.page
    page.goto("/signup")
    page.get_by_label("Your name").fill(person.name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Signed in as {person.name}")).to_be_visible()


def create_community(person: Person, name: str) -> int:
    page = person.page
    page.goto("/communities/new")
    page.locator("#name").fill(name)
    page.get_by_role("button", name="Create community").click()
    page.wait_for_url(re.compile(r"/communities/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def create_meeting(person: Person, community_id: int, title: str, agenda: list[str], venue: str = "Room 2") -> int:
    page = person.page
    page.goto(f"/communities/{community_id}")
    page.locator("#title").fill(title)
    page.locator("#venue").fill(venue)
    page.locator("#agenda").fill("\n".join(agenda))
    page.get_by_role("button", name="Create meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    person.expect_live()
    return int(page.url.rsplit("/", 1)[1])


def join_link(person: Person) -> str:
    return person.page.locator("#join-url").input_value()


# --- a member joins -----------------------------------------------------------------------


def join(person: Person, link: str, role_label: str, in_room: bool, live: bool = True) -> int:
    page = person.page
    page.goto(link)
    page.get_by_label("Your name, as others will see it").fill(person.name)
    page.get_by_label("Which best describes you?").select_option(label=role_label)
    page.get_by_label("In the room" if in_room else "Online, from my own device").check()
    page.get_by_role("button", name="Join the meeting").click()
    page.wait_for_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    if live:
        person.expect_live()
    person.role, person.in_room = role_label, in_room
    return int(page.url.rsplit("/", 1)[1])


# --- checks every page gets ---------------------------------------------------------------


_AXE_SCRIPT: list[str] = []


def _start_axe(page: Page) -> None:
    """Start axe-core (the copy axe-playwright-python ships) on the page as it is
    now, without waiting: each person's page runs in its own browser process, so
    several pages are checked at once. Injected once per document."""
    import json

    from axe_playwright_python.sync_playwright import Axe

    if not _AXE_SCRIPT:
        _AXE_SCRIPT.append(Axe().axe_script)
    if page.evaluate("() => typeof window.axe") == "undefined":
        page.evaluate(_AXE_SCRIPT[0])
    page.evaluate(f"() => {{ window.axeResults = axe.run(document, {json.dumps(AXE_OPTIONS)}); }}")


def _axe_results(page: Page) -> list[dict]:
    return page.evaluate("() => window.axeResults")["violations"]


def axe_violations(page: Page) -> list[dict]:
    _start_axe(page)
    return _axe_results(page)


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']}")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"      {node['html'][:200]}")
    return "\n".join(lines)


def check_accessible(people: list[Person], state: str) -> None:
    """axe-core on each page as it is now; all problems reported together."""
    problems = []
    for person in people:
        _start_axe(person.page)
    for person in people:
        found = _axe_results(person.page)
        if found:
            problems.append(f"{person.name}'s page ({person.page.url}) {state}:\n{describe(found)}")
    assert not problems, "axe-core found accessibility problems:\n" + "\n".join(problems)


def screenshot(person: Person, folder: Path, name: str) -> None:
    person.page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def no_console_errors(people: list[Person]) -> None:
    """No script errors and no Content-Security-Policy refusals in any page."""
    found = {p.name: p.console_errors for p in people if p.console_errors}
    assert not found, f"errors in the browser console: {found}"


def ids_are_unique(page: Page, selector: str) -> list[str]:
    """The ids of the elements matching selector, asserting none appears twice."""
    ids = page.locator(selector).evaluate_all("els => els.map(e => e.id)")
    assert len(ids) == len(set(ids)), f"duplicated on {page.url}: {sorted(ids)}"
    return ids


def fits_width(person: Person) -> None:
    """Nothing wider than the screen: no sideways scrolling (WCAG 1.4.10 reflow)."""
    widths = person.page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert widths[0] <= widths[1], f"{person.name}'s page scrolls sideways: {widths[0]} px content in {widths[1]} px"


def mark_news(person: Person) -> None:
    """Tag the page's lasting live-news element, to prove later it was never replaced."""
    person.page.locator("#live-news").evaluate("el => { el.dataset.lasting = 'yes'; }")


def expect_news(person: Person, text: str | re.Pattern) -> None:
    """A screen reader hears this: the sentence arrived in the same aria-live
    element the page had before (a freshly inserted live region is often not read)."""
    news = person.page.locator("#live-news[aria-live=polite][data-lasting=yes]")
    expect(news).to_have_text(text)


def a_live_meeting(chromium, server, title: str = "Autumn meeting",
                   agenda: tuple[str, ...] = ("Welcome", "Questions")) -> tuple[Person, int, str]:
    """A signed-up facilitator with a started meeting: (facilitator, meeting id, join link)."""
    import uuid

    fran = open_browser(chromium, server, "Fran Facilitator", DESKTOP)
    sign_up(fran, f"fran-{uuid.uuid4().hex[:8]}@example.org")
    community_id = create_community(fran, "MSK Community of Practice")
    meeting_id = create_meeting(fran, community_id, title, list(agenda))
    fran.page.get_by_role("button", name="Start the meeting").click()
    expect(fran.page.locator("#meeting-status")).to_contain_text("The meeting is running now.")
    return fran, meeting_id, join_link(fran)


def ask(person: Person, text: str) -> None:
    page = person.page
    page.get_by_label("Your question").fill(text)
    page.get_by_role("button", name="Post question").click()
    expect(page.locator("#flash")).to_have_text("Your question was posted.")
    # The flash may still be the last question's: the form emptied is this one's answer.
    expect(page.get_by_label("Your question")).to_have_value("")


def question(person: Person, text: str):
    return person.page.locator("#questions li.question", has_text=text)


def script_free_twin(chromium: Browser, server, person: Person, viewport: dict) -> Person:
    """The same page, as the same person, with none of the page's scripts running.

    A context with JavaScript switched off cannot run axe-core (Playwright cannot
    evaluate anything there), so the checks run on a twin that blocks every script
    the page asks for: what it shows is what a browser without JavaScript shows."""
    twin = open_browser(chromium, server, f"{person.name} (no scripts)", viewport)
    twin.page.context.route("**/*.js", lambda route: route.abort())
    twin.page.context.add_cookies(person.page.context.cookies())
    twin.page.goto(person.page.url)
    twin.console_errors.clear()  # the blocked scripts, reported as failed loads
    return twin

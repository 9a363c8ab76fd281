"""Everything with the keyboard alone, with focus always visible (WCAG 2.1.1, 2.4.7,
2.4.11): a member joins and asks a question without touching the mouse."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.people import DESKTOP, a_live_meeting, no_console_errors, open_browser, question

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

FOCUS_STATE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    id: el.id, tag: el.tagName, text: (el.innerText || el.value || '').trim().slice(0, 60),
    visible: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2 || style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.top < innerHeight
              && box.right > 0 && box.left < innerWidth,
  };
}"""


def tab_to(page: Page, matches: str, limit: int = 60, backwards: bool = False) -> dict:
    """Press Tab until the focused element matches the CSS selector; every stop on
    the way must show where the focus is, on screen."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        state = page.evaluate(FOCUS_STATE)
        assert state is not None, "focus went nowhere"
        assert state["visible"], f"no visible focus indicator on {state}"
        assert state["onScreen"], f"the focused element is off screen: {state}"
        if page.evaluate("sel => document.activeElement.matches(sel)", matches):
            return state
    raise AssertionError(f"{matches} not reached with {limit} presses of Tab")


def test_a_member_joins_and_asks_with_the_keyboard_alone(chromium, server):
    fran, meeting_id, link = a_live_meeting(chromium, server)
    kim = open_browser(chromium, server, "Kim", DESKTOP)
    page = kim.page
    page.goto(link)

    skip = tab_to(page, "a.skip-link")
    assert skip["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()

    tab_to(page, "#display_name")
    page.keyboard.type("Kim")
    tab_to(page, "#role")
    page.keyboard.type("Clin")  # a closed list box picks the option as you type
    expect(page.locator("#role")).to_have_value("clinician")
    tab_to(page, "input[name=in_room]:checked")
    page.keyboard.press("ArrowDown")  # radio buttons: arrows choose
    expect(page.locator("#in_room_true")).to_be_checked()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#in_room_false")).to_be_checked()
    tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/meetings/{meeting_id}$"))
    kim.expect_live()
    expect(fran.page.locator("#presence")).to_contain_text("Kim")

    text = "Could the leaflet come in large print?"
    tab_to(page, "#question-body")
    page.keyboard.type(text)
    state = tab_to(page, "input[name=attribution]:checked")
    assert state["id"] == "attr-anonymous"
    tab_to(page, "form[action$='/questions'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#flash")).to_contain_text("Your question was posted.")
    expect(question(kim, text)).to_contain_text("Someone asks")
    expect(question(fran, text)).to_have_count(1)

    # Upvote with the space bar; the live update that follows keeps the focus where it was.
    tab_to(page, "button.vote")
    page.keyboard.press("Space")
    expect(question(kim, text).locator("button.vote")).to_have_attribute("aria-pressed", "true")
    expect(question(fran, text)).to_contain_text("1 vote")
    expect(question(kim, text).locator("button.vote")).to_be_focused()
    expect(page.locator("#connection")).to_have_text("Live: updates appear by themselves.")
    no_console_errors([kim, fran])

"""Text scales to 200% without loss (WCAG 1.4.4) and pages reflow at 320 CSS
pixels (1.4.10): nothing needs sideways scrolling, nothing is cut off."""

import pytest
from playwright.sync_api import expect

from tests.e2e.people import (
    DESKTOP, PROJECTOR, a_live_meeting, ask, join, open_browser, question,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# Every element whose content is wider than its box and hidden or clipped, and
# every visible element that reaches past the right edge of the page.
LOSSES = """() => {
  const found = [];
  const width = document.documentElement.clientWidth;
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden' || el.closest('.visually-hidden')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    // A text field scrolls its own value (the cursor reaches all of it): not a loss.
    const field = ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
    const clips = !field && (['hidden', 'clip'].includes(style.overflowX) || ['hidden', 'clip'].includes(style.overflowY));
    if (clips && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) {
      found.push('cut off: ' + el.outerHTML.slice(0, 120));
    }
    if (box.right > width + 1) found.push('past the right edge: ' + el.outerHTML.slice(0, 120));
  }
  if (document.documentElement.scrollWidth > width) found.push('the page scrolls sideways');
  return found.slice(0, 10);
}"""


def no_loss(page, what: str) -> None:
    found = page.evaluate(LOSSES)
    assert not found, f"{what}: " + "\n".join(found)


def test_pages_keep_everything_at_twice_the_text_size(chromium, server):
    fran, meeting_id, link = a_live_meeting(chromium, server, "Large print meeting")
    fran.page.get_by_role("button", name="Make a display link for a computer nobody signs in on").click()
    display_link = fran.page.get_by_label("Display link").input_value()
    sam = open_browser(chromium, server, "Samantha-Jane Okonkwo-Whitfield", DESKTOP)
    join(sam, link, "Lay member or patient", in_room=False)
    ask(sam, "Is there a version of the physiotherapy self-referral form in Welsh, and in large print?")
    expect(question(fran, "Welsh")).to_have_count(1)
    fran.page.get_by_label("How many", exact=True).fill("1")
    fran.page.get_by_role("button", name="Preview rooms").click()
    fran.page.get_by_role("button", name="Launch: send everyone to their rooms").click()
    expect(sam.page.locator("#breakout-heading")).to_contain_text("You are in: ")
    projector = open_browser(chromium, server, "Projector", PROJECTOR)
    projector.page.goto(display_link)
    projector.expect_live()
    joining = open_browser(chromium, server, "Newcomer", DESKTOP)
    joining.page.goto(link)

    for person in (sam, fran, projector, joining):
        page = person.page
        # Text alone at 200% (the reader's own text size setting).
        page.evaluate("() => { document.documentElement.style.fontSize = '225%'; }")  # 2 × the page's 112.5%
        no_loss(page, f"{person.name}'s page with text at 200%")
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
        # The whole page zoomed to 200%, and to 400% (the same as a 320 px wide screen).
        for zoomed in ({"width": 640, "height": 450}, {"width": 320, "height": 225}):
            page.set_viewport_size(zoomed)
            no_loss(page, f"{person.name}'s page at {zoomed['width']} px wide")
        page.set_viewport_size(DESKTOP)

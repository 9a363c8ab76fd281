"""The room display: a projector view for the people in the room, with no controls,
that is nobody (never in "Who is here"), opened by a signed-in facilitator or with
a secret display link that can be replaced or switched off."""

import base64
import re

import pytest
from playwright.sync_api import expect

from app.meetings.pages import join_qr_svg
from tests.e2e.people import (
    PROJECTOR, a_live_meeting, check_accessible, join, join_link, no_console_errors, open_browser, screenshot,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def qr_shows(display_page, link: str) -> None:
    """The QR code on the display is the server's rendering of exactly this link."""
    img = display_page.get_by_role("img", name="QR code that opens the join link")
    expect(img).to_be_visible()
    src = img.get_attribute("src")
    assert src.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(src.split(",", 1)[1]) == join_qr_svg(link, scale=10)
    expect(display_page.locator(".display-url")).to_have_text(link)


def test_a_facilitator_puts_their_own_view_on_the_projector(chromium, server, screenshots):
    fran, meeting_id, link = a_live_meeting(chromium, server, "Projector meeting")
    fran.page.get_by_role("link", name="Open the room display").click()
    fran.page.wait_for_url(re.compile(rf"/meetings/{meeting_id}/display$"))
    fran.expect_live()
    display = fran.page
    expect(display.get_by_role("heading", level=1)).to_have_text("Projector meeting")
    qr_shows(display, link)
    expect(display.locator("button, input, select, textarea, form")).to_have_count(0)
    expect(display.get_by_role("link")).to_have_count(0)
    check_accessible([fran], "on the facilitator's room display")

    # The facilitator's own meeting page, in a second tab: the display is nobody.
    room = fran.page.context.new_page()
    room.goto(f"/meetings/{meeting_id}")
    expect(room.locator("#presence li[id^=person-]")).to_have_count(1)
    expect(room.locator("#presence-heading")).to_contain_text("(1)")

    # Replacing the join link changes the projector's QR code, live.
    room.get_by_role("button", name="Replace with a new link").click()
    new_link = room.get_by_label("Join link").input_value()
    assert new_link != link
    expect(display.locator(".display-url")).to_have_text(new_link)
    qr_shows(display, new_link)
    room.get_by_role("button", name="Switch the link off").click()
    expect(display.locator("#display-join")).to_contain_text("The join link is switched off at the moment.")
    expect(display.get_by_role("img")).to_have_count(0)
    screenshot(fran, screenshots, "room-display-join-link-off")
    no_console_errors([fran])


def test_members_cannot_open_the_display_and_a_switched_off_link_stops_working(chromium, server):
    fran, meeting_id, link = a_live_meeting(chromium, server, "Display link meeting")
    member = open_browser(chromium, server, "Mo")
    join(member, link, "Service manager", in_room=True)
    response = member.page.goto(f"/meetings/{meeting_id}/display")
    assert response.status == 403
    expect(member.page.get_by_role("heading", level=1)).to_have_text("Not allowed")
    member.page.go_back()
    member.expect_live()

    fran.page.get_by_role("button", name="Make a display link for a computer nobody signs in on").click()
    first = fran.page.get_by_label("Display link").input_value()
    projector = open_browser(chromium, server, "Projector", PROJECTOR)
    projector.page.goto(first)
    projector.expect_live()
    qr_shows(projector.page, join_link(fran))
    expect(member.page.locator("#presence li[id^=person-]")).to_have_count(2)  # Fran and Mo, not the projector
    check_accessible([projector], "on the display opened with its link")

    # Replaced: the projector still on the old link is told so, plainly, and stops.
    fran.page.get_by_role("button", name="Replace with a new display link").click()
    second = fran.page.get_by_label("Display link").input_value()
    assert second != first
    expect(projector.connection).to_have_text(
        "This display has been switched off. Ask the facilitator for the current display link.")
    response = projector.page.goto(first)
    assert response.status == 404
    expect(projector.page.locator("main")).to_contain_text("This display link does not work.")

    projector.page.goto(second)
    projector.expect_live()
    fran.page.get_by_role("button", name="Move to: Welcome").click()
    expect(projector.page.locator("#display-agenda")).to_contain_text("Welcome")
    fran.page.get_by_role("button", name="Switch the display link off").click()
    expect(projector.connection).to_have_text(
        "This display has been switched off. Ask the facilitator for the current display link.")
    expect(fran.page.get_by_role("button", name="Make a display link for a computer nobody signs in on")).to_be_visible()
    assert projector.page.goto(second).status == 404
    # The browser reports the 404 pages it was sent; nothing else went wrong.
    for person in (member, projector):
        person.console_errors[:] = [e for e in person.console_errors if "status of 40" not in e]
    no_console_errors([fran, member, projector])

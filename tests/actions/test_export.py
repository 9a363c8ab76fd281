"""Exports read by standard libraries: a CSV of a filtered list and the calendar feed."""

import csv
import io
import re
from datetime import date

import icalendar
import pytest

from app.actions.export import safe_cell
from tests.actions.conftest import action_ids, actions_region, add_action
from tests.helpers import sign_up, text_of

pytestmark = pytest.mark.timeout(30)


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_the_csv_export_follows_the_filters_and_defuses_formulas(scene):
    fac = scene.facilitator
    add_action(fac, scene.meeting_id, '=HYPERLINK("http://evil.example","Click")', owners="@Ana\nDev",
               description="-2+3, with \"quotes\",\nand a second line", due_date="2027-01-20")
    add_action(fac, scene.meeting_id, "Plain action", owners="Dev", due_date="2020-06-01")
    plain = action_ids(actions_region(fac, scene.meeting_id))[1]

    everything = rows(fac.get(f"/communities/{scene.community_id}/actions.csv"))
    assert [r["title"] for r in everything] == ["Plain action", "'=HYPERLINK(\"http://evil.example\",\"Click\")"]
    risky = everything[1]
    assert risky["owners"] == "'@Ana; Dev"
    assert risky["description"] == "'-2+3, with \"quotes\",\nand a second line"
    assert risky["due_date"] == "2027-01-20" and risky["status"] == "Open" and risky["overdue"] == "no"
    assert risky["meeting"].startswith("Spring meeting (")
    assert everything[0]["overdue"] == "yes" and everything[0]["id"] == str(plain)
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in everything for cell in r.values())

    assert [r["title"] for r in rows(fac.get(f"/communities/{scene.community_id}/actions.csv?overdue=1"))] == \
        ["Plain action"]
    assert [r["title"] for r in rows(fac.get(f"/communities/{scene.community_id}/actions.csv?q=hyperlink"))] == \
        ["'=HYPERLINK(\"http://evil.example\",\"Click\")"]
    # The page's download link carries the page's filters.
    page = fac.get(f"/communities/{scene.community_id}/actions?owner=dev&status=open").text
    assert f'href="/communities/{scene.community_id}/actions.csv?owner=dev&amp;status=open"' in page


@pytest.mark.parametrize("value, expected", [("=1+1", "'=1+1"), ("+44 20", "'+44 20"), ("-x", "'-x"),
                                             ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Fine", "Fine"),
                                             ("2027-01-01", "2027-01-01"), (None, "")])
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def feed_url_from(page: str) -> str:
    found = re.search(r'id="feed-url" class="copy secret" readonly value="([^"]+)"', page)
    assert found, "the new address is shown once"
    return found.group(1).replace("http://testserver", "")


def parse_calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def events(calendar) -> dict[str, icalendar.Event]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_calendar_feed_parses_keeps_uids_and_can_be_replaced_or_switched_off(scene, client):
    fac = scene.facilitator
    add_action(fac, scene.meeting_id, "Write to the ICB", owners="Ana\nDev", due_date="2027-03-04",
               description="Ask about funding; bring the audit")
    add_action(fac, scene.meeting_id, "Undated action")
    add_action(fac, scene.meeting_id, "Finished action", due_date="2027-03-05")
    icb, _, finished = action_ids(actions_region(fac, scene.meeting_id))
    fac.post(f"/meetings/{scene.meeting_id}/actions/{finished}/status", {"status": "done", "version": "1"})

    page = fac.post(f"/communities/{scene.community_id}/actions/feed").text
    url = feed_url_from(page)
    assert re.fullmatch(r"/feeds/actions/[A-Za-z0-9_-]{43}\.ics", url)
    assert "feed-url" not in fac.get(f"/communities/{scene.community_id}/actions").text, "shown only once"

    anyone = client.get(url)  # no cookies: a calendar app
    calendar = parse_calendar(anyone)
    assert str(calendar["x-wr-calname"]) == "Actions: MSK Community of Practice"
    found = events(calendar)
    assert list(found) == [f"action-{icb}@testserver"], "only unfinished actions with a due date"
    event = found[f"action-{icb}@testserver"]
    assert event.decoded("dtstart") == date(2027, 3, 4) and event.decoded("dtend") == date(2027, 3, 5)
    assert str(event["summary"]) == "Due: Write to the ICB"
    assert "Owners: Ana, Dev" in str(event["description"]) and "Ask about funding; bring the audit" in str(
        event["description"])

    # Re-dated: the same UID moves, with a higher SEQUENCE.
    api_page = fac.get(f"/communities/{scene.community_id}/actions/{icb}").text
    version = re.search(r'name="version" value="(\d+)"', api_page).group(1)
    fac.post(f"/communities/{scene.community_id}/actions/{icb}", {
        "title": "Write to the ICB", "description": "Ask about funding; bring the audit", "owners": "Ana\nDev",
        "due_date": "2027-04-01", "status": "open", "note": "", "version": version})
    moved = events(parse_calendar(client.get(url)))[f"action-{icb}@testserver"]
    assert moved.decoded("dtstart") == date(2027, 4, 1)
    assert int(moved["sequence"]) > int(event["sequence"])

    # Replaced: the old address stops working at once.
    new_url = feed_url_from(fac.post(f"/communities/{scene.community_id}/actions/feed").text)
    assert new_url != url
    assert client.get(url).status_code == 404
    parse_calendar(client.get(new_url))
    # Switched off.
    assert fac.post(f"/communities/{scene.community_id}/actions/feed/revoke").status_code == 303
    gone = client.get(new_url)
    assert gone.status_code == 404 and "does not work any more" in text_of(gone.text)
    for bad in ("/feeds/actions/x.ics", "/feeds/actions/" + "A" * 43 + ".ics", "/feeds/actions/%00" + "a" * 40 + ".ics"):
        assert client.get(bad).status_code == 404


def test_only_an_organiser_manages_the_calendar_address(scene, new_browser):
    sam = new_browser()
    sign_up(sam, "sam@example.org", "Sam Second")
    scene.facilitator.post(f"/communities/{scene.community_id}/members",
                           {"email": "sam@example.org", "permission": "facilitator"})
    page = sam.get(f"/communities/{scene.community_id}/actions")
    assert page.status_code == 200 and "Calendar of due dates" not in page.text
    assert sam.post(f"/communities/{scene.community_id}/actions/feed").status_code == 403
    assert sam.post(f"/communities/{scene.community_id}/actions/feed/revoke").status_code == 403
    member = scene.member("Ana")
    refused = member.post(f"/communities/{scene.community_id}/actions/feed")
    assert refused.status_code == 303 and refused.headers["location"].startswith("/login")
    assert "feed-url" not in member.get(f"/communities/{scene.community_id}/actions", follow_redirects=True).text

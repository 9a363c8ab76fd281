"""The views people use (mine, open, overdue, by owner, status, meeting, search), and
bad input through the pages: a clear message, never a 500, and what was typed kept."""

import re

import pytest

from tests.actions.conftest import action_ids, actions_region, add_action, new_meeting, room
from tests.helpers import join, text_of

pytestmark = pytest.mark.timeout(30)


def listed(browser, community_id: int, query: str = "") -> list[str]:
    response = browser.get(f"/communities/{community_id}/actions{query}")
    assert response.status_code == 200, response.text
    return re.findall(rf'<a href="/communities/{community_id}/actions/\d+">([^<]+)</a>', response.text)


def test_filters_views_and_grouping_on_the_community_page(scene, writer):
    fac, cid = scene.facilitator, scene.community_id
    add_action(fac, scene.meeting_id, "Overdue task", owners="Ana", due_date="2021-01-01")
    add_action(fac, scene.meeting_id, "Later task", owners="Dev\nAna", due_date="2027-08-01")
    add_action(fac, scene.meeting_id, "Mine too", owners="fran facilitator")
    summer, _ = new_meeting(scene, "Summer meeting")
    add_action(fac, summer, "Summer task", owners="Dev", description="About the leaflet")
    later = action_ids(actions_region(fac, scene.meeting_id))[1]
    fac.post(f"/meetings/{scene.meeting_id}/actions/{later}/status", {"status": "done", "version": "1"})

    assert listed(fac, cid) == ["Overdue task", "Later task", "Mine too", "Summer task"]
    assert listed(fac, cid, "?overdue=1") == ["Overdue task"]
    assert listed(fac, cid, "?status=open&status=in_progress") == ["Overdue task", "Mine too", "Summer task"]
    assert listed(fac, cid, "?status=done") == ["Later task"]
    assert listed(fac, cid, "?owner=ANA") == ["Overdue task", "Later task"]
    assert listed(fac, cid, f"?meeting_id={summer}") == ["Summer task"]
    assert listed(fac, cid, "?q=leaflet") == ["Summer task"]
    assert listed(fac, cid, "?q=dev") == ["Later task", "Summer task"], "search covers owners' names"
    assert listed(fac, cid, "?mine=1") == ["Mine too"], "Fran's name, as an owner"

    by_owner = text_of(fac.get(f"/communities/{cid}/actions?group=owner").text)
    assert re.search(r"Ana \(2\).*Dev \(2\).*fran facilitator \(1\)", by_owner)
    by_status = text_of(fac.get(f"/communities/{cid}/actions?group=status").text)
    assert by_status.index("Open (3)") < by_status.index("Done (1)")
    by_meeting = text_of(fac.get(f"/communities/{cid}/actions?group=meeting").text)
    assert "Spring meeting (" in by_meeting and "Summer meeting (" in by_meeting
    assert "Overdue" in text_of(fac.get(f"/communities/{cid}/actions?overdue=1").text.split("<tbody>")[1])

    response = fac.get(f"/communities/{cid}/actions?meeting_id=abc&q=" + "x" * 200)
    assert response.status_code == 422 and "Traceback" not in response.text
    assert fac.get(f"/communities/{cid}/actions.csv?meeting_id=abc").status_code == 422
    assert writer.get(f"/communities/{cid}/actions?owner=ana").json()["items"][0]["title"] == "Overdue task"


def test_my_actions_match_my_participant_record_or_my_name(scene, new_browser):
    fac = scene.facilitator
    ana = scene.member("Ana Lopez")
    add_action(fac, scene.meeting_id, "Linked to Ana", owners="Ana Lopez")
    add_action(fac, scene.meeting_id, "Named for Ana", owners="  ana   LOPEZ ")
    add_action(fac, scene.meeting_id, "For someone else", owners="Anabel")
    add_action(fac, scene.meeting_id, "Done already", owners="Ana Lopez")
    done = action_ids(actions_region(fac, scene.meeting_id))[3]
    fac.post(f"/meetings/{scene.meeting_id}/actions/{done}/status", {"status": "done", "version": "1"})

    def mine(browser, meeting_id):
        page = room(browser, meeting_id)
        return text_of(page.split('id="my-actions-heading"')[1].split("</ul>")[0]) if "my-actions-heading" in page else ""

    shown = mine(ana, scene.meeting_id)
    assert "Linked to Ana" in shown and "Named for Ana" in shown
    assert "For someone else" not in shown and "Done already" not in shown
    # At the next meeting Ana is a new participant; her name still finds her actions.
    summer, code = new_meeting(scene, "Summer meeting")
    ana_again = new_browser()
    join(ana_again, code, "ANA LOPEZ")
    assert "Linked to Ana" in mine(ana_again, summer) and "Named for Ana" in mine(ana_again, summer)
    other = new_browser()
    join(other, code, "Dev")
    assert mine(other, summer) == ""


def test_bad_input_in_the_meeting_is_a_clear_4xx_and_keeps_what_was_typed(scene):
    fac = scene.facilitator
    response = add_action(fac, scene.meeting_id, "Real title", due_date="2027-02-30", owners="Ana", htmx=False)
    assert response.status_code == 422
    assert "Enter a real date as year-month-day" in text_of(response.text)
    assert 'value="Real title"' in response.text and 'aria-invalid="true"' in response.text

    response = add_action(fac, scene.meeting_id, "x" * 250, htmx=True)
    assert response.status_code == 422 and "under 200 characters" in text_of(response.text)
    owners = "\n".join(f"Person {n}" for n in range(11))
    assert "at most 10 owners" in text_of(add_action(fac, scene.meeting_id, "Too many", owners=owners).text)
    assert add_action(fac, scene.meeting_id, "   ").status_code == 422
    assert add_action(fac, scene.meeting_id, "Nul\x00 byte", description="a\x00b").status_code == 200
    assert add_action(fac, scene.meeting_id, "Long owner", owners="N" * 61).status_code == 422
    huge = fac.post(f"/meetings/{scene.meeting_id}/actions", {"title": "x" * 30_000}, htmx=True)
    assert huge.status_code == 422
    assert action_ids(actions_region(fac, scene.meeting_id)) and "Nul byte" in actions_region(fac, scene.meeting_id)

    (action_id,) = action_ids(actions_region(fac, scene.meeting_id))
    url = f"/meetings/{scene.meeting_id}/actions/{action_id}/status"
    assert fac.post(url, {"status": "finished", "version": "1"}, htmx=True).status_code == 422
    assert fac.post(url, {"status": "done", "version": "one"}, htmx=True).status_code == 422
    assert fac.post(url, {"status": "proposed", "version": "1"}, htmx=True).status_code == 422
    assert fac.post(f"/meetings/{scene.meeting_id}/actions/999999/status",
                    {"status": "done", "version": "1"}, htmx=True).status_code == 404
    edit = fac.post(f"/meetings/{scene.meeting_id}/actions/{action_id}",
                    {"title": "Kept title", "description": "", "owners": "", "due_date": "31/12/2027",
                     "status": "open", "note": "kept note", "version": "1"})
    assert edit.status_code == 422 and "Enter a real date" in text_of(edit.text)
    assert 'value="Kept title"' in edit.text and "kept note" in edit.text


def test_a_past_due_date_is_allowed_and_flagged(scene):
    fac = scene.facilitator
    response = add_action(fac, scene.meeting_id, "Should have been done", due_date="2024-01-15")
    assert response.status_code == 200
    assert "Its due date has already passed, so it shows as overdue" in text_of(response.text)
    (action_id,) = action_ids(actions_region(fac, scene.meeting_id))
    assert "Overdue" in text_of(actions_region(scene.member("Ana"), scene.meeting_id))
    page = fac.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").text
    assert "Overdue" in text_of(page) and "its due date has passed" in text_of(page)

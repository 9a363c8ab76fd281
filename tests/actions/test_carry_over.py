"""Actions outlive meetings: agreed in one, reviewed at the next, with every change kept."""

import re

import pytest

from tests.actions.conftest import (
    action_ids,
    action_item,
    actions_region,
    add_action,
    new_meeting,
    room,
    version_in,
)
from tests.helpers import join, region, text_of

pytestmark = pytest.mark.timeout(30)


def section(html: str, heading_id: str) -> str:
    """The list under one heading of the actions region."""
    match = re.search(rf'<h3 id="{heading_id}">(.*?)(?=<h3 |\Z)', html, re.S)
    assert match, f"the region has a {heading_id} section"
    return match.group(1)


def test_an_action_from_meeting_1_is_carried_over_to_meeting_2_with_its_full_history(scene, new_browser, writer):
    fac = scene.facilitator
    spring, spring_code = new_meeting(scene, "Spring meeting", "2026-03-12T14:00")
    ana = new_browser()
    join(ana, spring_code, "Ana Lopez", "lay")
    fac.post(f"/meetings/{spring}/start")

    # Meeting 1: two actions agreed, one edited and noted before the meeting ends.
    add_action(fac, spring, "Share the referral form with GP practices", owners="Ana Lopez", due_date="2027-05-01")
    add_action(fac, spring, "Invite a pharmacist", owners="Dr Priya Shah", due_date="2027-04-01")
    referral, pharmacist = action_ids(actions_region(fac, spring))
    assert "Ana Lopez" in text_of(action_item(actions_region(ana, spring), referral))

    page = fac.get(f"/meetings/{spring}/actions/{referral}").text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = fac.post(f"/meetings/{spring}/actions/{referral}", {
        "title": "Share the referral form with GP practices", "description": "Use the practice managers' list.",
        "owners": "Ana Lopez\nDev Patel", "due_date": "2027-05-15", "status": "in_progress",
        "note": "Ana has a draft email.", "version": version,
    })
    assert response.status_code == 303, response.text
    fac.post(f"/meetings/{spring}/end")

    # Meeting 2: both are carried over, soonest due first, with where they came from.
    summer, summer_code = new_meeting(scene, "Summer meeting", "2026-06-18T14:00")
    ana2 = new_browser()
    join(ana2, summer_code, "ana lopez", "lay")  # the same person, a new participant record
    shown = actions_region(ana2, summer)
    carried = section(shown, "carried-heading")
    assert action_ids(carried) == [pharmacist, referral], "ordered by due date"
    assert "Carried from 12 March" in text_of(action_item(carried, referral))
    assert "In progress" in text_of(action_item(carried, referral))
    assert action_ids(section(shown, "agreed-heading")) == []
    mine = text_of(room(ana2, summer).split('id="my-actions-heading"')[1].split("</ul>")[0])
    assert "Share the referral form" in mine and "Invite a pharmacist" not in mine

    # The review at meeting 2: marked done there, live for everyone.
    with ana2.live(summer) as socket:
        socket.next()
        fac_region = actions_region(fac, summer)
        response = fac.post(f"/meetings/{summer}/actions/{referral}/status",
                            {"status": "done", "version": version_in(fac_region, referral)}, htmx=True)
        assert response.status_code == 200, response.text
        pushed = socket.wait_for(lambda m: "Done" in text_of(region(m, "actions") or ""))
        assert "Done" in text_of(action_item(section(region(pushed, "actions"), "carried-heading"), referral)), \
            "a finished action stays in this meeting's review, marked done"

    # A third meeting no longer carries the finished one.
    autumn, _ = new_meeting(scene, "Autumn meeting")
    assert action_ids(section(actions_region(fac, autumn), "carried-heading")) == [pharmacist]

    # The full history: who changed what, where, oldest first.
    history = text_of(fac.get(f"/communities/{scene.community_id}/actions/{referral}").text.split('id="history-heading"')[1])
    steps = [
        "Fran Facilitator created: Share the referral form with GP practices",
        "changed the detail from “nothing” to “Use the practice managers' list.”",
        "changed the due date from “2027-05-01” to “2027-05-15”",
        "changed the status from “Open” to “In progress”",
        "changed the owners from “Ana Lopez” to “Ana Lopez; Dev Patel”",
        "added a note: Ana has a draft email.",
        "in Summer meeting Fran Facilitator changed the status from “In progress” to “Done”",
    ]
    positions = [history.find(step) for step in steps]
    assert -1 not in positions, history
    assert positions == sorted(positions)
    assert history.count("in Spring meeting") == 6

    api_history = writer.get(f"/actions/{referral}/history").json()["items"]
    assert [c["field"] for c in api_history] == ["created", "description", "due_date", "status", "owners", None, "status"]
    assert api_history[-1]["meeting_id"] == summer and api_history[-1]["new"] == "Done"


def test_carried_actions_can_be_re_dated_and_re_assigned_in_the_review(scene, new_browser):
    fac = scene.facilitator
    add_action(fac, scene.meeting_id, "Draft the patient leaflet", owners="Sam", due_date="2027-02-01")
    (leaflet,) = action_ids(actions_region(fac, scene.meeting_id))
    summer, code = new_meeting(scene, "Summer meeting")
    bea = new_browser()
    join(bea, code, "Bea", "carer")

    review = actions_region(fac, summer)
    assert "Add a review of these to the agenda" in review
    fac.post(f"/meetings/{summer}/actions/review-item", htmx=True)
    assert "Review of actions from earlier meetings" in text_of(region(room(fac, summer), "agenda"))
    assert "Add a review of these" not in actions_region(fac, summer)

    page = fac.get(f"/meetings/{summer}/actions/{leaflet}").text
    assert "Back to the meeting" in page
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = fac.post(f"/meetings/{summer}/actions/{leaflet}", {
        "title": "Draft the patient leaflet", "description": "", "owners": "Bea", "due_date": "2027-03-15",
        "status": "open", "note": "", "version": version,
    })
    assert response.status_code == 303
    item = text_of(action_item(actions_region(bea, summer), leaflet))
    assert "Owner: Bea" in item and "Due Mon 15 Mar 2027" in item
    # Bea was linked to her participant record at this meeting, so it is hers.
    assert "Draft the patient leaflet" in room(bea, summer).split('id="my-actions-heading"')[1]

    # An earlier meeting that was never ended does not "carry" the later meeting's actions.
    add_action(fac, summer, "Agreed in summer")
    assert "Agreed in summer" not in actions_region(fac, scene.meeting_id)
    assert "Agreed in summer" in section(actions_region(fac, summer), "agreed-heading")


def test_nothing_is_carried_into_another_community(scene, new_browser):
    from tests.helpers import create_community, create_meeting

    add_action(scene.facilitator, scene.meeting_id, "Only for MSK")
    other = create_community(scene.facilitator, "Diabetes CoP")
    elsewhere = create_meeting(scene.facilitator, other, "Diabetes meeting")
    assert "Only for MSK" not in actions_region(scene.facilitator, elsewhere)
    assert scene.facilitator.get(f"/meetings/{elsewhere}/actions/1").status_code == 404

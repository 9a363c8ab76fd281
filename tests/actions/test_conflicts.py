"""No silent overwrite: two people changing the same action from the same version."""

import asyncio
import re

import pytest

from app.actions import service
from app.actions.models import Action
from app.actions.schemas import ActionUpdate
from app.communities.models import Community
from app.db import make_engine, make_sessionmaker
from tests.actions.conftest import action_ids, action_item, actions_region, add_action, version_in
from tests.helpers import sign_up, text_of

pytestmark = pytest.mark.timeout(30)


def second_facilitator(scene, new_browser):
    sam = new_browser()
    sign_up(sam, "sam@example.org", "Sam Second")
    response = scene.facilitator.post(f"/communities/{scene.community_id}/members",
                                      {"email": "sam@example.org", "permission": "facilitator"})
    assert response.status_code == 303
    return sam


def edit_form(page: str) -> dict:
    def value(name):
        found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page)
        return found.group(1) if found else ""

    def text(name):
        return re.search(rf'name="{name}"[^>]*>([^<]*)</textarea>', page).group(1)

    status = re.search(r'<option value="(\w+)" selected>', page).group(1)
    return {"title": value("title"), "description": text("description"), "owners": text("owners"),
            "due_date": value("due_date"), "status": status, "note": "", "version": value("version")}


def test_the_second_of_two_edits_from_the_same_version_gets_a_conflict_and_nothing_is_lost(scene, new_browser):
    fran, sam = scene.facilitator, second_facilitator(scene, new_browser)
    add_action(fran, scene.meeting_id, "Book the venue", owners="Ana", due_date="2027-01-10")
    (action_id,) = action_ids(actions_region(fran, scene.meeting_id))
    url = f"/communities/{scene.community_id}/actions/{action_id}"
    fran_form, sam_form = edit_form(fran.get(url).text), edit_form(sam.get(url).text)
    assert fran_form["version"] == sam_form["version"] == "1"

    first = fran.post(url, {**fran_form, "title": "Book the venue for June", "due_date": "2027-02-01"})
    assert first.status_code == 303
    second = sam.post(url, {**sam_form, "status": "done", "note": "Booked the church hall."})
    assert second.status_code == 409
    shown = text_of(second.text)
    assert "Someone else changed this action while you were editing it" in shown
    assert "Book the venue for June" in shown, "the current values are shown"
    assert "Booked the church hall." in second.text, "what Sam typed is kept in the form"
    assert edit_form(second.text)["version"] == "2"

    # Fran's change stands; Sam's was not half-applied.
    page = text_of(fran.get(url).text)
    assert "Book the venue for June" in page and "Mon 1 Feb 2027" in page
    assert "Booked the church hall" not in page and "Status Open" in page

    # Sam saves again on purpose, from what the conflict page gave back: now both are in the history.
    again = sam.post(url, {**edit_form(second.text), "note": "Booked the church hall."})
    assert again.status_code == 303
    history = text_of(fran.get(url).text.split('id="history-heading"')[1])
    assert "Fran Facilitator changed the title" in history
    assert "Sam Second changed the status from “Open” to “Done”" in history
    assert "Sam Second added a note: Booked the church hall." in history


def test_a_stale_button_in_the_meeting_is_refused_with_a_clear_message(scene):
    fac = scene.facilitator
    add_action(fac, scene.meeting_id, "Email the minutes")
    stale = actions_region(fac, scene.meeting_id)
    (action_id,) = action_ids(stale)
    old = version_in(stale, action_id)
    url = f"/meetings/{scene.meeting_id}/actions/{action_id}/status"
    assert fac.post(url, {"status": "dropped", "version": old}, htmx=True).status_code == 200
    response = fac.post(url, {"status": "done", "version": old}, htmx=True)
    assert response.status_code == 409
    assert "Someone else changed “Email the minutes” just now: it is dropped" in text_of(response.text)
    assert "Dropped" in text_of(action_item(actions_region(fac, scene.meeting_id), action_id))


async def _race(url: str, community_id: int, action_id: int) -> list:
    """Two writers read version 1, then both write at once, each in its own transaction."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        async with sessions() as one, sessions() as two:
            community = await one.get(Community, community_id)
            await two.get(Community, community_id)

            async def write(session, actor, form):
                try:
                    return await service.update(session, community, action_id, service.Actor(actor), form, 1)
                except service.ActionConflict as exc:
                    return exc

            results = await asyncio.gather(
                write(one, "First", ActionUpdate(title="Changed by the first")),
                write(two, "Second", ActionUpdate(status="done")),
            )
        async with sessions() as check:
            action = await check.get(Action, action_id)
            changes = await service.history(check, action_id)
            return [results, action, changes]
    finally:
        await engine.dispose()


def test_two_simultaneous_writes_from_one_version_one_wins_one_conflicts(scene, settings):
    add_action(scene.facilitator, scene.meeting_id, "Original title")
    (action_id,) = action_ids(actions_region(scene.facilitator, scene.meeting_id))
    results, action, changes = asyncio.run(_race(settings.database_url, scene.community_id, action_id))
    conflicts = [r for r in results if isinstance(r, service.ActionConflict)]
    assert len(conflicts) == 1, results
    assert action.version == 2
    winner = "First" if action.title == "Changed by the first" else "Second"
    if winner == "First":
        assert action.status == "open"
    else:
        assert action.title == "Original title" and action.status == "done"
    assert [c.who for c in changes] == ["Fran Facilitator", winner], "the loser left no trace"

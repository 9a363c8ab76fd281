"""In the live meeting: anyone can propose, only facilitators decide; questions become
actions in one step; every change reaches everyone live."""

import re

import pytest

from tests.actions.conftest import action_ids, action_item, actions_region, add_action, room, version_in
from tests.helpers import region, text_of

pytestmark = pytest.mark.timeout(30)


def test_a_member_proposes_and_a_facilitator_accepts_live(scene):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    with dev.live(scene.meeting_id) as dev_socket, scene.facilitator.live(scene.meeting_id) as fac_socket:
        dev_socket.next(), fac_socket.next()
        response = add_action(ana, scene.meeting_id, "Ask carers what times suit them", owners="Ana")
        assert response.status_code == 200
        assert "Your proposal was sent to the facilitators" in text_of(response.text)
        assert "Ask carers" not in (region(response.text, "actions") or ""), "the proposer's own view stays public"

        proposed = fac_socket.wait_for(lambda m: "Ask carers" in (region(m, "actions") or ""))
        item = text_of(action_item(region(proposed, "actions"), action_ids(region(proposed, "actions"))[0]))
        assert "Proposed by members (1)" in text_of(region(proposed, "actions"))
        assert "Proposed by Ana" in item and "Accept" in item and "Decline" in item
        refreshed = dev_socket.wait_for(lambda m: region(m, "actions") is not None)
        assert "Ask carers" not in refreshed, "members see proposals only once accepted"

        fac_region = actions_region(scene.facilitator, scene.meeting_id)
        (action_id,) = action_ids(fac_region)
        accept = scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/{action_id}/status",
                                        {"status": "open", "version": version_in(fac_region, action_id)}, htmx=True)
        assert accept.status_code == 200
        accepted = dev_socket.wait_for(lambda m: "Ask carers" in (region(m, "actions") or ""))
        assert "Open" in text_of(action_item(region(accepted, "actions"), action_id))
    history = text_of(scene.facilitator.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").text)
    assert "Ana proposed: Ask carers what times suit them" in history
    assert "Fran Facilitator changed the status from “Proposed” to “Open”" in history


def test_a_declined_proposal_is_not_shown_to_members(scene):
    ana = scene.member("Ana")
    add_action(ana, scene.meeting_id, "Unwanted idea")
    fac_region = actions_region(scene.facilitator, scene.meeting_id)
    (action_id,) = action_ids(fac_region)
    assert ana.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").status_code == 404
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/{action_id}/status",
                           {"status": "declined", "version": version_in(fac_region, action_id)})
    assert "Unwanted idea" not in actions_region(scene.facilitator, scene.meeting_id)
    assert "Unwanted idea" not in room(ana, scene.meeting_id)


def test_proposing_too_often_is_refused_and_the_words_are_kept(scene):
    ana = scene.member("Ana")
    for n in range(5):
        assert add_action(ana, scene.meeting_id, f"Idea {n}").status_code == 200
    response = add_action(ana, scene.meeting_id, "One idea too many", htmx=False)
    assert response.status_code == 429
    assert "still in the form" in text_of(response.text) and 'value="One idea too many"' in response.text


FACILITATOR_POSTS = [
    ("/meetings/{m}/actions/{a}/status", {"status": "done", "version": "1"}),
    ("/meetings/{m}/actions/{a}", {"title": "Hijacked", "status": "open", "version": "1"}),
    ("/meetings/{m}/actions/from/question/{q}", {}),
    ("/meetings/{m}/actions/review-item", {}),
]


@pytest.mark.parametrize("url, data", FACILITATOR_POSTS)
def test_a_member_cannot_change_actions(scene, url, data):
    ana = scene.member("Ana")
    ana.post(f"/meetings/{scene.meeting_id}/questions", {"body": "Who pays?", "attribution": "anonymous"}, htmx=True)
    qid = re.search(r'id="q-([0-9a-f]{16})"', room(ana, scene.meeting_id)).group(1)
    add_action(scene.facilitator, scene.meeting_id, "Untouchable")
    (action_id,) = action_ids(actions_region(scene.facilitator, scene.meeting_id))
    before = actions_region(scene.facilitator, scene.meeting_id)
    response = ana.post(url.format(m=scene.meeting_id, a=action_id, q=qid), data, htmx=True)
    assert response.status_code == 403
    assert actions_region(scene.facilitator, scene.meeting_id) == before
    assert "Review of actions" not in room(ana, scene.meeting_id)


def test_members_see_no_facilitator_controls_and_cannot_reach_the_community_pages(scene):
    ana = scene.member("Ana")
    add_action(scene.facilitator, scene.meeting_id, "Visible to all")
    shown = actions_region(ana, scene.meeting_id)
    assert "Visible to all" in shown
    assert "/status" not in shown and "Edit, re-date" not in shown and "Details and history" in shown
    ana.post(f"/meetings/{scene.meeting_id}/questions", {"body": "A question", "attribution": "anonymous"}, htmx=True)
    assert "Make an action" not in room(ana, scene.meeting_id)
    (action_id,) = action_ids(shown)
    page = ana.get(f"/meetings/{scene.meeting_id}/actions/{action_id}")
    assert page.status_code == 200 and "Change this action" not in page.text and "History" in page.text
    for url in (f"/communities/{scene.community_id}/actions", f"/communities/{scene.community_id}/actions.csv",
                f"/communities/{scene.community_id}/actions/{action_id}"):
        response = ana.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    for url in (f"/communities/{scene.community_id}/actions", f"/communities/{scene.community_id}/actions/{action_id}",
                f"/communities/{scene.community_id}/actions/{action_id}/status"):
        assert ana.post(url, {"title": "Hijacked", "status": "done", "version": "1"}).status_code == 303
    assert "Hijacked" not in actions_region(scene.facilitator, scene.meeting_id)
    with ana.live(scene.meeting_id) as socket:
        assert "/status" not in (region(socket.next(), "actions") or "")


def test_an_outsider_organiser_cannot_see_another_communitys_actions(scene, new_browser):
    from tests.helpers import sign_up

    add_action(scene.facilitator, scene.meeting_id, "Private to MSK")
    (action_id,) = action_ids(actions_region(scene.facilitator, scene.meeting_id))
    eve = new_browser()
    sign_up(eve, "eve@example.org", "Eve Elsewhere")
    for url in (f"/communities/{scene.community_id}/actions", f"/communities/{scene.community_id}/actions.csv",
                f"/communities/{scene.community_id}/actions/{action_id}"):
        response = eve.get(url)
        assert response.status_code == 404 and "Private to MSK" not in response.text
    assert eve.post(f"/communities/{scene.community_id}/actions/{action_id}/status",
                    {"status": "done", "version": "1"}).status_code == 404
    assert eve.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").status_code == 403


def test_a_question_becomes_an_action_in_one_step_without_naming_the_asker(scene):
    ana, dev = scene.member("Ana Asker"), scene.member("Dev", "gp")
    ana.post(f"/meetings/{scene.meeting_id}/questions",
             {"body": "Could the physio team run evening clinics?", "attribution": "anonymous"}, htmx=True)
    page = room(scene.facilitator, scene.meeting_id)
    qid = re.search(r'id="q-([0-9a-f]{16})"', page).group(1)
    assert f"/actions/from/question/{qid}" in region(page, "questions")
    with dev.live(scene.meeting_id) as socket:
        socket.next()
        response = scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/from/question/{qid}", htmx=True)
        assert response.status_code == 200
        assert "Action made: Could the physio team run evening clinics?" in text_of(response.text)
        pushed = socket.wait_for(lambda m: "evening clinics" in (region(m, "actions") or ""))
    (action_id,) = action_ids(region(pushed, "actions"))
    item = text_of(action_item(region(pushed, "actions"), action_id))
    assert "From a question: “Could the physio team run evening clinics?”" in item
    assert "Ana" not in item
    detail = scene.facilitator.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").text
    assert "Ana Asker" not in detail

    again = scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/from/question/{qid}", htmx=True)
    assert again.status_code == 409 and "already an action" in text_of(again.text)
    for bad in (f"from/question/{'f' * 16}", "from/nonsense/1", f"from/question/{'a' * 100}"):
        assert scene.facilitator.post(f"/meetings/{scene.meeting_id}/actions/{bad}", htmx=True).status_code == 404


def test_script_in_an_action_is_shown_as_text(scene):
    ana = scene.member("Ana")
    add_action(scene.facilitator, scene.meeting_id, '<script>alert("x")</script>', owners="<img src=x onerror=alert(1)>",
               description="<b>bold</b>")
    (action_id,) = action_ids(actions_region(ana, scene.meeting_id))
    for html in (room(ana, scene.meeting_id), scene.facilitator.get(f"/meetings/{scene.meeting_id}/actions/{action_id}").text,
                 scene.facilitator.get(f"/communities/{scene.community_id}/actions").text):
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize("started", [True, False], ids=["live", "waiting to start"])
def test_a_change_made_outside_the_meeting_reaches_a_meeting_at_once(scene, writer, started):
    """An integration (or the community page) changes a carried action while a
    meeting is running, or while people wait in its room for it to start: everyone
    there sees it without reloading."""
    created = writer.post(f"/communities/{scene.community_id}/actions",
                          json={"title": "Update the website", "owners": [{"name": "Kim"}]}).json()
    if started:
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/start")
    ana = scene.member("Ana")
    with ana.live(scene.meeting_id) as socket:
        first = socket.next()
        assert "Update the website" in (region(first, "actions") or ""), "carried over from between meetings"
        response = writer.request("PATCH", f"/actions/{created['id']}", json={"title": "Update the website today"},
                                  headers={"If-Match": '"1"'})
        assert response.status_code == 200
        pushed = socket.wait_for(lambda m: "Update the website today" in (region(m, "actions") or ""))
        assert "Added between meetings" in text_of(action_item(region(pushed, "actions"), created["id"]))

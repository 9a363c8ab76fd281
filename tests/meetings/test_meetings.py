"""Planning a meeting: its agenda, and times typed and shown in the community's time zone."""

import pytest

from tests.helpers import create_community, create_meeting, region, sign_up, text_of


def test_a_meeting_is_created_with_its_agenda(scene, api):
    page = scene.facilitator.get(f"/meetings/{scene.meeting_id}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "Spring meeting" in text and "Room 2" in text
    agenda = text_of(region(page.text, "agenda"))
    assert agenda.index("Welcome") < agenda.index("Icebreaker") < agenda.index("Breakouts")
    assert "The meeting has not started yet." in text
    meeting = api.meeting(scene.meeting_id)
    assert [i["title"] for i in meeting["agenda"]] == ["Welcome", "Icebreaker", "Breakouts"]
    assert meeting["status"] == "scheduled" and meeting["scheduled_at"] is None
    # ...and it is listed on the community page.
    assert "Spring meeting Not started" in text_of(scene.facilitator.get(f"/communities/{scene.community_id}").text)


def test_blank_lines_in_the_agenda_are_spacing_not_items(scene, api):
    agenda = "\n\n".join(f"Item {i}" for i in range(40)) + "\n\n\n"
    meeting_id = create_meeting(scene.facilitator, scene.community_id, "Long agenda", agenda=agenda)
    titles = [i["title"] for i in api.meeting(meeting_id)["agenda"]]
    assert titles == [f"Item {i}" for i in range(40)]


@pytest.mark.parametrize("field, value, message", [
    ("title", "   ", "Give the meeting a title"),
    ("title", "t" * 161, "Please keep this under 160 characters."),
    ("venue", "v" * 201, "Please keep this under 200 characters."),
    ("agenda", "a" * 201, "Keep each agenda item under 200 characters"),
    ("agenda", "\n".join(f"Item {i}" for i in range(41)), "Please keep this to 40 lines or fewer."),
    ("scheduled_at", "next tuesday", "Enter a date and time"),
])
def test_a_bad_meeting_form_is_explained_and_kept(scene, field, value, message):
    data = {"title": "Summer meeting", "scheduled_at": "", "venue": "", "agenda": "", field: value}
    scene.facilitator.get(f"/communities/{scene.community_id}")
    response = scene.facilitator.post(f"/communities/{scene.community_id}/meetings", data)
    assert response.status_code == 422
    assert message in text_of(response.text)
    if field == "title" and value.strip():
        assert f'value="{value}"' in response.text
    assert "Summer meeting</a>" not in scene.facilitator.get(f"/communities/{scene.community_id}").text


@pytest.mark.parametrize("timezone, typed, shown, utc", [
    ("Europe/London", "2027-06-03T14:00", "Thu 3 Jun 2027, 14:00 BST", "2027-06-03T13:00:00Z"),
    ("Europe/London", "2027-01-14T14:00", "Thu 14 Jan 2027, 14:00 GMT", "2027-01-14T14:00:00Z"),
    ("America/New_York", "2027-06-03T14:00", "Thu 3 Jun 2027, 14:00 EDT", "2027-06-03T18:00:00Z"),
])
def test_a_time_typed_in_the_communitys_zone_is_shown_back_in_it(browser, client, timezone, typed, shown, utc):
    from tests.api.keys import bearer, create_api_key

    sign_up(browser)
    community_id = create_community(browser, timezone=timezone)
    meeting_id = create_meeting(browser, community_id, scheduled_at=typed)
    assert shown in text_of(browser.get(f"/communities/{community_id}").text)
    assert shown in text_of(browser.get(f"/meetings/{meeting_id}").text)
    key = create_api_key(browser, community_id, access="read")
    meeting = client.get(f"/api/v1/meetings/{meeting_id}", headers=bearer(key)).json()
    assert meeting["scheduled_at"] == utc


def test_a_time_sent_through_the_api_without_a_zone_means_the_communitys_zone(scene, api, client):
    response = client.post(f"/api/v1/communities/{scene.community_id}/meetings", headers=api.headers,
                           json={"title": "Summer", "scheduled_at": "2027-06-03T14:00:00"})
    assert response.status_code == 201
    assert response.json()["scheduled_at"] == "2027-06-03T13:00:00Z"
    response = client.post(f"/api/v1/communities/{scene.community_id}/meetings", headers=api.headers,
                           json={"title": "Summer UTC", "scheduled_at": "2027-06-03T14:00:00Z"})
    assert response.json()["scheduled_at"] == "2027-06-03T14:00:00Z"
    assert "Thu 3 Jun 2027, 15:00 BST" in text_of(scene.facilitator.get(f"/meetings/{response.json()['id']}").text)

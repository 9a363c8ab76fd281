import re

import pytest

from tests.api.conftest import Integration
from tests.api.keys import create_api_key
from tests.helpers import Browser, create_meeting, join_code, region

ACTION_ID = re.compile(r'id="action-(\d+)"')


def room(browser: Browser, meeting_id: int) -> str:
    response = browser.get(f"/meetings/{meeting_id}")
    assert response.status_code == 200, response.text
    return response.text


def actions_region(browser: Browser, meeting_id: int) -> str:
    return region(room(browser, meeting_id), "actions")


def action_ids(html: str) -> list[int]:
    return [int(i) for i in ACTION_ID.findall(html)]


def action_item(html: str, action_id: int) -> str:
    """One action's list item (in a region or page)."""
    match = re.search(rf'<li class="action" id="action-{action_id}">(.*?)</li>', html, re.S)
    assert match, f"action {action_id} is listed"
    return match.group(1)


def version_in(html: str, action_id: int) -> str:
    return re.search(r'name="version" value="(\d+)"', action_item(html, action_id)).group(1)


def add_action(browser: Browser, meeting_id: int, title: str, owners: str = "", due_date: str = "",
               description: str = "", htmx: bool = True):
    return browser.post(f"/meetings/{meeting_id}/actions",
                        {"title": title, "owners": owners, "due_date": due_date, "description": description}, htmx=htmx)


def new_meeting(scene, title: str, scheduled_at: str = "") -> tuple[int, str]:
    meeting_id = create_meeting(scene.facilitator, scene.community_id, title, scheduled_at=scheduled_at)
    return meeting_id, join_code(scene.facilitator, meeting_id)


@pytest.fixture
def writer(scene, client) -> Integration:
    return Integration(client, create_api_key(scene.facilitator, scene.community_id, "read write", "Reporting"))


@pytest.fixture
def reader(scene, client) -> Integration:
    return Integration(client, create_api_key(scene.facilitator, scene.community_id, "read", "Website"))

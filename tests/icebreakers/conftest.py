"""Icebreakers as people use them: a facilitator launching and closing from the meeting
page, members answering from theirs, and integrations through the REST API."""

import re

import pytest

from tests.api.keys import bearer, create_api_key
from tests.helpers import Browser, region, text_of


def launch(facilitator: Browser, meeting_id: int, htmx: bool = True, **data):
    """Launch as the facilitator's picker does (defaults: the options the form sends)."""
    form = {"anonymous": "true", "group_size": "2", "minutes": "5", **{k: str(v) for k, v in data.items()}}
    return facilitator.post(f"/meetings/{meeting_id}/icebreakers", form, htmx=htmx)


def run_id_in(html: str) -> int:
    found = re.search(r"/icebreakers/(\d+)/(?:answer|close|join)", html)
    assert found, "the page offers the running icebreaker"
    return int(found.group(1))


def current_run_id(browser: Browser, meeting_id: int) -> int:
    return run_id_in(browser.get(f"/meetings/{meeting_id}").text)


def answer(browser: Browser, meeting_id: int, run_id: int, htmx: bool = True, **data):
    return browser.post(f"/meetings/{meeting_id}/icebreakers/{run_id}/answer",
                        {k: str(v) for k, v in data.items()}, htmx=htmx)


def close(facilitator: Browser, meeting_id: int, run_id: int, htmx: bool = True):
    return facilitator.post(f"/meetings/{meeting_id}/icebreakers/{run_id}/close", htmx=htmx)


def part(message: str, region_id: str) -> str:
    """What a person reads in one region of a pushed message or page ('' if absent)."""
    return text_of(region(message, region_id) or "")


class Api:
    def __init__(self, client, key: str):
        self.client = client
        self.headers = bearer(key)

    def get(self, url: str, status: int = 200):
        response = self.client.get(f"/api/v1{url}", headers=self.headers)
        assert response.status_code == status, response.text
        return response.json()

    def post(self, url: str, json=None):
        return self.client.post(f"/api/v1{url}", json=json, headers=self.headers)

    def patch(self, url: str, json=None, if_match: str | None = None):
        return self.client.patch(f"/api/v1{url}", json=json,
                                 headers={**self.headers, **({"If-Match": if_match} if if_match else {})})


@pytest.fixture
def api(scene, client) -> Api:
    return Api(client, create_api_key(scene.facilitator, scene.community_id, "read write", "Reporting"))


@pytest.fixture
def read_api(scene, client) -> Api:
    return Api(client, create_api_key(scene.facilitator, scene.community_id, "read", "Website"))

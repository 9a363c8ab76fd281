import pytest

from tests.api.keys import bearer, create_api_key


class Api:
    """What an integration sees of a meeting: the truth after each command."""

    def __init__(self, client, key: str):
        self.client = client
        self.headers = bearer(key)

    def get(self, url: str):
        response = self.client.get(f"/api/v1{url}", headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def meeting(self, meeting_id: int) -> dict:
        return self.get(f"/meetings/{meeting_id}")

    def participants(self, meeting_id: int) -> list[dict]:
        return self.get(f"/meetings/{meeting_id}/participants?limit=100")["items"]

    def participant_id(self, meeting_id: int, name: str) -> int:
        return next(p["id"] for p in self.participants(meeting_id) if p["display_name"] == name)

    def join_link(self, meeting_id: int) -> str | None:
        return self.get(f"/meetings/{meeting_id}/join-link")["url"]


@pytest.fixture
def api(scene, client) -> Api:
    return Api(client, create_api_key(scene.facilitator, scene.community_id, "read write"))

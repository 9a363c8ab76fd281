import pytest

from tests.api.keys import bearer, create_api_key


class Integration:
    """An integration's HTTP client: one API key, JSON in and out."""

    def __init__(self, client, key: str):
        self.client = client
        self.key = key

    def request(self, method: str, url: str, **kwargs):
        headers = {**bearer(self.key), **kwargs.pop("headers", {})}
        return self.client.request(method, f"/api/v1{url}", headers=headers, **kwargs)

    def get(self, url: str, **kwargs):
        return self.request("GET", url, **kwargs)

    def post(self, url: str, json=None, **kwargs):
        return self.request("POST", url, json=json, **kwargs)


@pytest.fixture
def writer(scene, client) -> Integration:
    return Integration(client, create_api_key(scene.facilitator, scene.community_id, "read write", "Reporting"))


@pytest.fixture
def reader(scene, client) -> Integration:
    return Integration(client, create_api_key(scene.facilitator, scene.community_id, "read", "Website"))

"""htmx is pinned: the vendored copies match the Subresource Integrity hashes, and
pages load it from jsDelivr (default) or from this server (HTMX_SOURCE=local)."""

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from app.config import HTMX_SRI, HTMX_VERSION, HTMX_WS_SRI, HTMX_WS_VERSION, Settings
from app.main import STATIC_DIR, create_app

VENDOR = STATIC_DIR / "vendor"
HTMX_FILE = VENDOR / f"htmx-{HTMX_VERSION}.min.js"
WS_FILE = VENDOR / f"htmx-ext-ws-{HTMX_WS_VERSION}.min.js"
CDN_HTMX = f"https://cdn.jsdelivr.net/npm/htmx.org@{HTMX_VERSION}/dist/htmx.min.js"
CDN_WS = f"https://cdn.jsdelivr.net/npm/htmx-ext-ws@{HTMX_WS_VERSION}/dist/ws.min.js"


def sri(data: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def scripts(page: str) -> dict[str, str]:
    """src -> integrity of every external script the page loads."""
    found = {}
    for tag in re.findall(r"<script\b[^>]*>", page):
        src = re.search(r'src="([^"]+)"', tag)
        integrity = re.search(r'integrity="([^"]+)"', tag)
        if src:
            found[src.group(1)] = integrity.group(1) if integrity else None
    return found


def test_vendored_files_match_the_pinned_hashes():
    assert sri(HTMX_FILE.read_bytes()) == HTMX_SRI
    assert sri(WS_FILE.read_bytes()) == HTMX_WS_SRI
    assert f'version:"{HTMX_VERSION}"' in HTMX_FILE.read_text()


def test_only_the_pinned_files_are_vendored():
    assert sorted(p.name for p in VENDOR.iterdir()) == sorted([HTMX_FILE.name, WS_FILE.name])


@pytest.fixture
def cdn_client(database_url, monkeypatch):
    monkeypatch.delenv("HTMX_SOURCE", raising=False)
    settings = Settings(_env_file=None, environment="test", database_url=database_url,
                        secret_key="test-secret-key-that-is-long-enough-0123456789", redis_url=None)
    assert settings.htmx_source == "cdn"  # the default
    with TestClient(create_app(settings)) as client:
        yield client


def test_default_pages_load_htmx_from_jsdelivr_with_integrity(cdn_client):
    response = cdn_client.get("/")
    assert response.status_code == 200
    loaded = scripts(response.text)
    assert loaded[CDN_HTMX] == HTMX_SRI
    assert loaded[CDN_WS] == HTMX_WS_SRI
    assert 'crossorigin="anonymous"' in response.text
    assert "/static/vendor/" not in response.text
    # The Content-Security-Policy lets exactly that CDN's scripts run.
    assert "script-src 'self' https://cdn.jsdelivr.net" in response.headers["content-security-policy"]


def test_local_source_serves_the_vendored_copy(client):  # the test settings use htmx_source="local"
    page = client.get("/login").text
    loaded = scripts(page)
    local_htmx = f"/static/vendor/{HTMX_FILE.name}"
    local_ws = f"/static/vendor/{WS_FILE.name}"
    assert loaded[local_htmx] == HTMX_SRI
    assert loaded[local_ws] == HTMX_WS_SRI
    assert "cdn.jsdelivr.net" not in page
    for url, expected in ((local_htmx, HTMX_SRI), (local_ws, HTMX_WS_SRI)):
        served = client.get(url)
        assert served.status_code == 200
        assert "javascript" in served.headers["content-type"]
        assert sri(served.content) == expected

"""Getting an API key the way an organiser does: from the community page."""

import re

from tests.helpers import Browser

_KEY = re.compile(r'<code class="secret">(rtk_[A-Za-z0-9_-]+)</code>')


def create_api_key(browser: Browser, community_id: int, access: str = "read write", name: str = "Website",
                   expires_at: str = "") -> str:
    """Fill in the form, follow the redirect, copy the key from the page it lands on."""
    browser.get(f"/communities/{community_id}")
    response = browser.post(f"/communities/{community_id}/api-keys",
                            {"name": name, "access": access, "expires_at": expires_at}, follow_redirects=True)
    assert response.status_code == 200, response.text
    found = _KEY.search(response.text)
    assert found, "the new key is shown on the page"
    return found.group(1)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}

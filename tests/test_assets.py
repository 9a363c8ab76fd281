"""Pages link our own script and styles by their content, so a browser keeps them
until they change and then fetches the new copy at once."""

import hashlib
import re

from app.web.assets import KEEP_FOR_A_YEAR, STATIC_DIR, asset_url, version_of


def linked(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


def test_pages_link_the_script_and_styles_by_what_they_hold_and_browsers_may_keep_them(client):
    page = client.get("/login").text
    for name in ("app.js", "app.css", "favicon.svg"):
        digest = hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:12]
        url = f"/static/{name}?v={digest}"
        assert url in linked(page), f"{name} is not linked by its content"
        served = client.get(url)
        assert served.status_code == 200 and served.content == (STATIC_DIR / name).read_bytes()
        assert served.headers["cache-control"] == KEEP_FOR_A_YEAR


def test_an_old_or_missing_version_is_served_but_checked_again_each_time(client):
    for url in ("/static/app.js", "/static/app.js?v=0123456789ab"):
        served = client.get(url)
        assert served.status_code == 200
        assert served.headers["cache-control"] == "no-cache"


def test_a_changed_file_gets_a_new_address(tmp_path):
    script = tmp_path / "app.js"
    script.write_text("console.log('first');")
    first = asset_url("app.js", tmp_path)
    assert first == f"/static/app.js?v={version_of(script)}"
    script.write_text("console.log('second, and longer');")
    assert asset_url("app.js", tmp_path) != first

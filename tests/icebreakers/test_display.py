"""The room display (projector) can show the running icebreaker large."""

import pytest

from app.icebreakers.live import DISPLAY_EVENTS, icebreaker_display
from app.live.regions import MEMBERS, RegionContext
from tests.helpers import region, text_of
from tests.icebreakers.conftest import answer, launch, run_id_in

pytestmark = pytest.mark.timeout(30)


async def _render(app, meeting_id: int) -> str:
    """What the room display would show (it runs in the server's event loop)."""
    async with app.state.sessionmaker() as session:
        return await icebreaker_display(RegionContext(session, meeting_id, MEMBERS))


def test_the_display_shows_the_running_icebreaker_large_without_any_controls(scene, app, client):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    assert "No icebreaker is running." in text_of(client.portal.call(_render, app, m))
    launch(scene.facilitator, m, prompt_id="poll-morning")
    answer(ana, m, run_id_in(ana.get(f"/meetings/{m}").text), choice=0)
    html = client.portal.call(_render, app, m)
    inside = region(html, "icebreaker-display")
    assert inside is not None and 'class="icebreaker-prompt large"' in inside
    assert "Are you a morning person or a night owl?" in text_of(inside)
    assert "1 person answered. Morning person: 1 (100%)" in text_of(inside) and "<svg" in inside
    assert "<form" not in inside and "<button" not in inside
    assert set(DISPLAY_EVENTS) >= {"icebreaker.launched", "icebreaker.answered", "icebreaker.closed"}

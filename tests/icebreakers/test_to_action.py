"""An icebreaker answer becomes an action in one step, without naming who answered."""

import re

import pytest

from tests.api.keys import bearer, create_api_key
from tests.helpers import region
from tests.icebreakers.conftest import answer, current_run_id, launch

pytestmark = pytest.mark.timeout(30)


def test_a_facilitator_turns_an_answer_into_an_action(scene, client):
    ana = scene.member("Ana", "lay")
    m = scene.meeting_id
    launch(scene.facilitator, m, prompt_id="light-smile")
    run_id = current_run_id(ana, m)
    answer(ana, m, run_id, text="Run a walking group for people waiting for physio")
    results = region(scene.facilitator.get(f"/meetings/{m}").text, "icebreaker-results")
    answer_id = re.search(r"/actions/from/icebreaker_answer/([0-9a-f]+)", results).group(1)
    assert "/actions/from/" not in (region(ana.get(f"/meetings/{m}").text, "icebreaker-results") or "")
    assert ana.post(f"/meetings/{m}/actions/from/icebreaker_answer/{answer_id}").status_code == 403
    assert scene.facilitator.post(f"/meetings/{m}/actions/from/icebreaker_answer/{answer_id}").status_code in (200, 303)
    key = bearer(create_api_key(scene.facilitator, scene.community_id))
    actions = client.get(f"/api/v1/communities/{scene.community_id}/actions", headers=key).json()["items"]
    assert [a["title"] for a in actions] == ["Run a walking group for people waiting for physio"]
    assert "Ana" not in str(actions)

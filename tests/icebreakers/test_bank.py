"""The prompt bank: shipped with the app, grown and pruned by each community, and
offered to the facilitator one category at a time."""

import re

import pytest

from app.icebreakers.bank import BUILTIN, CATEGORIES, Mode
from tests.helpers import text_of
from tests.icebreakers.conftest import launch, part, run_id_in

pytestmark = pytest.mark.timeout(30)

# Words that would assume a job, a degree, money, a family or good health.
EXCLUDING = re.compile(r"\b(your (job|boss|colleagues|career|degree|children|kids|husband|wife|commute)|"
                       r"university|salary|walk|run|jog|hike|holiday abroad|gym|fitness|workplace|office)\b", re.I)


def test_the_built_in_bank_has_at_least_40_inclusive_prompts_in_every_category():
    assert len(BUILTIN) >= 40
    assert len({p.key for p in BUILTIN}) == len(BUILTIN), "keys are unique"
    assert {p.category for p in BUILTIN} == set(CATEGORIES)
    for category in CATEGORIES:
        assert sum(p.category == category for p in BUILTIN) >= 5, category
    for prompt in BUILTIN:
        assert 10 <= len(prompt.text) <= 300, prompt.key
        assert not EXCLUDING.search(prompt.text), prompt.text
        if prompt.mode == Mode.poll:
            assert 2 <= len(prompt.choices) <= 6 and len(set(prompt.choices)) == len(prompt.choices), prompt.key
            assert all(len(c) <= 80 for c in prompt.choices)
        else:
            assert prompt.choices == ()
    assert {p.mode for p in BUILTIN} == set(Mode)


def test_the_picker_shows_one_category_at_a_time(scene):
    m = scene.meeting_id
    fac = scene.facilitator
    page = part(fac.get(f"/meetings/{m}").text, "icebreaker")
    assert "Light and personal: choose a prompt" in page and "made you smile" in page
    assert "How much energy" not in page
    # Without JavaScript: the page again, with the category chosen.
    polls = part(fac.get(f"/meetings/{m}?icebreaker_category=poll").text, "icebreaker")
    assert "Quick polls: choose a prompt" in polls and "How much energy" in polls and "made you smile" not in polls
    # With htmx: just the picker.
    fragment = fac.get(f"/meetings/{m}/icebreakers/picker?icebreaker_category=one-word", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and fragment.text.startswith('<div id="icebreaker-picker"')
    assert "One-word check-ins: choose a prompt" in text_of(fragment.text) and "how are you arriving" in fragment.text
    unknown = fac.get(f"/meetings/{m}/icebreakers/picker?icebreaker_category=<script>")
    assert unknown.status_code == 200 and "<script>" not in unknown.text


def test_a_community_adds_edits_retires_and_restores_prompts(scene):
    cid, m = scene.community_id, scene.meeting_id
    fac = scene.facilitator
    bank_url = f"/communities/{cid}/icebreakers"
    page = text_of(fac.get(bank_url).text)
    assert "Light and personal (10)" in page and "Built in" in page

    added = fac.post(bank_url, {"category": "poll", "mode": "poll", "text": "Which biscuit goes best with tea?",
                                "choices": "Digestive\n\nHobnob\nNone for me"})
    assert added.status_code == 303
    page = fac.get(bank_url).text
    assert "Which biscuit goes best with tea?" in page and "Digestive / Hobnob / None for me" in page
    prompt_id = re.search(r"/icebreakers/(custom-\d+)/edit", page).group(1)

    edited = fac.post(f"{bank_url}/{prompt_id}", {"category": "poll", "mode": "poll", "text": "Which biscuit, if any?",
                                                 "choices": "Digestive\nHobnob\nNone for me"})
    assert edited.status_code == 303
    picker = part(fac.get(f"/meetings/{m}?icebreaker_category=poll").text, "icebreaker")
    assert "Which biscuit, if any?" in picker and "goes best with tea" not in picker

    # Retiring a built-in prompt and our own: neither is offered any more, both can come back.
    assert fac.post(f"{bank_url}/poll-energy/retire").status_code == 303
    assert fac.post(f"{bank_url}/{prompt_id}/retire").status_code == 303
    picker = part(fac.get(f"/meetings/{m}?icebreaker_category=poll").text, "icebreaker")
    assert "How much energy" not in picker and "Which biscuit" not in picker
    page = fac.get(bank_url).text
    retired = text_of(page[page.index('id="retired"'):])
    assert "How much energy" in retired and "Which biscuit, if any?" in retired
    refused = launch(fac, m, prompt_id="poll-energy")
    assert refused.status_code == 409 and "has been retired" in text_of(refused.text)

    assert fac.post(f"{bank_url}/poll-energy/restore").status_code == 303
    assert "How much energy" in part(fac.get(f"/meetings/{m}?icebreaker_category=poll").text, "icebreaker")
    assert launch(fac, m, prompt_id="poll-energy").status_code == 200


def test_prompt_forms_refuse_bad_input_clearly_and_keep_what_was_typed(scene):
    cid = scene.community_id
    fac = scene.facilitator
    bank_url = f"/communities/{cid}/icebreakers"
    one_choice = fac.post(bank_url, {"category": "poll", "mode": "poll", "text": "Tea or coffee?", "choices": "Tea"})
    assert one_choice.status_code == 422
    assert "A poll needs at least two choices, one per line" in text_of(one_choice.text)
    assert "Tea or coffee?" in one_choice.text
    too_long = fac.post(bank_url, {"category": "light", "mode": "everyone", "text": "x" * 301})
    assert too_long.status_code == 422 and "Please keep this under 300 characters." in text_of(too_long.text)
    bad = fac.post(bank_url, {"category": "gossip", "mode": "shout", "text": "Hi"})
    assert bad.status_code == 422 and "Choose one of the categories in the list" in text_of(bad.text)
    assert fac.post(f"{bank_url}/light-smile", {"category": "light", "mode": "everyone", "text": "Changed"}).status_code == 409
    assert fac.post(f"{bank_url}/custom-999999/retire").status_code == 404
    assert fac.post(f"{bank_url}/{'x' * 500}/retire").status_code == 404


def test_a_prompt_written_on_the_spot_can_be_launched_and_kept_in_the_bank(scene):
    m, cid = scene.meeting_id, scene.community_id
    fac = scene.facilitator
    ana = scene.member("Ana", "lay")
    response = launch(fac, m, text="Which season suits you best?", mode="poll", choices="Spring\nSummer\nAutumn\nWinter",
                      save_to_bank="true", category="poll")
    assert response.status_code == 200
    page = ana.get(f"/meetings/{m}").text
    assert "Which season suits you best?" in part(page, "icebreaker")
    assert len(re.findall(r'name="choice"', page)) == 4
    assert "Which season suits you best?" in fac.get(f"/communities/{cid}/icebreakers").text

    fac.post(f"/meetings/{m}/icebreakers/{run_id_in(page)}/close", htmx=True)
    refused = launch(fac, m, text="", mode="everyone")
    assert refused.status_code == 422 and "Choose a prompt from the bank, or write one" in text_of(refused.text)
    refused = launch(fac, m, text="Pick one", mode="poll", choices="Only one")
    assert refused.status_code == 422 and "A poll needs at least two choices" in text_of(refused.text)
    refused = launch(fac, m, text="Chat", mode="pair_up", minutes="600")
    assert refused.status_code == 422 and "whole minutes, from 1 to 30" in text_of(refused.text)
    refused = launch(fac, m, text="Chat", mode="dance")
    assert refused.status_code == 422 and "Choose how people will answer" in text_of(refused.text)


def test_the_prompt_bank_through_the_rest_api(scene, api, read_api, client, new_browser):
    cid = scene.community_id
    listed = api.get(f"/communities/{cid}/icebreaker-prompts?limit=100")
    assert len(listed["items"]) == len(BUILTIN) and listed["next_cursor"] is None
    first = api.get(f"/communities/{cid}/icebreaker-prompts?limit=20")
    second = api.get(f"/communities/{cid}/icebreaker-prompts?limit=20&cursor={first['next_cursor']}")
    assert {p["id"] for p in first["items"]}.isdisjoint(p["id"] for p in second["items"])
    polls = api.get(f"/communities/{cid}/icebreaker-prompts?category=poll")["items"]
    assert polls and all(p["category"] == "poll" and len(p["choices"]) >= 2 for p in polls)

    created = api.post(f"/communities/{cid}/icebreaker-prompts",
                       json={"category": "creative", "mode": "everyone", "text": "  Describe   a perfect Sunday  "})
    assert created.status_code == 201
    prompt = created.json()
    assert prompt["text"] == "Describe a perfect Sunday" and prompt["source"] == "community"
    changed = api.patch(f"/communities/{cid}/icebreaker-prompts/{prompt['id']}", json={"text": "Describe a perfect day"},
                        if_match=f'"{prompt["version"]}"')
    assert changed.status_code == 200 and changed.json()["text"] == "Describe a perfect day"
    assert changed.json()["mode"] == "everyone"
    to_poll = api.patch(f"/communities/{cid}/icebreaker-prompts/{prompt['id']}", json={"mode": "poll"},
                        if_match=f'"{changed.json()["version"]}"')
    assert to_poll.status_code == 422
    assert to_poll.json()["detail"] == "A poll needs at least two choices, one per line"
    builtin = api.patch(f"/communities/{cid}/icebreaker-prompts/light-smile", json={"text": "Changed"})
    assert builtin.status_code == 409 and "Built-in prompts cannot be changed" in builtin.json()["detail"]

    retired = api.post(f"/communities/{cid}/icebreaker-prompts/light-smile/retire")
    assert retired.status_code == 200 and retired.json()["retired"] is True
    ids = {p["id"] for p in api.get(f"/communities/{cid}/icebreaker-prompts?limit=100")["items"]}
    assert "light-smile" not in ids and prompt["id"] in ids
    everything = api.get(f"/communities/{cid}/icebreaker-prompts?limit=100&include_retired=true")["items"]
    assert next(p for p in everything if p["id"] == "light-smile")["retired"] is True
    assert api.post(f"/communities/{cid}/icebreaker-prompts/light-smile/restore").json()["retired"] is False

    # Read-only keys read; other communities' keys see nothing; unknown prompts are 404.
    assert read_api.post(f"/communities/{cid}/icebreaker-prompts",
                         json={"category": "light", "mode": "everyone", "text": "No"}).status_code == 403
    assert api.get(f"/communities/{cid}/icebreaker-prompts/nope", status=404)["status"] == 404
    assert api.get(f"/communities/{cid + 1}/icebreaker-prompts", status=404)["detail"] == "There is no such community."
    assert client.get(f"/api/v1/communities/{cid}/icebreaker-prompts").status_code == 401

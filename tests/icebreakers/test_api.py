"""A meeting's icebreakers through the REST API: runs, results and answers."""

import pytest

from tests.icebreakers.conftest import answer, part, run_id_in

pytestmark = pytest.mark.timeout(30)


def test_runs_and_answers_through_the_rest_api(scene, api, read_api):
    m = scene.meeting_id
    ana, dev = scene.member("Ana", "lay"), scene.member("Dev", "gp")
    with ana.live(m) as socket:
        socket.next()
        launched = api.post(f"/meetings/{m}/icebreakers",
                            json={"text": "One word for today", "mode": "one_word", "save_to_bank": False})
        assert launched.status_code == 201, launched.text
        run = launched.json()
        assert run["status"] == "running" and run["mode"] == "one_word" and run["prompt_id"] is None
        # Launching through the API reaches everyone live, like the page does.
        socket.wait_for(lambda msg: "One word for today" in part(msg, "icebreaker"))
    answer(ana, m, run["id"], text="Curious")
    answer(dev, m, run["id"], text="curious")
    conflict = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "light-smile"})
    assert conflict.status_code == 409
    assert conflict.headers["content-type"].startswith("application/problem+json")

    closed = api.post(f"/meetings/{m}/icebreakers/{run['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["words"] == [{"word": "curious", "count": 2}]
    assert api.post(f"/meetings/{m}/icebreakers/{run['id']}/close").status_code == 409

    second = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "light-smile", "anonymous": False}).json()
    answer(ana, m, second["id"], text="Seeing friends")
    listing = read_api.get(f"/meetings/{m}/icebreakers?limit=1")
    assert [r["id"] for r in listing["items"]] == [run["id"]]
    rest = read_api.get(f"/meetings/{m}/icebreakers?limit=1&cursor={listing['next_cursor']}")
    assert [r["id"] for r in rest["items"]] == [second["id"]] and rest["next_cursor"] is None
    assert [r["id"] for r in read_api.get(f"/meetings/{m}/icebreakers?status=running")["items"]] == [second["id"]]

    named = read_api.get(f"/meetings/{m}/icebreakers/{second['id']}/answers")["items"]
    assert [(a["text"], a["author_name"], a["author_role"]) for a in named] == [("Seeing friends", "Ana", "lay")]
    words = read_api.get(f"/meetings/{m}/icebreakers/{run['id']}/answers?limit=1")
    assert len(words["items"]) == 1 and words["next_cursor"] is not None

    # Unknown, foreign or malformed: 404 or 422, never a 500.
    assert read_api.get(f"/meetings/{m}/icebreakers/999999", status=404)["detail"] == "There is no such icebreaker in this meeting."
    assert read_api.get(f"/meetings/{m + 1}/icebreakers", status=404)["detail"] == "There is no such meeting."
    assert read_api.get(f"/meetings/{m}/icebreakers/99999999999999", status=404)
    bad = api.post(f"/meetings/{m}/icebreakers", json={"text": "x", "mode": "poll", "choices": ["only"]})
    assert bad.status_code == 422


def test_the_api_documents_the_icebreaker_routes(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/api/v1/communities/{community_id}/icebreaker-prompts",
                 "/api/v1/meetings/{meeting_id}/icebreakers",
                 "/api/v1/meetings/{meeting_id}/icebreakers/{run_id}/answers"):
        for operation in paths[path].values():
            assert operation["summary"] and "404" in operation["responses"]
    assert "409" in paths["/api/v1/meetings/{meeting_id}/icebreakers"]["post"]["responses"]


def test_the_page_and_the_api_agree(scene, api):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "poll-morning"})
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    answer(ana, m, run_id, choice=1)
    assert "Night owl: 1 (100%)" in part(ana.get(f"/meetings/{m}").text, "icebreaker-results")
    assert api.get(f"/meetings/{m}/icebreakers/{run_id}")["poll"][1] == {"choice": "Night owl", "count": 1}

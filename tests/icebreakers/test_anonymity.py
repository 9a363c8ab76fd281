"""An anonymous icebreaker stores no link between an answer and a participant:
not in the database, the events, the API, the live frames or the log."""

import asyncio
import json
import logging
import re

import pytest

from tests.helpers import as_time, every_table_row, region
from tests.icebreakers.conftest import answer, close, launch, part, run_id_in

pytestmark = pytest.mark.timeout(30)

ANSWERS = {"Ana Asker": "My physio listened to me", "Dev Doctor": "A patient thanked me"}




def test_an_anonymous_run_stores_no_link_between_an_answer_and_a_participant(scene, settings, api, caplog):
    caplog.set_level(logging.DEBUG)
    m = scene.meeting_id
    people = {name: scene.member(name, role) for name, role in (("Ana Asker", "lay"), ("Dev Doctor", "gp"))}
    with scene.facilitator.live(m) as fac_socket:
        fac_socket.next()
        # Everyone answers (anonymous), a poll and one word: each answered, one answer changed.
        launch(scene.facilitator, m, prompt_id="care-difference", anonymous="true")
        run_id = run_id_in(scene.facilitator.get(f"/meetings/{m}").text)
        for name, words in ANSWERS.items():
            assert answer(people[name], m, run_id, text="first try").status_code == 200
            assert answer(people[name], m, run_id, text=words).status_code == 200
        fac_socket.wait_for(lambda msg: "2 answers" in part(msg, "icebreaker-results"))
        close(scene.facilitator, m, run_id)
        launch(scene.facilitator, m, prompt_id="poll-speaking-up")
        poll_id = run_id_in(scene.facilitator.get(f"/meetings/{m}").text)
        answer(people["Ana Asker"], m, poll_id, choice=0)
        answer(people["Dev Doctor"], m, poll_id, choice=3)
        close(scene.facilitator, m, poll_id)
        launch(scene.facilitator, m, prompt_id="word-need")
        word_id = run_id_in(scene.facilitator.get(f"/meetings/{m}").text)
        answer(people["Ana Asker"], m, word_id, text="courage")
        answer(people["Dev Doctor"], m, word_id, text="time")
        fac_socket.wait_for(lambda msg: "2 words" in part(msg, "icebreaker-results"))
        frames = list(fac_socket.received)

    tables = asyncio.run(every_table_row(settings.database_url))
    participants = {p["display_name"]: p["id"] for p in tables["participant"]}
    ana_id = participants["Ana Asker"]

    # The database: no participant column, no name, no role, random ids, times to the minute.
    rows = tables["icebreakeranswer"]
    assert len(rows) == 6
    for row in rows:
        assert set(row) == {"id", "run_id", "answer_key", "position", "text", "choice", "author_name",
                            "author_role", "created_at"}
        assert row["author_name"] is None and row["author_role"] is None
        assert re.fullmatch(r"[0-9a-f]{16}", row["id"])
        assert re.fullmatch(r"[0-9a-f]{64}", row["answer_key"]) and str(ana_id) not in {row["answer_key"], row["id"]}
        assert as_time(row["created_at"]).second == 0 and as_time(row["created_at"]).microsecond == 0
    # One answer each per run, even after changing it.
    assert sorted(r["text"] for r in rows if r["run_id"] == run_id) == sorted(ANSWERS.values())
    # The events say that someone answered, never who or what.
    for row in tables["meetingevent"]:
        if row["type"].startswith("icebreaker."):
            data = json.dumps(row["data"])
            assert "participant" not in data and "Ana" not in data and "Dev" not in data
            assert not any(words in data for words in ANSWERS.values())

    # The API.
    for rid in (run_id, poll_id, word_id):
        items = api.get(f"/meetings/{m}/icebreakers/{rid}/answers")["items"]
        assert items and all(a["author_name"] is None and a["author_role"] is None for a in items)
        assert "participant" not in json.dumps(items)

    # The live frames: the wall never names them.
    for frame in frames:
        results = region(frame, "icebreaker-results") or ""
        assert "Ana" not in results and "Dev" not in results

    # The log: never what anyone wrote, never who answered.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(words in message for words in ANSWERS.values()), message
        if "answer" in message.lower():
            assert "Ana" not in message and f"participant {ana_id}" not in message, message


def test_a_named_run_shows_names_and_keeps_only_what_it_shows(scene, settings):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="light-smile", anonymous="false")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    answer(ana, m, run_id, text="Sunshine")
    row = asyncio.run(every_table_row(settings.database_url))["icebreakeranswer"][0]
    assert (row["author_name"], row["author_role"], row["text"]) == ("Ana", "lay", "Sunshine")

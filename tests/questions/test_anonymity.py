"""Anonymous means the system cannot tell: after anonymous questions and votes,
nothing in the database, the API, the live frames or the log links them to the
participant who asked."""

import asyncio
import json
import logging
import re

import pytest

from tests.api.keys import create_api_key
from tests.helpers import as_time, every_table_row, questions_seen

pytestmark = pytest.mark.timeout(30)

QUESTIONS = ["Is the physio waiting list getting shorter?", "Who decides which services are cut?"]




def test_nothing_links_an_anonymous_question_or_vote_to_its_asker(scene, settings, client, caplog):
    caplog.set_level(logging.DEBUG)
    asker = scene.member("Ana Asker", "lay")
    voter = scene.member("Dev Voter", "clinician")
    key = create_api_key(scene.facilitator, scene.community_id, "read", "Audit")

    with voter.live(scene.meeting_id) as voter_socket, scene.facilitator.live(scene.meeting_id) as fac_socket, \
            asker.live(scene.meeting_id) as asker_socket:
        for socket in (voter_socket, fac_socket, asker_socket):
            socket.next()
        for body in QUESTIONS:
            assert asker.post(f"/meetings/{scene.meeting_id}/questions", {"body": body}, htmx=True).status_code == 200
        for socket in (voter_socket, fac_socket):
            socket.wait_for(lambda m: QUESTIONS[1] in (questions_seen(m) or ""))
        qids = re.findall(r'id="q-([0-9a-f]{16})"', voter.get(f"/meetings/{scene.meeting_id}").text)
        assert len(qids) == 2
        for qid in qids:
            voter.post(f"/meetings/{scene.meeting_id}/questions/{qid}/vote", htmx=True)
        asker.post(f"/meetings/{scene.meeting_id}/questions/{qids[0]}/vote", htmx=True)
        fac_socket.wait_for(lambda m: "2 votes" in (questions_seen(m) or ""))
        frames = voter_socket.received + fac_socket.received + asker_socket.received

    tables = asyncio.run(every_table_row(settings.database_url))
    asker_row = next(p for p in tables["participant"] if p["display_name"] == "Ana Asker")
    asker_id = asker_row["id"]

    # The database: no author column, no name, no participant id next to a question.
    for row in tables["question"]:
        assert row["attribution"] == "anonymous"
        assert row["author_name"] is None and row["author_role"] is None
        assert as_time(row["created_at"]).second == 0 and as_time(row["created_at"]).microsecond == 0
        assert not any("participant" in column or "account" in column for column in row)
    for row in tables["questionvote"]:
        assert set(row) == {"id", "question_id", "voter_key"}
        assert str(asker_id) != row["voter_key"] and len(row["voter_key"]) == 64
    for row in tables["meetingevent"]:
        if row["type"].startswith("question."):
            data = json.dumps(row["data"])
            assert "Ana" not in data and "participant" not in data
            assert as_time(row["created_at"]).second == 0
    # Ids are random, so they say nothing about who asked when.
    assert all(re.fullmatch(r"[0-9a-f]{16}", q["id"]) for q in tables["question"])

    # The API.
    api = client.get(f"/api/v1/meetings/{scene.meeting_id}/questions", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200
    for item in api.json()["items"]:
        assert item["author_name"] is None and item["author_role"] is None
    assert "Ana" not in api.text and "participant" not in api.text

    # Every live frame anyone received: the questions region never names her.
    for frame in frames:
        part = questions_seen(frame)
        if part:
            assert "Ana" not in part

    # The log: never the question's words, never the asker next to a question.
    for record in caplog.records:
        message = record.getMessage()
        assert not any(q in message for q in QUESTIONS), message
        if "question" in message.lower():
            assert "Ana" not in message and f"participant {asker_id}" not in message, message

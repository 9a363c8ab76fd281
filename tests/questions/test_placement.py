"""Where a new question goes in each list (service.listed_after, two small queries)
is where the whole list (service.questions_of) has it, for both orders, with ties
in time (times are rounded to the minute) and in votes, pinned and answered ones."""

import re

import pytest

from app.questions import service
from app.questions.models import QuestionStatus
from tests.questions.test_questions import ask

pytestmark = pytest.mark.timeout(60)


def test_the_next_question_is_the_one_the_whole_list_has_next(scene, client):
    ana, ben, dev = scene.member("Ana"), scene.member("Ben", "carer"), scene.member("Dev", "gp")
    for n in range(8):  # two askers: each may ask five a minute
        ask((ana, ben)[n % 2], scene.meeting_id, f"Question {n}?")
    ids = re.findall(r'id="q-([0-9a-f]{16})"', dev.get(f"/meetings/{scene.meeting_id}").text)
    for qid in ids[:3]:  # ties in votes: three with one vote
        dev.post(f"/meetings/{scene.meeting_id}/questions/{qid}/vote", htmx=True)
    for voter in (ana, dev):  # and one with two
        voter.post(f"/meetings/{scene.meeting_id}/questions/{ids[4]}/vote", htmx=True)
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/{ids[5]}/pin", htmx=True)
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/{ids[6]}/answer", {"answer": "Yes."}, htmx=True)

    async def compare() -> int:
        checked = 0
        async with client.app.state.sessionmaker() as session:
            for sort in ("votes", "time"):
                listed = [q for q in await service.questions_of(session, scene.meeting_id, {QuestionStatus.open}, sort)
                          if not q.pinned]
                for place, question in enumerate(listed):
                    expected = listed[place + 1].id if place + 1 < len(listed) else None
                    assert await service.listed_after(session, question, sort) == (expected, len(listed) > 1), sort
                    checked += 1
        return checked

    assert client.portal.call(compare) == 2 * 6  # six open, unpinned questions in each order


def test_a_lone_question_has_no_other_beside_it(scene, client):
    ana = scene.member("Ana")
    ask(ana, scene.meeting_id, "Only me?")

    async def place() -> tuple:
        async with client.app.state.sessionmaker() as session:
            (only,) = await service.questions_of(session, scene.meeting_id, {QuestionStatus.open})
            return await service.listed_after(session, only)

    assert client.portal.call(place) == (None, False)

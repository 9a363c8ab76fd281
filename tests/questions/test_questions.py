"""The anonymous question chat, through the pages and the live socket."""

import re

import pytest

from tests.helpers import questions_seen, region, text_of

pytestmark = pytest.mark.timeout(30)


def question_ids(html: str) -> list[str]:
    return re.findall(r'id="q-([0-9a-f]{16})"', html)


def ask(browser, meeting_id: int, body: str, attribution: str = "anonymous", htmx: bool = True):
    return browser.post(f"/meetings/{meeting_id}/questions", {"body": body, "attribution": attribution}, htmx=htmx)


def questions_text(browser, meeting_id: int, query: str = "") -> str:
    return text_of(region(browser.get(f"/meetings/{meeting_id}{query}").text, "questions"))


def test_a_question_appears_live_and_an_upvote_and_pin_reach_everyone(scene):
    """Two browsers: one asks anonymously, the other sees it appear and upvotes, the
    facilitator pins it, both see it pinned, live."""
    asker, voter = scene.member("Ana", "lay"), scene.member("Dev", "clinician")
    with asker.live(scene.meeting_id) as asker_socket, voter.live(scene.meeting_id) as voter_socket:
        asker_socket.next(), voter_socket.next()
        response = ask(asker, scene.meeting_id, "Will the new pathway mean longer waits?")
        assert response.status_code == 200
        assert "Your question was posted" in text_of(response.text)

        seen = voter_socket.wait_for(lambda m: "longer waits" in (questions_seen(m) or ""))
        assert "Someone asks" in text_of(questions_seen(seen))
        assert "Ana" not in questions_seen(seen)
        qid = question_ids(seen)[0]

        assert voter.post(f"/meetings/{scene.meeting_id}/questions/{qid}/vote", htmx=True).status_code == 200
        voted = asker_socket.wait_for(lambda m: "1 vote" in text_of(questions_seen(m) or ""))
        assert "longer waits" in voted

        scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/{qid}/pin", htmx=True)
        for socket in (asker_socket, voter_socket):
            pinned = socket.wait_for(lambda m: "Pinned" in text_of(questions_seen(m) or ""))
            assert re.search(r'aria-label="Pinned question">\s*<li class="question pinned" id="q-' + qid, pinned)


def test_upvotes_are_one_per_person_and_can_be_taken_back(scene):
    asker, voter = scene.member("Ana"), scene.member("Dev", "gp")
    ask(asker, scene.meeting_id, "First question")
    qid = question_ids(asker.get(f"/meetings/{scene.meeting_id}").text)[0]
    vote_url = f"/meetings/{scene.meeting_id}/questions/{qid}/vote"

    voter.post(vote_url, htmx=True)
    page = voter.get(f"/meetings/{scene.meeting_id}").text
    assert "1 vote" in questions_text(voter, scene.meeting_id)
    assert re.search(rf'data-question="{qid}" aria-pressed="true"', page), "the voter sees their own vote"
    assert re.search(rf'data-question="{qid}" aria-pressed="false"', asker.get(f"/meetings/{scene.meeting_id}").text)

    voter.post(vote_url, htmx=True)  # take it back
    assert "0 votes" in questions_text(voter, scene.meeting_id)
    voter.post(vote_url, htmx=True)
    asker.post(vote_url, htmx=True)
    assert "2 votes" in questions_text(voter, scene.meeting_id)


def test_questions_can_be_sorted_by_votes_or_by_time(scene):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    ask(ana, scene.meeting_id, "Older question")
    ask(ana, scene.meeting_id, "Newer question")
    ids = question_ids(ana.get(f"/meetings/{scene.meeting_id}?sort=time").text)
    older = next(q for q in ids if q in question_ids(ana.get(f"/meetings/{scene.meeting_id}").text))
    # Both were asked in the same minute, so "time" falls back to a stable order; give the
    # older one a vote and check "votes" puts it first while "time" is a different view.
    page = ana.get(f"/meetings/{scene.meeting_id}").text
    target = [q for q in question_ids(page) if q][-1]
    dev.post(f"/meetings/{scene.meeting_id}/questions/{target}/vote", htmx=True)
    by_votes = question_ids(ana.get(f"/meetings/{scene.meeting_id}?sort=votes").text)
    assert by_votes[0] == target
    assert "newest" in questions_text(ana, scene.meeting_id) and older


def test_premoderation_keeps_questions_from_members_until_approved(scene):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/review", {"on": "true"})
    with dev.live(scene.meeting_id) as dev_socket, scene.facilitator.live(scene.meeting_id) as fac_socket:
        dev_socket.next(), fac_socket.next()
        response = ask(ana, scene.meeting_id, "Is this evidence from the UK?")
        assert "facilitator will review it" in text_of(response.text)
        review = fac_socket.wait_for(lambda m: "evidence from the UK" in (region(m, "question-review") or ""))
        qid = re.search(r'id="review-([0-9a-f]{16})"', review).group(1)
        assert "evidence from the UK" not in dev.get(f"/meetings/{scene.meeting_id}").text
        assert "Waiting for review" not in dev.get(f"/meetings/{scene.meeting_id}").text

        # Members are sent nothing of it until it is approved: their next list has it.
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/{qid}/approve", htmx=True)
        approved = dev_socket.wait_for(lambda m: questions_seen(m) is not None)
        assert "evidence from the UK" in approved and qid in approved
        assert not any("evidence from the UK" in m for m in dev_socket.received[:-1])


def test_hide_undo_answer_and_reopen(scene):
    ana = scene.member("Ana")
    ask(ana, scene.meeting_id, "Can carers come to the next meeting?")
    qid = question_ids(ana.get(f"/meetings/{scene.meeting_id}").text)[0]
    base = f"/meetings/{scene.meeting_id}/questions/{qid}"

    scene.facilitator.post(f"{base}/hide")
    assert "Can carers come" not in questions_text(ana, scene.meeting_id)
    assert "Hidden questions (1)" in questions_text(scene.facilitator, scene.meeting_id)
    scene.facilitator.post(f"{base}/unhide")
    assert "Can carers come" in questions_text(ana, scene.meeting_id)

    scene.facilitator.post(f"{base}/answer", {"answer": "Yes, everyone is welcome."})
    shown = questions_text(ana, scene.meeting_id)
    assert "Answered questions (1)" in shown and "Answer: Yes, everyone is welcome." in shown
    scene.facilitator.post(f"{base}/reopen")
    shown = questions_text(ana, scene.meeting_id)
    assert "Answered questions" not in shown and "Can carers come" in shown
    # Only one question is pinned at a time.
    ask(ana, scene.meeting_id, "Second question")
    other = [q for q in question_ids(ana.get(f"/meetings/{scene.meeting_id}").text) if q != qid][0]
    scene.facilitator.post(f"{base}/pin")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/questions/{other}/pin")
    assert questions_text(ana, scene.meeting_id).count("Pinned") == 1


MODERATION = ["approve", "hide", "unhide", "answer", "reopen", "pin", "unpin"]


@pytest.mark.parametrize("action", MODERATION)
def test_a_member_cannot_moderate(scene, action):
    ana = scene.member("Ana")
    ask(ana, scene.meeting_id, "Untouchable question")
    qid = question_ids(ana.get(f"/meetings/{scene.meeting_id}").text)[0]
    before = questions_text(scene.facilitator, scene.meeting_id)
    response = ana.post(f"/meetings/{scene.meeting_id}/questions/{qid}/{action}", {"answer": "hijacked"})
    assert response.status_code == 403
    assert questions_text(scene.facilitator, scene.meeting_id) == before


def test_a_member_cannot_switch_review_or_clear_signals_or_see_the_queue(scene):
    ana = scene.member("Ana")
    assert ana.post(f"/meetings/{scene.meeting_id}/questions/review", {"on": "true"}).status_code == 403
    assert ana.post(f"/meetings/{scene.meeting_id}/jargon/explained").status_code == 403
    page = ana.get(f"/meetings/{scene.meeting_id}").text
    assert 'id="question-review"' not in page
    with ana.live(scene.meeting_id) as socket:
        assert region(socket.next(), "question-review") is None


def test_sending_commands_over_the_socket_does_nothing(scene):
    """The socket only listens: commands go over HTTP, where they are authorised."""
    ana = scene.member("Ana")
    ask(ana, scene.meeting_id, "Socket question")
    qid = question_ids(ana.get(f"/meetings/{scene.meeting_id}").text)[0]
    with ana.live(scene.meeting_id) as socket:
        socket.next()
        socket.ws.send_text('{"action": "pin", "question": "%s"}' % qid)
        socket.ws.send_json({"HEADERS": {"HX-Request": "true"}, "action": "hide"})
    assert "Pinned" not in questions_text(ana, scene.meeting_id)
    assert "Socket question" in questions_text(ana, scene.meeting_id)


def test_script_in_a_question_is_shown_as_text(scene):
    ana = scene.member("Ana")
    with scene.facilitator.live(scene.meeting_id) as socket:
        socket.next()
        ask(ana, scene.meeting_id, '<script>alert("x")</script><img src=x onerror=alert(1)>')
        pushed = socket.wait_for(lambda m: "alert" in (questions_seen(m) or ""))
    for html in (pushed, ana.get(f"/meetings/{scene.meeting_id}").text):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_an_oversized_question_is_refused_clearly_and_kept(scene):
    ana = scene.member("Ana")
    huge = "why " * 25_000  # 100 kB
    response = ask(ana, scene.meeting_id, huge)
    assert response.status_code == 422
    assert "under 1000 characters" in text_of(response.text)
    # Without JavaScript the room comes back with the message and the words kept.
    plain = ask(ana, scene.meeting_id, "x" * 1200, htmx=False)
    assert plain.status_code == 422
    assert "under 1000 characters" in text_of(plain.text)
    assert "x" * 1000 in plain.text
    assert question_ids(ana.get(f"/meetings/{scene.meeting_id}").text) == []


def test_asking_too_often_is_refused_with_a_wait_time(scene):
    ana = scene.member("Ana")
    for n in range(5):
        assert ask(ana, scene.meeting_id, f"Question {n}").status_code == 200
    response = ask(ana, scene.meeting_id, "One too many")
    assert response.status_code == 429
    assert int(response.headers["retry-after"]) > 0
    assert "still in the box" in text_of(response.text)
    assert "One too many" not in questions_text(ana, scene.meeting_id)
    # Someone else can still ask.
    assert ask(scene.member("Dev", "gp"), scene.meeting_id, "My first").status_code == 200


def test_the_asker_can_withdraw_and_nobody_else_can(scene):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    ask(ana, scene.meeting_id, "Maybe a silly question")
    page = ana.get(f"/meetings/{scene.meeting_id}").text
    qid = question_ids(page)[0]
    assert "Your questions" in page and f"/questions/{qid}/withdraw" in page
    assert f"/questions/{qid}/withdraw" not in dev.get(f"/meetings/{scene.meeting_id}").text
    assert dev.post(f"/meetings/{scene.meeting_id}/questions/{qid}/withdraw").status_code == 404
    with dev.live(scene.meeting_id) as socket:
        socket.next()
        assert ana.post(f"/meetings/{scene.meeting_id}/questions/{qid}/withdraw", htmx=True).status_code == 200
        gone = socket.wait_for(lambda m: questions_seen(m) is not None)
        assert "silly question" not in gone


def test_role_attribution_needs_enough_people_of_that_role(scene):
    ana = scene.member("Ana", "lay")
    page = ana.get(f"/meetings/{scene.meeting_id}").text
    assert 'value="role"' not in page, "not offered when she is the only lay member"
    assert "Only 2 people are here" in text_of(page)
    response = ask(ana, scene.meeting_id, "Sneaky role question", attribution="role")
    assert response.status_code == 422 and "guess it was you" in text_of(response.text)

    lay = [ana] + [scene.member(f"Lay {n}", "lay") for n in range(4)]
    page = lay[0].get(f"/meetings/{scene.meeting_id}").text
    assert 'value="role"' in page and "Only" not in text_of(region(page, "ask-privacy") or "")
    ask(lay[0], scene.meeting_id, "Role question", attribution="role")
    ask(lay[1], scene.meeting_id, "Named question", attribution="named")
    shown = questions_text(scene.facilitator, scene.meeting_id)
    assert "A lay member or patient asks" in shown
    assert "Lay 0 (Lay member or patient) asks" in shown


def test_what_does_that_mean_reaches_only_the_facilitator(scene):
    ana = scene.member("Ana")
    with ana.live(scene.meeting_id) as member_socket, scene.facilitator.live(scene.meeting_id) as fac_socket:
        member_socket.next(), fac_socket.next()
        response = ana.post(f"/meetings/{scene.meeting_id}/jargon", {"term": "PROMs"}, htmx=True)
        assert "without your name" in text_of(response.text)
        ana.post(f"/meetings/{scene.meeting_id}/jargon", {"term": "proms"}, htmx=True)
        seen = fac_socket.wait_for(lambda m: "2 people have asked" in text_of(region(m, "question-review") or ""))
        assert "2 people have asked" in text_of(region(seen, "question-review"))
        assert "proms (2)" in text_of(region(seen, "question-review"))
        scene.facilitator.post(f"/meetings/{scene.meeting_id}/jargon/explained", htmx=True)
        cleared = fac_socket.wait_for(lambda m: "Nobody has asked" in text_of(region(m, "question-review") or ""))
        assert cleared
    assert all("proms" not in m.lower() for m in member_socket.received)


def test_a_new_question_is_pushed_on_its_own_where_a_reload_would_show_it(scene):
    """With many people and many questions, sending the whole list on every question
    is most of the traffic: a new question goes out alone, placed in the list."""
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    page = f"/meetings/{scene.meeting_id}"
    with dev.live(scene.meeting_id) as socket:
        socket.next()
        ask(ana, scene.meeting_id, "First: who runs the clinic?")
        first = socket.wait_for(lambda m: "who runs the clinic" in (questions_seen(m) or ""))
        assert region(first, "questions") is not None  # the first replaces "No questions yet"
        ask(ana, scene.meeting_id, "Second: is there parking?")
        socket.wait_for(lambda m: "parking" in (questions_seen(m) or ""))
        second_id = re.findall(r'id="q-([0-9a-f]{16})"', dev.get(page).text)
        dev.post(f"/meetings/{scene.meeting_id}/questions/{second_id[0]}/vote", htmx=True)
        # Votes go out in a batch that redraws the list; wait for it, so that what
        # follows is the placed pushes alone (a batch rendered later would already
        # hold the next question, and could arrive before its placed push).
        socket.wait_for(lambda m: region(m, "questions") is not None)
        for body in ("Third: what about carers?", "Fourth: can we meet online?"):
            ask(ana, scene.meeting_id, body)
            placed = socket.wait_for(lambda m: body in (questions_seen(m) or ""))
            # Sent on its own, placed in the list (a vote batch may ride in the same message).
            assert re.search(r'hx-swap-oob="(beforebegin:#q-[0-9a-f]+|beforeend:#open-questions)"', placed)
            new_id = re.search(r'id="q-([0-9a-f]{16})"', questions_seen(placed)).group(1)
            target = re.search(r'hx-swap-oob="([a-z]+:#[a-z0-9-]+)"', placed).group(1)
            listed = re.findall(r'id="q-([0-9a-f]{16})"', region(dev.get(page).text, "questions"))
            after = listed.index(new_id) + 1
            assert target == (f"beforebegin:#q-{listed[after]}" if after < len(listed) else "beforeend:#open-questions")


def test_the_askers_page_gets_its_question_placed_not_the_whole_list_again(scene):
    """Each post used to redraw the asker's whole list, work that grows with every
    question in a big meeting; the asker now gets the same placed item as everyone."""
    ana = scene.member("Ana")
    first = ask(ana, scene.meeting_id, "Who runs the clinic?")
    assert region(first.text, "questions") is not None  # the first replaces "No questions yet"
    ask(ana, scene.meeting_id, "Is there parking?")
    response = ask(ana, scene.meeting_id, "What about carers?")
    assert response.status_code == 200
    assert region(response.text, "questions") is None  # not the whole list
    placed = re.search(r'hx-swap-oob="(beforebegin:#q-[0-9a-f]{16}|beforeend:#open-questions)"', response.text)
    in_the_list = response.text.split('<div id="my-questions"')[0]
    assert placed and "What about carers?" in in_the_list and "Is there parking?" not in in_the_list
    assert "What about carers?" in text_of(region(response.text, "my-questions"))
    # Without JavaScript, the redirect shows the whole list as before.
    assert "What about carers?" in questions_text(ana, scene.meeting_id)


def test_a_question_shown_at_once_leaves_the_review_list_alone(scene):
    """Without review the facilitators' review list does not change when a question
    is posted, so it is not rendered and pushed again with every question."""
    ana = scene.member("Ana")
    with scene.facilitator.live(scene.meeting_id) as fac_socket:
        fac_socket.next()
        ask(ana, scene.meeting_id, "Who runs the clinic?")
        seen = fac_socket.wait_for(lambda m: "who runs the clinic" in (questions_seen(m) or "").lower())
        assert region(seen, "question-review") is None


def test_the_askers_placed_question_follows_the_order_their_page_shows(scene):
    """The asker's page gets its new question placed as a reload of that page (its
    address, which htmx sends, says how it is sorted) would list it."""
    ana, ben, dev = scene.member("Ana"), scene.member("Ben", "carer"), scene.member("Dev", "gp")
    page = f"http://testserver/meetings/{scene.meeting_id}"
    for body in ("First?", "Second?", "Third?"):
        ask(ana, scene.meeting_id, body)
    first = re.findall(r'id="q-([0-9a-f]{16})"', region(dev.get(page).text, "questions"))[-1]
    dev.post(f"/meetings/{scene.meeting_id}/questions/{first}/vote", htmx=True)  # the orders now differ

    for sort in ("time", "votes"):
        response = ben.post(f"/meetings/{scene.meeting_id}/questions", {"body": f"Sorted by {sort}?"}, htmx=True,
                            headers={"HX-Current-URL": f"{page}?sort={sort}"})
        target = re.search(r'hx-swap-oob="([a-z]+:#[a-z0-9-]+)"', response.text).group(1)
        new_id = re.search(r'id="q-([0-9a-f]{16})"', response.text).group(1)
        listed = re.findall(r'id="q-([0-9a-f]{16})"', region(ben.get(f"{page}?sort={sort}").text, "questions"))
        after = listed.index(new_id) + 1
        assert target == (f"beforebegin:#q-{listed[after]}" if after < len(listed) else "beforeend:#open-questions")

"""Each icebreaker mode end to end: the facilitator launches from the meeting page,
members answer from theirs, and everyone's open live socket gets each change."""

import re

import pytest

from tests.helpers import region, text_of
from tests.icebreakers.conftest import answer, close, launch, part, run_id_in

pytestmark = pytest.mark.timeout(30)


def pairs_in(html: str) -> list[tuple[set[int], str]]:
    """The pairs (or threes) listed in a page or pushed message: member ids and the words shown."""
    found = re.findall(r'<li data-pair-members="([\d ]+)">(.*?)</li>', region(html, "icebreaker-results") or "", re.S)
    return [({int(i) for i in ids.split()}, text_of(words)) for ids, words in found]


def test_everyone_answers_anonymously_on_a_live_wall_and_the_record_keeps_it(scene):
    m = scene.meeting_id
    ana, dev = scene.member("Ana", "lay"), scene.member("Dev", "gp")
    with ana.live(m) as ana_socket, dev.live(m) as dev_socket, scene.facilitator.live(m) as fac_socket:
        for socket in (ana_socket, dev_socket, fac_socket):
            socket.next()
        response = launch(scene.facilitator, m, prompt_id="light-smile")
        assert response.status_code == 200
        assert "Close the icebreaker" in part(response.text, "icebreaker")

        for socket in (ana_socket, dev_socket):
            launched = socket.wait_for(lambda msg: "made you smile this week" in part(msg, "icebreaker"))
            shown = part(launched, "icebreaker")
            assert "Your answer" in shown and "Send my answer" in shown
            assert "Answers are anonymous: nobody, not even the facilitator, can see who wrote what." in shown
            assert "Close the icebreaker" not in shown  # members get no controls
            # Screen readers hear that it started, once.
            assert "An icebreaker has started: What is a small thing" in text_of(region(launched, "live-news"))
            assert part(launched, "my-icebreaker") == ""  # whatever they answered before is gone
        run_id = run_id_in(launched)

        mine = answer(ana, m, run_id, text="The sun came out on my way here")
        assert mine.status_code == 200
        assert "Your answer: The sun came out on my way here" in part(mine.text, "my-icebreaker")
        seen = dev_socket.wait_for(lambda msg: "The sun came out" in part(msg, "icebreaker-results"))
        assert "1 answer" in part(seen, "icebreaker-results")
        assert "Ana" not in region(seen, "icebreaker-results")

        # One answer each: a second one replaces the first.
        answer(ana, m, run_id, text="A friend rang me")
        seen = dev_socket.wait_for(lambda msg: "A friend rang me" in part(msg, "icebreaker-results"))
        assert "The sun came out" not in part(seen, "icebreaker-results")
        assert "1 answer" in part(seen, "icebreaker-results")
        answer(dev, m, run_id, text="My grandson's drawing")
        fac_socket.wait_for(lambda msg: "2 answers, newest first" in part(msg, "icebreaker-results"))

        assert close(scene.facilitator, m, run_id).status_code == 200
        for socket in (ana_socket, dev_socket, fac_socket):
            closed = socket.wait_for(lambda msg: "No icebreaker is running." in part(msg, "icebreaker"))
            record = part(closed, "icebreaker-record")
            assert "Earlier icebreakers in this meeting (1)" in record
            assert "A friend rang me" in record and "My grandson's drawing" in record
            assert "The icebreaker has closed." in text_of(region(closed, "live-news"))

    late = answer(ana, m, run_id, text="Too late")
    assert late.status_code == 409
    assert "This icebreaker has closed, so answers can no longer be given or changed." in text_of(late.text)
    # Closed icebreakers stay with the meeting, for anyone who opens it later.
    assert "My grandson's drawing" in part(dev.get(f"/meetings/{m}").text, "icebreaker-record")


def test_everyone_answers_with_names_when_the_facilitator_chooses(scene):
    m = scene.meeting_id
    ana, dev = scene.member("Ana", "lay"), scene.member("Dev", "gp")
    with dev.live(m) as dev_socket:
        dev_socket.next()
        launch(scene.facilitator, m, prompt_id="care-brought-here", anonymous="false")
        launched = dev_socket.wait_for(lambda msg: "brought you to this community" in part(msg, "icebreaker"))
        assert "Answers are shown with names." in part(launched, "icebreaker")
        answer(ana, m, run_id_in(launched), text="My knee, and my neighbour")
        seen = dev_socket.wait_for(lambda msg: "My knee" in part(msg, "icebreaker-results"))
        assert "Ana (Lay member or patient) My knee, and my neighbour" in part(seen, "icebreaker-results")


def test_a_quick_poll_shows_live_results_as_an_accessible_svg_bar_chart(scene, api):
    m = scene.meeting_id
    ana, dev, sam = scene.member("Ana", "lay"), scene.member("Dev", "gp"), scene.member("Sam", "commissioner")
    with ana.live(m) as ana_socket, scene.facilitator.live(m) as fac_socket:
        ana_socket.next(), fac_socket.next()
        launch(scene.facilitator, m, prompt_id="poll-energy")
        launched = ana_socket.wait_for(lambda msg: "How much energy" in part(msg, "icebreaker"))
        run_id = run_id_in(launched)
        assert len(re.findall(r'type="radio" id="ib-choice-\d" name="choice"', launched)) == 4
        assert "<legend>Your answer</legend>" in launched

        answer(ana, m, run_id, choice=1)  # Some
        answer(dev, m, run_id, choice=2)  # Plenty
        answer(sam, m, run_id, choice=2)
        seen = fac_socket.wait_for(lambda msg: "3 people answered" in part(msg, "icebreaker-results"))
        chart = region(seen, "icebreaker-results")
        summary = "3 people answered. Running on empty: 0 (0%); Some: 1 (33%); Plenty: 2 (67%); Bouncing off the walls: 0 (0%)."
        assert re.search(rf'<svg role="img" aria-labelledby="poll-title-{run_id} poll-desc-{run_id}"', chart)
        assert f'<desc id="poll-desc-{run_id}">{summary}</desc>' in chart  # the text alternative
        assert '<figcaption aria-hidden="true">3 people answered.</figcaption>' in chart  # seen, not read twice
        assert 'width="65%" height="22"' in chart and 'width="32.5%" height="22"' in chart  # Plenty, Some

        changed = answer(ana, m, run_id, choice=2)  # changes her vote
        assert "Your answer: Plenty" in part(changed.text, "my-icebreaker")
        ana_socket.wait_for(lambda msg: "Plenty: 3 (100%)" in part(msg, "icebreaker-results"))
        close(scene.facilitator, m, run_id)

    run = api.get(f"/meetings/{m}/icebreakers/{run_id}")
    assert run["status"] == "closed" and run["answer_count"] == 3
    assert [(p["choice"], p["count"]) for p in run["poll"]] == [
        ("Running on empty", 0), ("Some", 0), ("Plenty", 3), ("Bouncing off the walls", 0)]
    assert "Plenty: 3 (100%)" in part(ana.get(f"/meetings/{m}").text, "icebreaker-record")


def test_one_word_answers_make_a_word_cloud_that_reads_as_a_ranked_list(scene):
    m = scene.meeting_id
    ana, dev, sam = scene.member("Ana", "lay"), scene.member("Dev", "gp"), scene.member("Sam", "carer")
    with dev.live(m) as dev_socket:
        dev_socket.next()
        launch(scene.facilitator, m, prompt_id="word-arriving")
        launched = dev_socket.wait_for(lambda msg: "how are you arriving today" in part(msg, "icebreaker"))
        run_id = run_id_in(launched)
        assert "Your word" in part(launched, "icebreaker")
        answer(ana, m, run_id, text="Hopeful")
        answer(dev, m, run_id, text="hopeful!")
        answer(sam, m, run_id, text="tired")
        refused = answer(sam, m, run_id, text="a bit tired")
        assert refused.status_code == 422 and "Just one word, please (no spaces)." in text_of(refused.text)

        seen = dev_socket.wait_for(lambda msg: "3 words, most said first" in part(msg, "icebreaker-results"))
        cloud = region(seen, "icebreaker-results")
        assert '<ol class="word-cloud"' in cloud  # a list: a screen reader hears it in rank order
        words = re.findall(r'<li class="size-(\d)"><span class="word">([^<]+)</span> <span class="times">\((\d+)\)</span>', cloud)
        assert words == [("5", "hopeful", "2"), ("1", "tired", "1")]


def test_pair_up_makes_pairs_across_roles_with_a_timer_and_a_latecomer_joins_one(scene, api):
    m = scene.meeting_id
    ana, bea = scene.member("Ana", "lay"), scene.member("Bea", "lay")
    cal, dev = scene.member("Cal", "clinician"), scene.member("Dev", "gp")
    with ana.live(m) as ana_socket, dev.live(m) as dev_socket:
        ana_socket.next(), dev_socket.next()
        launch(scene.facilitator, m, prompt_id="light-in-common", minutes="7")
        launched = ana_socket.wait_for(lambda msg: "The pairs (2)" in part(msg, "icebreaker-results"))
        assert "Find three things you and your partner have in common" in part(launched, "icebreaker")
        assert re.search(r"Talk until \d\d:\d\d", part(launched, "icebreaker"))
        assert re.search(r'<span class="countdown" data-ends-at="[0-9T:.\-]+Z"></span>', launched)
        pairs = pairs_in(launched)
        assert sorted(len(ids) for ids, _ in pairs) == [2, 2]
        for _, words in pairs:  # a lay member with a professional, not two lay members together
            assert words.count("Lay member or patient") == 1, words
        run_id = run_id_in(launched)

        # Each person's page says who their partner is.
        page = part(ana.get(f"/meetings/{m}").text, "my-icebreaker")
        assert re.search(r"You are with (Cal \(Clinician\)|Dev \(GP\))\.", page), page

        # A latecomer sees the pair-up at once, then joins a pair, which becomes a three.
        eve = scene.member("Eve", "commissioner")
        with eve.live(m) as eve_socket:
            snapshot = eve_socket.next()
            assert "Find three things" in part(snapshot, "icebreaker")
            assert "The pairs (2)" in part(snapshot, "icebreaker-results") and "Eve" not in part(snapshot, "icebreaker-results")
            joined = eve.post(f"/meetings/{m}/icebreakers/{run_id}/join", htmx=True)
            assert joined.status_code == 200 and "You are now with" in text_of(joined.text)
            regrouped = dev_socket.wait_for(lambda msg: "Eve" in part(msg, "icebreaker-results"))
            assert sorted(len(ids) for ids, _ in pairs_in(regrouped)) == [2, 3]
            again = eve.post(f"/meetings/{m}/icebreakers/{run_id}/join", htmx=True)
            assert again.status_code == 409 and "You are already in a group with" in text_of(again.text)

    groups = api.get(f"/meetings/{m}/icebreakers/{run_id}")["groups"]
    assert sorted(len(g) for g in groups) == [2, 3]
    assert [p["display_name"] for g in groups for p in g if p["joined_late"]] == ["Eve"]


def test_a_latecomer_sees_the_running_icebreaker_at_once_and_answers_it(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="light-advice")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    answer(ana, m, run_id, text="Be kind to yourself")
    with ana.live(m) as ana_socket:
        ana_socket.next()
        lou = scene.member("Lou", "carer")
        page = lou.get(f"/meetings/{m}").text
        assert "best piece of advice" in part(page, "icebreaker") and "Send my answer" in part(page, "icebreaker")
        assert "Be kind to yourself" in part(page, "icebreaker-results")
        with lou.live(m) as lou_socket:
            snapshot = lou_socket.next()
            assert "best piece of advice" in part(snapshot, "icebreaker")
            assert "Be kind to yourself" in part(snapshot, "icebreaker-results")
            assert answer(lou, m, run_id, text="Listen first").status_code == 200
            ana_socket.wait_for(lambda msg: "Listen first" in part(msg, "icebreaker-results"))
    # Reconnecting sends everyone's snapshot; it never touches one person's own answer.
    with ana.live(m) as ana_socket:
        assert 'id="my-icebreaker"' not in ana_socket.next()
    assert "Your answer: Be kind to yourself" in part(ana.get(f"/meetings/{m}").text, "my-icebreaker")


def test_a_second_pair_up_prefers_people_who_have_not_met(scene, api):
    m = scene.meeting_id
    for name in ("Ana", "Bea", "Cas", "Dee"):
        scene.member(name, "lay")
    seen: set[frozenset[int]] = set()
    for _ in range(3):  # four people have exactly three ways to pair up with new faces
        run = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "light-name-story"})
        assert run.status_code == 201, run.text
        pairs = {frozenset(p["participant_id"] for p in g) for g in run.json()["groups"]}
        assert len(pairs) == 2 and not pairs & seen, "nobody is paired with someone they already met"
        seen |= pairs
        assert api.post(f"/meetings/{m}/icebreakers/{run.json()['id']}/close").status_code == 200


def test_odd_numbers_make_a_three_rather_than_leave_anyone_alone(scene, api):
    m = scene.meeting_id
    for name, role in (("Ana", "lay"), ("Bea", "carer"), ("Cal", "clinician"), ("Dev", "gp")):
        scene.member(name, role)
    scene.member("Ian", "manager", in_room=True)  # the only person in the room pairs with people online
    run = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "care-hope-today"}).json()
    assert sorted(len(g) for g in run["groups"]) == [2, 3]
    api.post(f"/meetings/{m}/icebreakers/{run['id']}/close")
    threes = api.post(f"/meetings/{m}/icebreakers", json={"prompt_id": "care-hope-today", "group_size": 3}).json()
    assert sorted(len(g) for g in threes["groups"]) == [2, 3]

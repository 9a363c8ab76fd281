"""Limits, with a clear message for anything refused: answer length, one answer per
person per run, one icebreaker at a time, and nothing after the meeting ends."""

import pytest

from tests.helpers import region, text_of
from tests.icebreakers.conftest import answer, close, launch, part, run_id_in

pytestmark = pytest.mark.timeout(30)


def test_an_overlong_answer_is_refused_clearly_and_kept_in_the_box(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="creative-gadget")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    refused = answer(ana, m, run_id, text="robot " * 100)
    assert refused.status_code == 422
    assert "Please keep this under 280 characters." in text_of(refused.text)
    # Without JavaScript: the room again, with the message and what they wrote.
    plain = answer(ana, m, run_id, htmx=False, text="z" * 300)
    assert plain.status_code == 422
    shown = region(plain.text, "icebreaker")
    assert "Please keep this under 280 characters." in text_of(shown) and "z" * 280 in shown
    huge = answer(ana, m, run_id, text="y" * 90_000)
    assert huge.status_code == 422
    empty = answer(ana, m, run_id, text="   ")
    assert empty.status_code == 422 and "Write your answer first." in text_of(empty.text)
    assert "0 answers" in part(ana.get(f"/meetings/{m}").text, "icebreaker-results")
    # Closed while they typed: without JavaScript the room says so.
    close(scene.facilitator, m, run_id)
    too_late = answer(ana, m, run_id, htmx=False, text="A kettle that pours itself")
    assert too_late.status_code == 409
    assert "This icebreaker has closed" in part(too_late.text, "icebreaker")


def test_an_answer_can_be_changed_until_close_and_without_javascript(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="light-comfort")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    sent = answer(ana, m, run_id, htmx=False, text="The Archers")
    assert sent.status_code == 303 and sent.headers["location"] == f"/meetings/{m}#icebreaker-heading"
    page = ana.get(f"/meetings/{m}").text
    assert "Your answer: The Archers" in part(page, "my-icebreaker")
    assert "To change it, send another" in part(page, "my-icebreaker")
    answer(ana, m, run_id, htmx=False, text="Desert Island Discs")
    results = part(ana.get(f"/meetings/{m}").text, "icebreaker-results")
    assert "1 answer" in results and "Desert Island Discs" in results and "The Archers" not in results


def test_answers_are_escaped_everywhere(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    with scene.facilitator.live(m) as socket:
        socket.next()
        launch(scene.facilitator, m, prompt_id="light-smile", anonymous="false")
        run_id = run_id_in(ana.get(f"/meetings/{m}").text)
        answer(ana, m, run_id, text='<script>alert("x")</script><img src=x onerror=alert(1)>')
        pushed = socket.wait_for(lambda msg: "alert" in part(msg, "icebreaker-results"))
    for html in (pushed, ana.get(f"/meetings/{m}").text):
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_one_icebreaker_at_a_time_and_none_after_the_meeting_ends(scene):
    m = scene.meeting_id
    fac = scene.facilitator
    assert launch(fac, m, prompt_id="light-smile").status_code == 200
    again = launch(fac, m, prompt_id="poll-energy")
    assert again.status_code == 409
    assert "An icebreaker is already running. Close it before launching another." in text_of(again.text)
    run_id = run_id_in(fac.get(f"/meetings/{m}").text)
    assert close(fac, m, run_id).status_code == 200
    twice = close(fac, m, run_id)
    assert twice.status_code == 409 and "That icebreaker has already closed." in text_of(twice.text)
    assert close(fac, m, 999_999).status_code == 404
    assert close(fac, m, 99_999_999_999).status_code == 404

    fac.post(f"/meetings/{m}/start")
    fac.post(f"/meetings/{m}/end")
    ended = launch(fac, m, prompt_id="poll-energy")
    assert ended.status_code == 409 and "This meeting has ended, so icebreakers are closed." in text_of(ended.text)


def test_answers_that_do_not_fit_the_mode_are_refused(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="wyr-rewind-pause")
    poll = run_id_in(ana.get(f"/meetings/{m}").text)
    for bad in ("", "7", "-1", "two"):
        refused = answer(ana, m, poll, choice=bad)
        assert refused.status_code == 422 and "Choose one of the answers" in text_of(refused.text), bad
    close(scene.facilitator, m, poll)
    launch(scene.facilitator, m, prompt_id="light-in-common", include_facilitators="true")
    pairs = run_id_in(ana.get(f"/meetings/{m}").text)
    refused = answer(ana, m, pairs, text="hello")
    assert refused.status_code == 409 and "A pair-up has nothing to type" in text_of(refused.text)
    assert answer(ana, m, 424242, text="hello").status_code == 404


def test_pair_up_needs_two_people(scene):
    scene.member("Ana", "lay")
    refused = launch(scene.facilitator, scene.meeting_id, prompt_id="light-in-common")
    assert refused.status_code == 409
    assert "Pair up needs at least two people here to pair, not counting facilitators." in text_of(refused.text)
    # Counting the facilitator makes two.
    assert launch(scene.facilitator, scene.meeting_id, prompt_id="light-in-common",
                  include_facilitators="true").status_code == 200


def test_answering_too_often_is_refused_with_a_wait_time(scene):
    m = scene.meeting_id
    ana = scene.member("Ana", "lay")
    launch(scene.facilitator, m, prompt_id="word-weather")
    run_id = run_id_in(ana.get(f"/meetings/{m}").text)
    for n in range(20):
        assert answer(ana, m, run_id, text=f"sunny{n}").status_code == 200
    slow_down = answer(ana, m, run_id, text="stormy")
    assert slow_down.status_code == 429 and int(slow_down.headers["retry-after"]) > 0
    assert "your answer is still in the box" in text_of(slow_down.text)
    assert "stormy" not in part(ana.get(f"/meetings/{m}").text, "icebreaker-results")

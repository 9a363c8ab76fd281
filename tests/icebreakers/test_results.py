"""The pure shaping of results: poll bars, the word cloud and what counts as one word."""

import pytest

from app.icebreakers.results import CHART_BAR_MAX, one_word, poll_chart, word_cloud


def test_poll_bars_are_scaled_to_the_most_chosen_and_described_in_words():
    chart = poll_chart(["Tea", "Coffee", "Water"], [3, 1, 0])
    assert [b.width for b in chart.bars] == [CHART_BAR_MAX, 21.7, 0]
    assert [b.percent for b in chart.bars] == [75, 25, 0]
    assert chart.summary == "4 people answered. Tea: 3 (75%); Coffee: 1 (25%); Water: 0 (0%)."
    assert poll_chart(["Yes", "No"], [0, 0]).summary == "0 people answered. Yes: 0 (0%); No: 0 (0%)."
    assert poll_chart(["Yes", "No"], [1, 0]).summary.startswith("1 person answered.")


def test_the_word_cloud_ranks_by_count_then_alphabetically_and_sizes_from_1_to_5():
    words = ["calm"] * 5 + ["tired"] * 3 + ["hopeful"] * 3 + ["ok"]
    cloud = word_cloud(words)
    assert [(w.word, w.count, w.size) for w in cloud] == [("calm", 5, 5), ("hopeful", 3, 3), ("tired", 3, 3), ("ok", 1, 1)]
    assert [w.size for w in word_cloud(["a", "b"])] == [3, 3]  # all equal: all middle-sized
    assert word_cloud([]) == []
    assert len(word_cloud([f"w{i}" for i in range(500)])) == 60


@pytest.mark.parametrize("typed, word", [("Hopeful", "hopeful"), ("  calm! ", "calm"), ("'so-so'", "so-so"),
                                         ("don't", "don't"), ("Café", "café"), ("42", "42")])
def test_one_word_is_forgiving_about_case_and_punctuation_around_it(typed, word):
    assert one_word(typed) == word


@pytest.mark.parametrize("typed, message", [("a bit tired", "no spaces"), ("!!!", "Type one word"),
                                            ("", "Type one word"), ("ok/fine", "letters, numbers")])
def test_one_word_refuses_what_is_not_one_word_and_says_what_to_do(typed, message):
    with pytest.raises(ValueError, match=message):
        one_word(typed)

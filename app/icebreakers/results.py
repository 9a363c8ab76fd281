"""Pure shaping of results for people to read: poll bars and the word cloud."""

import re
from collections import Counter
from dataclasses import dataclass

# Punctuation people add around a word ("calm!", "'tired'") is not part of it.
_EDGES = re.compile(r"^[^\w]+|[^\w]+$")
_INNER_OK = re.compile(r"^[\w'\u2019-]+$")


def one_word(value: str) -> str:
    """The word as it will be grouped, or ValueError with what to do instead."""
    word = _EDGES.sub("", value.strip())
    if not word:
        raise ValueError("Type one word, please.")
    if any(ch.isspace() for ch in word):
        raise ValueError("Just one word, please (no spaces).")
    if not _INNER_OK.match(word):
        raise ValueError("Just one word, please: letters, numbers, hyphens and apostrophes only.")
    return word.casefold()


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of everyone who answered, rounded
    y: int  # top of the row in the SVG, in px
    width: float  # bar length, in % of the chart's width (the most chosen gets CHART_BAR_MAX)


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    total: int
    height: int
    summary: str  # the text alternative: every choice, its count and share


# The chart is drawn in px without a viewBox, so its text stays readable on a small
# phone instead of shrinking with the picture: bars are a percentage of the width,
# each choice's name sits above its bar and the count just after it.
CHART_BAR_MAX = 65
ROW = 56


def poll_chart(choices: list[str], counts: list[int]) -> Chart:
    total = sum(counts)
    top = max(counts, default=0)
    bars = []
    for i, (label, count) in enumerate(zip(choices, counts)):
        percent = round(100 * count / total) if total else 0
        width = round(CHART_BAR_MAX * count / top, 1) if top else 0.0
        bars.append(Bar(label, count, percent, i * ROW, width))
    parts = [f"{b.label}: {b.count} ({b.percent}%)" for b in bars]
    people = "1 person" if total == 1 else f"{total} people"
    summary = f"{people} answered. " + "; ".join(parts) + "." if bars else f"{people} answered."
    return Chart(tuple(bars), total, max(ROW * len(bars), ROW), summary)


@dataclass(frozen=True)
class Word:
    word: str
    count: int
    size: int  # 1 (least said) to 5 (most said): a CSS class, so no inline style


MAX_WORDS_SHOWN = 60


def word_cloud(words: list[str]) -> list[Word]:
    """Most-said first (then alphabetical), sized by how often each came up."""
    counts = Counter(words)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_WORDS_SHOWN]
    if not ranked:
        return []
    top = ranked[0][1]
    out = []
    for word, count in ranked:
        size = 1 + round(4 * (count - 1) / (top - 1)) if top > 1 else 3
        out.append(Word(word, count, size))
    return out

"""The icebreaker prompts shipped with Roundtable.

Written for a mixed group of patients and carers, clinicians, managers,
commissioners and researchers: nothing assumes a job, a degree, money, a family,
good health or being able to walk, see or hear. "Work and care" prompts ask about
experience of health and care from whichever side people know it.

The bank is read directly from this module rather than copied into each
community's tables, so a better wording in a new release reaches every community.
A community keeps only what is its own: the prompts it writes and the built-in
prompts it has retired (app/icebreakers/models.py). Keys are stable: they are how
a community's "retired" list and past runs refer to a built-in prompt, so never
reuse a key for a different prompt (retire it by removing it, and pick a new key).
"""

from dataclasses import dataclass
from enum import StrEnum


class Mode(StrEnum):
    everyone = "everyone"  # short free-text answers on a shared wall
    poll = "poll"  # one choice each; live bar chart
    one_word = "one_word"  # one word each; a word cloud / ranked list
    pair_up = "pair_up"  # random pairs (or threes) across roles, with a timer


MODE_LABELS: dict[str, str] = {
    Mode.everyone: "Everyone answers",
    Mode.poll: "Quick poll",
    Mode.one_word: "One word",
    Mode.pair_up: "Pair up",
}

CATEGORIES: dict[str, str] = {
    "light": "Light and personal",
    "work-care": "Work and care",
    "creative": "Creative",
    "would-you-rather": "Would you rather",
    "poll": "Quick polls",
    "one-word": "One-word check-ins",
}


@dataclass(frozen=True)
class BuiltinPrompt:
    key: str
    category: str
    mode: Mode
    text: str
    choices: tuple[str, ...] = ()


def _p(key: str, category: str, mode: Mode, text: str, *choices: str) -> BuiltinPrompt:
    return BuiltinPrompt(key, category, mode, text, tuple(choices))


E, P, W, PAIR = Mode.everyone, Mode.poll, Mode.one_word, Mode.pair_up

BUILTIN: tuple[BuiltinPrompt, ...] = (
    # --- light and personal ---------------------------------------------------------
    _p("light-smile", "light", E, "What is a small thing that made you smile this week?"),
    _p("light-home-sound", "light", E, "What is a sound, smell or taste that makes you feel at home?"),
    _p("light-comfort", "light", E, "What is a film, book, radio show or programme you come back to for comfort?"),
    _p("light-local-place", "light", E, "Tell us about a place near you that you are fond of: a park, a café, a library, a view."),
    _p("light-learned-from", "light", E, "What is something you have learned from someone much younger or much older than you?"),
    _p("light-advice", "light", E, "What is the best piece of advice anyone has given you?"),
    _p("light-try-one-day", "light", E, "What is something you would love to try or learn one day?"),
    _p("light-theme-song", "light", E, "If a song played every time you arrived somewhere, which song would you choose?"),
    _p("light-in-common", "light", PAIR, "Find three things you and your partner have in common. Nothing to do with health!"),
    _p("light-name-story", "light", PAIR, "Tell each other the story behind your name, a nickname, or a name you would have chosen."),
    # --- work and care (from whichever side people know it) ---------------------------
    _p("care-difference", "work-care", E,
       "Think of a time someone in health or care made a real difference, to you or to someone you know. What did they do?"),
    _p("care-good-appointment", "work-care", E,
       "What makes a health appointment go well, whichever side of the desk you are on?"),
    _p("care-ban-a-word", "work-care", E, "Which word or phrase from health care would you ban, and why?"),
    _p("care-wish-knew", "work-care", E,
       "What is one thing you wish everyone here knew about your part of health and care, as a patient, carer, "
       "professional or anyone else?"),
    _p("care-listened-to", "work-care", E, "What does \u201cbeing listened to\u201d look like to you?"),
    _p("care-small-change", "work-care", E, "What small change to a local service would make a big difference?"),
    _p("care-brought-here", "work-care", E, "What brought you to this community?"),
    _p("care-changed-mind", "work-care", PAIR,
       "Tell your partner about a time you changed your mind about something to do with health or care."),
    _p("care-hope-today", "work-care", PAIR, "Share with your partner one thing you hope today's meeting will change."),
    # --- creative ---------------------------------------------------------------------
    _p("creative-animal", "creative", E, "If this community were an animal, which animal would it be, and why?"),
    _p("creative-waiting-room", "creative", E, "Describe your ideal waiting room in one sentence."),
    _p("creative-gadget", "creative", E, "If you could invent one gadget to make everyday life easier, what would it do?"),
    _p("creative-six-words", "creative", E, "Tell the story of your week in six words."),
    _p("creative-theme-tune", "creative", E, "If this meeting had a theme tune, what would it be?"),
    _p("creative-superpower", "creative", E, "If you could give the NHS one superpower, what would it be?"),
    _p("creative-headline", "creative", E, "It is five years from now. What does the newspaper headline about our work say?"),
    _p("creative-picture", "creative", E, "Describe a picture that would sum up how you feel today."),
    _p("creative-slogan", "creative", PAIR, "Together, invent a name and a slogan for a better way to see a doctor."),
    # --- would you rather -------------------------------------------------------------
    _p("wyr-animals-languages", "would-you-rather", P, "Would you rather talk with animals or speak every human language?",
       "Talk with animals", "Speak every human language"),
    _p("wyr-rewind-pause", "would-you-rather", P, "Would you rather have a rewind button or a pause button for life?",
       "Rewind", "Pause"),
    _p("wyr-question-answer", "would-you-rather", P,
       "Would you rather always know the right question to ask, or always know the right answer?",
       "The right question", "The right answer"),
    _p("wyr-sea-city", "would-you-rather", P, "Would you rather live by the sea or in the middle of a city?",
       "By the sea", "In the middle of a city"),
    _p("wyr-explain", "would-you-rather", P,
       "Would you rather explain something complicated to a five-year-old or to a government minister?",
       "A five-year-old", "A government minister"),
    _p("wyr-song-joke", "would-you-rather", P, "Would you rather every meeting started with a song or ended with a joke?",
       "Started with a song", "Ended with a joke"),
    _p("wyr-past-future", "would-you-rather", P, "Would you rather visit the past or the future?",
       "The past", "The future"),
    _p("wyr-book-film", "would-you-rather", P, "Would you rather enjoy a story as a book (read or listened to) or as a film?",
       "A book", "A film"),
    # --- quick polls ------------------------------------------------------------------
    _p("poll-joining", "poll", P, "How are you joining today?",
       "In the room", "On a computer", "On a phone or tablet", "Another way"),
    _p("poll-energy", "poll", P, "How much energy do you have right now?",
       "Running on empty", "Some", "Plenty", "Bouncing off the walls"),
    _p("poll-topic", "poll", P, "How familiar are you with today's topic?",
       "It is new to me", "I have heard a little", "I know it quite well", "I know it very well"),
    _p("poll-morning", "poll", P, "Are you a morning person or a night owl?",
       "Morning person", "Night owl", "It depends on the day"),
    _p("poll-information", "poll", P, "How do you like to take in new information?",
       "Reading", "Listening", "Watching", "Talking it through"),
    _p("poll-speaking-up", "poll", P, "How comfortable do you feel about speaking up in today's meeting?",
       "Not very", "A little", "Quite", "Very"),
    _p("poll-drink", "poll", P, "What are you drinking while we talk?",
       "Tea", "Coffee", "Water", "Something else", "Nothing right now"),
    _p("poll-jargon", "poll", P, "How often do you hear a word at these meetings that you don't know?",
       "Hardly ever", "Sometimes", "Often"),
    # --- one-word check-ins -----------------------------------------------------------
    _p("word-arriving", "one-word", W, "In one word: how are you arriving today?"),
    _p("word-weather", "one-word", W, "One word for the weather inside your head right now."),
    _p("word-hope-meeting", "one-word", W, "One word you hope will describe today's meeting."),
    _p("word-good-care", "one-word", W, "One word that sums up good care."),
    _p("word-bring", "one-word", W, "One word for what you bring to this group."),
    _p("word-need", "one-word", W, "In one word: what do you need from this meeting?"),
    _p("word-describe-community", "one-word", W, "One word to describe this community to a friend."),
    _p("word-leaving", "one-word", W, "To finish: one word for how you are leaving."),
)

BY_KEY: dict[str, BuiltinPrompt] = {p.key: p for p in BUILTIN}

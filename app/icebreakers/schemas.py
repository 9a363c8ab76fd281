"""Icebreaker forms and API bodies: one set of models and messages for pages and REST."""

from typing import Literal

from pydantic import BaseModel, Field, StrictBool, ValidationInfo, field_validator, model_validator

from app.communities.schemas import clean_text
from app.db import UtcDateTime
from app.validation import json_whole_number
from app.icebreakers.bank import CATEGORIES, Mode
from app.icebreakers.models import RunStatus

MAX_PROMPT = 300
MAX_ANSWER = 280
MAX_WORD = 30
MAX_CHOICE = 80
MIN_CHOICES, MAX_CHOICES = 2, 6
MAX_MINUTES = 30


def _mode(value):
    if value is None or value == "" or isinstance(value, Mode):
        return value or None
    # Only text can name a mode (a JSON object or list is not hashable: no 500 for it).
    if not isinstance(value, str) or value not in {m.value for m in Mode}:
        raise ValueError("Choose how people will answer from the list")
    return value


def _whole_number(value, low: int, high: int, message: str, info: ValidationInfo):
    value = json_whole_number(value, info)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValueError(message) from None
    if not low <= number <= high:
        raise ValueError(message)
    return number


def _choices(value: list[str]) -> list[str]:
    cleaned = [clean_text(v) for v in value]
    return [c for c in cleaned if c]


def check_choices(mode: Mode, choices: list[str]) -> list[str]:
    """A poll needs 2 to 6 different choices; other modes have none."""
    if mode != Mode.poll:
        return []
    if len(choices) < MIN_CHOICES:
        raise ValueError("A poll needs at least two choices, one per line")
    if len(choices) > MAX_CHOICES:
        raise ValueError(f"A poll can have at most {MAX_CHOICES} choices")
    if any(len(c) > MAX_CHOICE for c in choices):
        raise ValueError(f"Keep each choice under {MAX_CHOICE} characters")
    if len({c.casefold() for c in choices}) != len(choices):
        raise ValueError("Each choice must be different")
    return choices


class PromptCreate(BaseModel):
    category: str = Field(max_length=20, examples=["light"], description="One of: " + ", ".join(CATEGORIES))
    mode: Mode = Field(examples=["everyone"])
    text: str = Field(min_length=1, max_length=MAX_PROMPT, examples=["What is a small thing that made you smile this week?"])
    choices: list[str] = Field(default_factory=list, max_length=20, description="Polls only: 2 to 6 choices",
                               examples=[[]])

    @field_validator("category")
    @classmethod
    def _category(cls, value: str) -> str:
        if value not in CATEGORIES:
            raise ValueError("Choose one of the categories in the list")
        return value

    @field_validator("mode", mode="before")
    @classmethod
    def _known_mode(cls, value):
        if _mode(value) is None:
            raise ValueError("Choose how people will answer from the list")
        return value

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = clean_text(value)
        if not value:
            raise ValueError("Write the prompt first")
        return value

    @field_validator("choices")
    @classmethod
    def _clean_choices(cls, value: list[str]) -> list[str]:
        return _choices(value)

    @model_validator(mode="after")
    def _poll_choices(self) -> "PromptCreate":
        self.choices = check_choices(self.mode, self.choices)
        return self


class PromptUpdate(BaseModel):
    """Only the fields sent change."""

    category: str | None = Field(default=None, max_length=20)
    mode: Mode | None = None
    text: str | None = Field(default=None, max_length=MAX_PROMPT, examples=["What made you smile this week?"])
    choices: list[str] | None = Field(default=None, max_length=20)


class PromptPublic(BaseModel):
    id: str = Field(description="A built-in prompt's key, or `custom-<number>` for a community's own prompt")
    source: Literal["built-in", "community"]
    category: str
    category_label: str
    mode: Mode
    text: str
    choices: list[str]
    retired: bool = Field(description="Retired prompts are kept but not offered when launching")
    version: int | None = Field(default=None, description="A community prompt's version, also sent as the ETag; "
                                "null for built-in prompts, which cannot be changed")


class RunLaunch(BaseModel):
    """Launch from the bank (`prompt_id`) or with a prompt written on the spot (`text`, `mode`, `choices`)."""

    prompt_id: str | None = Field(default=None, max_length=40, examples=["light-smile"])
    text: str = Field(default="", max_length=MAX_PROMPT)
    mode: Mode | None = None
    choices: list[str] = Field(default_factory=list, max_length=20)
    anonymous: StrictBool = Field(default=True, description="Everyone answers: show answers without names")
    group_size: int = Field(default=2, ge=2, le=3, description="Pair up: 2 for pairs, 3 for threes")
    minutes: int = Field(default=5, ge=1, le=MAX_MINUTES, description="Pair up: talking time")
    include_facilitators: StrictBool = Field(default=False, description="Pair up: put facilitators in groups too")
    save_to_bank: StrictBool = Field(default=False, description="Also keep a prompt written on the spot in the bank")
    category: str | None = Field(default=None, max_length=20, description="For `save_to_bank`")

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)

    @field_validator("choices")
    @classmethod
    def _clean_choices(cls, value: list[str]) -> list[str]:
        return _choices(value)

    @field_validator("mode", mode="before")
    @classmethod
    def _known_mode(cls, value):
        return _mode(value)

    @field_validator("group_size", mode="before")
    @classmethod
    def _group_size(cls, value, info: ValidationInfo):
        return _whole_number(value, 2, 3, "Choose pairs or threes", info)

    @field_validator("minutes", mode="before")
    @classmethod
    def _minutes(cls, value, info: ValidationInfo):
        return _whole_number(value, 1, MAX_MINUTES, f"Give the talking time in whole minutes, from 1 to {MAX_MINUTES}",
                             info)

    @model_validator(mode="after")
    def _prompt(self) -> "RunLaunch":
        if self.prompt_id:
            return self
        if not self.text:
            raise ValueError("Choose a prompt from the bank, or write one")
        if self.mode is None:
            raise ValueError("Choose how people will answer")
        self.choices = check_choices(self.mode, self.choices)
        if self.save_to_bank and self.category not in CATEGORIES:
            raise ValueError("Choose a category to keep the prompt in the bank")
        return self


class AnswerSubmit(BaseModel):
    text: str = Field(default="", max_length=MAX_ANSWER, examples=["The sun came out on my way here."])
    choice: int | None = Field(default=None, ge=0, lt=MAX_CHOICES)

    @field_validator("choice", mode="before")
    @classmethod
    def _choice(cls, value, info: ValidationInfo):
        if value is None or value == "":
            return None
        return _whole_number(value, 0, MAX_CHOICES - 1, "Choose one of the answers", info)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        return clean_text(value)


class PollCount(BaseModel):
    choice: str
    count: int


class WordCount(BaseModel):
    word: str
    count: int


class GroupMemberPublic(BaseModel):
    participant_id: int
    display_name: str
    role: str
    in_room: bool
    joined_late: bool


class RunPublic(BaseModel):
    id: int
    meeting_id: int
    prompt_id: str | None = Field(description="The bank prompt it came from; null if written on the spot")
    category: str | None
    mode: Mode
    text: str
    choices: list[str]
    anonymous: bool
    group_size: int
    status: RunStatus
    launched_at: UtcDateTime
    ends_at: UtcDateTime | None = Field(description="Pair up: when the talking time ends")
    closed_at: UtcDateTime | None
    answer_count: int
    poll: list[PollCount] | None = Field(description="Quick poll: the count for each choice, in order")
    words: list[WordCount] | None = Field(description="One word: each word and how many gave it, most first")
    groups: list[list[GroupMemberPublic]] | None = Field(description="Pair up: the pairs or threes")


class AnswerPublic(BaseModel):
    """An answer. In an anonymous run there is nothing about who gave it."""

    id: str
    run_id: int
    text: str
    choice: str | None = Field(description="Quick poll: the choice made")
    author_name: str | None = Field(description="Only in runs with names shown")
    author_role: str | None = Field(description="Only in runs with names shown")
    created_at: UtcDateTime = Field(description="Rounded to the minute")

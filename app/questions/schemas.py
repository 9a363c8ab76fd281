from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.communities.schemas import clean_text, strip_controls
from app.db import UtcDateTime
from app.questions.models import Attribution, QuestionStatus

MAX_QUESTION = 1000


def _clean_body(value: str) -> str:
    # Keep the asker's line breaks; drop control characters (PostgreSQL refuses NUL); trim.
    value = strip_controls(value.replace("\r\n", "\n")).strip()
    if not value:
        raise ValueError("Write your question first")
    return value


class QuestionAsk(BaseModel):
    body: str = Field(min_length=1, max_length=MAX_QUESTION, examples=["What does 'stratified care' mean for patients?"])
    attribution: Attribution = Attribution.anonymous

    @field_validator("body")
    @classmethod
    def _body(cls, value: str) -> str:
        return _clean_body(value)


class QuestionAnswer(BaseModel):
    answer: str = Field(default="", max_length=MAX_QUESTION, examples=["It means matching treatment to each person's risk."])

    @field_validator("answer")
    @classmethod
    def _answer(cls, value: str) -> str:
        return strip_controls(value.replace("\r\n", "\n")).strip()


class JargonAsk(BaseModel):
    term: str = Field(default="", max_length=60, examples=["PROMs"])

    @field_validator("term")
    @classmethod
    def _term(cls, value: str) -> str:
        return clean_text(value)


class QuestionPublic(BaseModel):
    """What anyone may know about a question. An anonymous one carries no author."""

    model_config = ConfigDict(from_attributes=True)
    id: str
    meeting_id: int
    breakout_room_id: int | None = Field(description="Set when asked inside a breakout room")
    body: str
    attribution: Attribution
    author_name: str | None = Field(description="Only when the asker chose to give their name")
    author_role: str | None = Field(description="Only when the asker chose to give their name or role")
    status: QuestionStatus
    pinned: bool
    answer: str | None
    votes: int = Field(validation_alias="vote_count")
    created_at: UtcDateTime = Field(description="Rounded to the minute, so it cannot single anyone out")


class JargonTerm(BaseModel):
    term: str = Field(description="The term as people wrote it, in lower case")
    count: int = Field(description="How many asked")


class JargonSummary(BaseModel):
    waiting: int = Field(description="Signals not yet marked explained")
    # Objects, not [term, count] pairs: a tuple needs `prefixItems`, which many OpenAPI
    # tools (and schemathesis's response check) do not read correctly.
    terms: list[JargonTerm] = Field(description="Named terms with how many asked, most asked first")

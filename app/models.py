"""Imports every table so SQLModel.metadata (and so Alembic) knows them all."""

from app.accounts.models import Account
from app.apikeys.models import ApiKey
from app.breakouts.models import BreakoutMessage, BreakoutRoom, BreakoutRound, BreakoutSeat
from app.communities.models import Community, Membership
from app.live.models import MeetingEvent
from app.meetings.models import AgendaItem, Meeting, Participant
from app.questions.models import JargonSignal, Question, QuestionVote

__all__ = [
    "BreakoutMessage", "BreakoutRoom", "BreakoutRound", "BreakoutSeat","Account", "ApiKey", "AgendaItem", "Community", "Meeting", "MeetingEvent", "Membership", "Participant", "Question", "QuestionVote", "JargonSignal"]

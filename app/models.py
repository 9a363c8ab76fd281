"""Imports every table so SQLModel.metadata (and so Alembic) knows them all."""

from app.accounts.models import Account, AccountSession
from app.actions.models import Action, ActionChange, ActionFeed, ActionOwner
from app.apikeys.models import ApiKey
from app.breakouts.models import BreakoutMessage, BreakoutRoom, BreakoutRound, BreakoutSeat
from app.communities.models import Community, Membership
from app.display.models import DisplayLink
from app.icebreakers.models import IcebreakerAnswer, IcebreakerGroupMember, IcebreakerPrompt, IcebreakerRun, RetiredBuiltinPrompt
from app.live.models import MeetingEvent
from app.meetings.models import AgendaItem, Meeting, Participant
from app.questions.models import JargonSignal, Question, QuestionVote
from app.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "Action", "ActionChange", "ActionFeed", "ActionOwner", "DisplayLink",
    "IcebreakerAnswer", "IcebreakerGroupMember", "IcebreakerPrompt", "IcebreakerRun", "RetiredBuiltinPrompt",
    "BreakoutMessage", "BreakoutRoom", "BreakoutRound", "BreakoutSeat", "Account", "AccountSession", "ApiKey", "AgendaItem", "Community", "Meeting", "MeetingEvent", "Membership", "Participant", "Question", "QuestionVote", "JargonSignal", "Webhook", "WebhookDelivery"]

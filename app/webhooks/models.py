"""Webhooks: addresses an organiser registers to be told of chosen events, and the
deliveries made to them.

A delivery row is written in the same transaction as the event it announces (an
outbox), so an event that committed is never lost; the worker (app/webhooks/worker.py)
sends it afterwards, signed, and retries with backoff.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Index, Text
from sqlmodel import AutoString, Field, SQLModel

from app.db import utcnow


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first try, or for a retry
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # every try failed (or the webhook was switched off); can be sent again


class Webhook(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True, ondelete="CASCADE")
    url: str = Field(max_length=500)
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    # Kept, unlike an API key's, because every delivery is signed with it; sealed
    # (app/webhooks/sealing.py). Shown to the organiser once, when it is made; never
    # in a list or the API.
    secret: str = Field(max_length=255)
    active: bool = True
    created_by: int | None = Field(default=None, foreign_key="account.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    # The worker's question, every second: which pending deliveries are due?
    __table_args__ = (Index("ix_webhookdelivery_status_next_attempt_at", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    webhook_id: int = Field(foreign_key="webhook.id", index=True, ondelete="CASCADE")
    event_type: str = Field(max_length=60)
    event_seq: int | None = None
    meeting_id: int | None = Field(default=None, foreign_key="meeting.id", index=True, ondelete="SET NULL")
    body: str = Field(sa_column=Column(Text, nullable=False))  # the exact JSON sent, every try
    status: DeliveryStatus = Field(default=DeliveryStatus.pending, max_length=12, sa_type=AutoString)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow)
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(default_factory=utcnow)
    delivered_at: datetime | None = None

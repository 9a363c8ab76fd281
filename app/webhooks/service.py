"""The rules of webhooks: registering (organisers only; callers check), queueing a
delivery with each event it asks for, signing, and what the page and API show.

Deliveries are queued by a hook in `record_event` (app/live/events.py), inside the
transaction that records the event: if the change commits, so does the delivery
(an outbox); if it rolls back, nothing is sent. The worker sends them later.
"""

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import httpx
from sqlalchemy import update
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.communities.models import Community
from app.communities.service import in_id_range
from app.config import Settings
from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.live.events import PENDING, LiveEvent, on_record
from app.meetings.models import Meeting
from app.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from app.webhooks.sealing import resealed, seal, unseal
from app.webhooks.schemas import EVENT_TYPES, DeliveryPublic, WebhookCreate

log = logging.getLogger("roundtable.webhooks")

MAX_WEBHOOKS_PER_COMMUNITY = 20
SECRET_PREFIX = "whsec_"
UNREADABLE_SECRET = ("Not sent: the signing secret can no longer be read, because a setting on the server has "
                     "changed. Make a new signing secret and give it to the receiver; this is then sent.")
SHOWN_PER_WEBHOOK = 5  # latest deliveries on the community page
DNS_TIMEOUT = 5.0


# --- signing ---------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: str) -> str:
    """`v1=` and the hex HMAC-SHA256 of "{timestamp}.{body}" keyed with the webhook's secret."""
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return "v1=" + mac.hexdigest()


def signed_headers(secret: str, delivery_id: int, event_type: str, body: str, timestamp: int) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "Roundtable-Webhooks/1",
        "Roundtable-Event": event_type,
        "Roundtable-Delivery": str(delivery_id),
        "Roundtable-Timestamp": str(timestamp),
        "Roundtable-Signature": signature(secret, timestamp, body),
    }


# --- where a webhook may point -----------------------------------------------------------


def _is_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def guards_private(settings: Settings) -> bool:
    """In production a webhook may not reach this machine or its private network
    (server-side request forgery) unless WEBHOOK_ALLOW_PRIVATE says so."""
    return settings.environment == "production" and not settings.webhook_allow_private


async def refuse_private(url: str) -> list[str]:
    """Raise Invalid if the host is, or resolves to, a loopback, private, link-local
    or otherwise non-public address; else the addresses to connect to (see pinned)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = [host] if _literal_ip(host) else [
            info[4][0] for info in await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM), DNS_TIMEOUT)
        ]
    except (OSError, UnicodeError, TimeoutError) as exc:
        raise Invalid("We could not find that host name. Check the address.", field="url") from exc
    if not addresses or any(_is_private(a) for a in addresses):
        raise Invalid("This address is on a private network or this machine, which webhooks may not reach.",
                      field="url")
    return list(dict.fromkeys(a.split("%", 1)[0] for a in addresses))


def pinned(url: str, address: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The request for `url` sent straight to `address`, checked already: the URL, the
    Host header and the TLS server name. Nothing resolves the name again, so a DNS
    answer that changes between the check and the connection (DNS rebinding) cannot
    point a delivery at this machine; Host and the certificate check stay the name's
    (IDNA-encoded, as on the wire)."""
    named = httpx.URL(url)
    return (str(named.copy_with(host=address)), {"Host": named.netloc.decode("ascii")},
            {"sni_hostname": named.raw_host.decode("ascii")})


def _literal_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
        return True
    except ValueError:
        return False


# --- registering ---------------------------------------------------------------------------


async def webhooks_of(session: AsyncSession, community_id: int) -> list[Webhook]:
    result = await session.exec(
        select(Webhook).where(Webhook.community_id == community_id).order_by(col(Webhook.id))
    )
    return list(result.all())


async def get_webhook(session: AsyncSession, community_id: int, webhook_id: int) -> Webhook:
    webhook = await session.get(Webhook, webhook_id) if in_id_range(webhook_id) else None
    if webhook is None or webhook.community_id != community_id:
        raise NotFound("There is no such webhook.")
    return webhook


async def create_webhook(session: AsyncSession, settings: Settings, community: Community,
                         created_by: int | None, form: WebhookCreate) -> tuple[Webhook, str]:
    """Returns the webhook and its secret, which the organiser sees only this once."""
    if guards_private(settings):
        await refuse_private(form.url)
    count = (await session.exec(
        select(func.count()).select_from(Webhook).where(Webhook.community_id == community.id)
    )).one()
    if count >= MAX_WEBHOOKS_PER_COMMUNITY:
        raise Conflict(f"A community can have at most {MAX_WEBHOOKS_PER_COMMUNITY} webhooks. Delete one you no longer use.")
    secret = _new_secret()
    webhook = Webhook(community_id=community.id, url=form.url, events=form.events,
                      secret=seal(settings.secret_key, secret), created_by=created_by)
    session.add(webhook)
    await session.commit()
    log.info("webhook %s registered in community %s", webhook.id, community.id)
    return webhook, secret


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


async def replace_secret(session: AsyncSession, settings: Settings, community_id: int,
                         webhook_id: int) -> tuple[Webhook, str]:
    """A new signing secret, shown this once; the old one stops working now. For a
    secret that leaked, or one that can no longer be read (SECRET_KEY changed).
    Deliveries still waiting are signed with the new one when they are sent."""
    webhook = await get_webhook(session, community_id, webhook_id)
    secret = _new_secret()
    # Only over the secret just read: of two replacements at once, one is refused,
    # rather than both shown a secret and one of them already dead.
    replaced = await session.exec(
        update(Webhook).where(col(Webhook.id) == webhook.id, col(Webhook.secret) == webhook.secret)
        .values(secret=seal(settings.secret_key, secret)).execution_options(synchronize_session=False))
    if replaced.rowcount != 1:
        await session.rollback()
        raise Conflict("Someone has just made a new signing secret for this webhook. Reload the page to see it.")
    # What was held back because the old secret could not be read goes now.
    await session.exec(
        update(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == DeliveryStatus.failed,
               WebhookDelivery.last_error == UNREADABLE_SECRET)
        .values(status=DeliveryStatus.pending, attempts=0, next_attempt_at=utcnow())
    )
    await session.commit()
    await session.refresh(webhook)
    log.info("webhook %s in community %s has a new signing secret", webhook.id, community_id)
    return webhook, secret


async def reseal_secrets(session: AsyncSession, settings: Settings) -> int:
    """Seal under SECRET_KEY every secret that is not: stored before sealing, or sealed
    under a key now in SECRET_KEY_FALLBACKS. Run when the app starts. Returns how many."""
    result = await session.exec(select(Webhook.id, Webhook.secret)
                                .order_by(col(Webhook.id)))  # every worker locks rows in one order: no deadlock
    done = 0
    for webhook_id, stored in result.all():
        fresh = resealed(settings.secret_keys, stored)
        if fresh is None:
            continue
        # Only if unchanged: several workers start at once, and one may already have it.
        changed = await session.exec(update(Webhook).where(col(Webhook.id) == webhook_id, col(Webhook.secret) == stored)
                                     .values(secret=fresh))
        done += changed.rowcount
    await session.commit()
    if done:
        log.info("webhooks: sealed %s signing secrets under the current SECRET_KEY", done)
    return done


async def set_active(session: AsyncSession, community_id: int, webhook_id: int, active: bool) -> Webhook:
    """Switching off stops sending at once: what was waiting is marked failed (and can
    be sent again once it is back on)."""
    webhook = await get_webhook(session, community_id, webhook_id)
    if webhook.active != active:
        webhook.active = active
        session.add(webhook)
        if not active:
            await session.exec(
                update(WebhookDelivery)
                .where(WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == DeliveryStatus.pending)
                .values(status=DeliveryStatus.failed, last_error="Not sent: the webhook was switched off.")
            )
        await session.commit()
    return webhook


async def delete_webhook(session: AsyncSession, community_id: int, webhook_id: int) -> None:
    webhook = await get_webhook(session, community_id, webhook_id)
    await session.delete(webhook)  # its deliveries go with it (ON DELETE CASCADE)
    await session.commit()
    log.info("webhook %s deleted in community %s", webhook_id, community_id)


async def send_again(session: AsyncSession, community_id: int, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    """A failed delivery goes back in the queue, due now, with a fresh round of retries.
    Its body (and so its id) is unchanged, so a receiver can tell it is a repeat."""
    webhook = await get_webhook(session, community_id, webhook_id)
    delivery = await session.get(WebhookDelivery, delivery_id) if in_id_range(delivery_id) else None
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound("There is no such delivery.")
    if not webhook.active:
        raise Conflict("This webhook is switched off. Switch it on first, then send again.")
    if delivery.status != DeliveryStatus.failed:
        raise Conflict("Only a delivery that failed can be sent again.")
    delivery.status = DeliveryStatus.pending
    delivery.attempts = 0
    delivery.next_attempt_at = utcnow()
    session.add(delivery)
    await session.commit()
    return delivery


async def deliveries_of(session: AsyncSession, webhook_id: int, limit: int, before: int | None = None) -> list[WebhookDelivery]:
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    result = await session.exec(query.order_by(col(WebhookDelivery.id).desc()).limit(limit))
    return list(result.all())


def public_delivery(d: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id, event_type=d.event_type, meeting_id=d.meeting_id, event_seq=d.event_seq, status=d.status,
        attempts=d.attempts, next_attempt_at=d.next_attempt_at if d.status == DeliveryStatus.pending else None,
        last_status_code=d.last_status_code, last_error=d.last_error, created_at=d.created_at,
        delivered_at=d.delivered_at, body=d.body,
    )


# --- the community page's section ------------------------------------------------------------


@dataclass
class WebhookView:
    webhook: Webhook
    deliveries: list[WebhookDelivery]
    secret_readable: bool = True

    @property
    def event_labels(self) -> list[str]:
        return [EVENT_TYPES.get(e, e) for e in self.webhook.events]


@dataclass
class WebhookSection:
    items: list[WebhookView]
    event_types: dict[str, str] = field(default_factory=lambda: dict(EVENT_TYPES))
    max_webhooks: int = MAX_WEBHOOKS_PER_COMMUNITY

    def wait(self, delivery: WebhookDelivery) -> str:
        return describe_wait(delivery)


async def section(session: AsyncSession, settings: Settings, community_id: int) -> WebhookSection:
    items = []
    for webhook in await webhooks_of(session, community_id):
        items.append(WebhookView(webhook, await deliveries_of(session, webhook.id, SHOWN_PER_WEBHOOK),
                                 secret_readable=unseal(settings.secret_keys, webhook.secret) is not None))
    return WebhookSection(items)


# --- queueing, with each event (the outbox) ----------------------------------------------------


def body_for(delivery_id: int, type_: str, meeting_id: int | None, seq: int | None, at: str, data: dict) -> str:
    return json.dumps(
        {"id": delivery_id, "type": type_, "meeting": meeting_id, "seq": seq, "time": at, "data": data},
        separators=(",", ":"),
    )


def _already_queued(session: AsyncSession, event: LiveEvent) -> bool:
    """An action's change is recorded in every meeting of its community not ended (each
    shows the actions), but it is one change: a webhook hears of it once."""
    if not event.type.startswith("action."):
        return False
    earlier = session.info.get(PENDING, [])[:-1]  # the event itself is the last one
    return any(e.type == event.type and e.data == event.data for e in earlier)


async def _queue(session: AsyncSession, webhooks, type_: str, meeting_id: int | None, seq: int | None,
                 at: str, data: dict) -> None:
    wanted = [webhook_id for webhook_id, events in webhooks if type_ in events]
    if not wanted:
        return
    now = utcnow()
    deliveries = [
        WebhookDelivery(webhook_id=webhook_id, event_type=type_, event_seq=seq, meeting_id=meeting_id, body="",
                        next_attempt_at=now, created_at=now)
        for webhook_id in wanted
    ]
    session.add_all(deliveries)
    await session.flush()  # the id goes in the body, so receivers can tell a repeat
    for delivery in deliveries:
        delivery.body = body_for(delivery.id, type_, meeting_id, seq, at, data)


async def queue_deliveries(session: AsyncSession, event: LiveEvent) -> None:
    """The record_event hook: one pending delivery per active webhook of the meeting's
    community that asked for this event, in the event's own transaction."""
    if event.type not in EVENT_TYPES or _already_queued(session, event):
        return
    result = await session.exec(
        select(Webhook.id, Webhook.events)
        .join(Meeting, col(Meeting.community_id) == col(Webhook.community_id))
        .where(Meeting.id == event.meeting_id, col(Webhook.active).is_(True))
    )
    await _queue(session, result.all(), event.type, event.meeting_id, event.seq, event.at, event.data)


async def queue_community_event(session: AsyncSession, community_id: int, type_: str, data: dict) -> None:
    """For a change recorded in no meeting (an action changed between meetings, with
    none live or to come): the deliveries, in the caller's transaction, with `meeting` and
    `seq` null. Call it where such a change would otherwise record no event."""
    if type_ not in EVENT_TYPES:
        return
    result = await session.exec(
        select(Webhook.id, Webhook.events).where(Webhook.community_id == community_id, col(Webhook.active).is_(True))
    )
    at = utcnow().replace(second=0, microsecond=0).isoformat().replace("+00:00", "Z")
    await _queue(session, result.all(), type_, None, None, at, data)


on_record.append(queue_deliveries)


def describe_wait(delivery: WebhookDelivery, now: datetime | None = None) -> str:
    """Plain words for when a pending delivery will be tried."""
    now = now or utcnow()
    seconds = int((delivery.next_attempt_at - now).total_seconds())
    if seconds <= 1:
        return "Sending now"
    if seconds < 90:
        return f"Next try in {seconds} seconds"
    return f"Next try in {round(seconds / 60)} minutes"

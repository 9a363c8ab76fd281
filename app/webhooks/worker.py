"""The delivery worker: every second, send the deliveries that are due.

Claiming: due deliveries are picked (on PostgreSQL with FOR UPDATE SKIP LOCKED, so
several workers never pick the same one) and leased by moving `next_attempt_at` a
minute ahead, in a short transaction; then they are sent outside any transaction,
and each outcome is written on its own. A worker that dies mid-send leaves its lease
to run out, and the delivery is tried again: delivery is at least once, so receivers
drop repeats by the delivery id.

Each try: POST the stored body, signed with a fresh timestamp, 10 s timeout, no
redirects, nothing read of the answer but its status. 2xx is delivered; anything
else is retried after 10 s x 2^(tries - 1) (10 s, 20 s, 40 s, 80 s, 160 s), and
after the sixth failed try the delivery is marked failed ("Send again" on the
community page puts it back).
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select

from app.config import Settings, get_settings
from app.db import utcnow
from app.errors import Invalid
from app.webhooks.models import DeliveryStatus, Webhook, WebhookDelivery
from app.webhooks.sealing import unseal
from app.webhooks.service import UNREADABLE_SECRET, guards_private, pinned, refuse_private, signed_headers

log = logging.getLogger("roundtable.webhooks")

MAX_ATTEMPTS = 6
FIRST_RETRY = timedelta(seconds=10)
LEASE = timedelta(seconds=60)  # longer than a try can take
TIMEOUT = 10.0
BATCH = 20
KEEP_FOR = timedelta(days=30)  # finished deliveries are pruned after this
PRUNE_EVERY = 3600.0


@dataclass
class Claimed:
    id: int
    url: str
    secret: str  # as stored: sealed
    event_type: str
    body: str
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed try."""
    return FIRST_RETRY * (2 ** (attempts - 1))


async def _claim(sessionmaker: async_sessionmaker, now: datetime) -> list[Claimed]:
    async with sessionmaker() as session:
        query = (
            select(WebhookDelivery.id, Webhook.url, Webhook.secret, WebhookDelivery.event_type,
                   WebhookDelivery.body, WebhookDelivery.attempts)
            .join(Webhook, col(Webhook.id) == col(WebhookDelivery.webhook_id))
            .where(WebhookDelivery.status == DeliveryStatus.pending, col(WebhookDelivery.next_attempt_at) <= now,
                   col(Webhook.active).is_(True))
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
            .limit(BATCH)
            # PostgreSQL: rows another worker is claiming are skipped, not waited for.
            # SQLite ignores this; there one process sends.
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        )
        rows = [Claimed(*row) for row in (await session.exec(query)).all()]
        if rows:
            # Still due when the lease is written: on SQLite (no row locks) a second
            # claimer that read the same rows gets none of them back.
            result = await session.exec(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id).in_([r.id for r in rows]),
                       WebhookDelivery.status == DeliveryStatus.pending, col(WebhookDelivery.next_attempt_at) <= now)
                .values(next_attempt_at=now + LEASE)
                .returning(WebhookDelivery.id)
                .execution_options(synchronize_session=False)
            )
            leased = set(result.scalars().all())
            rows = [r for r in rows if r.id in leased]
        await session.commit()
        return rows


async def _send(client: httpx.AsyncClient, item: Claimed, settings: Settings) -> tuple[int | None, str | None]:
    """One try: the status code (None if there was no answer) and what went wrong."""
    secret = unseal(settings.secret_keys, item.secret)
    if secret is None:  # never sent unsigned: the receiver would rightly refuse it
        return None, UNREADABLE_SECRET
    headers = signed_headers(secret, item.id, item.event_type, item.body, int(time.time()))
    try:
        if not guards_private(settings):
            return await _post(client, item.url, item.body, headers, {})
        # Checked again now (DNS may have changed since it was registered), and sent to
        # an address checked, each in turn. A client of its own, with no connection
        # kept: a pooled connection is keyed by address, not name, so another
        # receiver on the same address could reuse it without its certificate being
        # checked. No proxy either: one would resolve the name again.
        async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False, trust_env=False,
                                     limits=httpx.Limits(max_keepalive_connections=0)) as direct:
            addresses = await refuse_private(item.url)
            for n, address in enumerate(addresses):
                url, host, extensions = pinned(item.url, address)
                try:
                    return await _post(direct, url, item.body, {**headers, **host}, extensions)
                except httpx.ConnectError:
                    if n == len(addresses) - 1:
                        raise
    except Invalid as exc:
        return None, exc.detail
    except httpx.TimeoutException:
        return None, f"No answer within {TIMEOUT:.0f} seconds."
    except httpx.HTTPError as exc:
        return None, f"Could not connect: {type(exc).__name__}: {exc}"[:300]
    except Exception as exc:  # whatever it is, recorded: it must not stop the other deliveries
        log.exception("webhooks: delivery %s failed unexpectedly", item.id)
        return None, f"Could not send: {type(exc).__name__}"[:300]
    raise AssertionError("unreachable: every address was tried")


async def _post(client: httpx.AsyncClient, url: str, body: str, headers: dict[str, str],
                extensions: dict[str, str]) -> tuple[int | None, str | None]:
    async with client.stream("POST", url, content=body.encode(), headers=headers, extensions=extensions) as response:
        code = response.status_code  # the answer's body is never read
    if 200 <= code < 300:
        return code, None
    if 300 <= code < 400:
        return code, f"The receiver answered {code}: redirects are not followed; register the final address."
    return code, f"The receiver answered {code}."


async def _record(sessionmaker: async_sessionmaker, item: Claimed, code: int | None, error: str | None, now: datetime) -> None:
    attempts = item.attempts + 1
    values: dict = {"attempts": attempts, "last_status_code": code, "last_error": error[:300] if error else None}
    if error is None:
        values.update(status=DeliveryStatus.delivered, delivered_at=now)
    elif attempts >= MAX_ATTEMPTS:
        values.update(status=DeliveryStatus.failed)
    else:
        values.update(next_attempt_at=now + retry_delay(attempts))
    async with sessionmaker() as session:
        # By id, so a webhook deleted meanwhile is simply no longer there to update.
        await session.exec(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == item.id, WebhookDelivery.status == DeliveryStatus.pending)
            .values(**values)
        )
        await session.commit()
    if error is not None:
        why = "secret unreadable" if error == UNREADABLE_SECRET else code or "no answer"
        log.info("webhook delivery %s: try %s failed (%s)", item.id, attempts, why)


async def deliver_due(sessionmaker: async_sessionmaker, now: datetime | None = None, *,
                      settings: Settings | None = None, client: httpx.AsyncClient | None = None) -> int:
    """One pass: send every delivery due at `now` (default: the current time) and record
    each outcome. Returns how many were tried. Tests call this instead of waiting."""
    settings = settings or get_settings()
    tried = 0
    while True:
        at = now or utcnow()
        batch = await _claim(sessionmaker, at)
        if not batch:
            return tried
        own = client is None
        http = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        try:
            outcomes = await asyncio.gather(*(_send(http, item, settings) for item in batch))
        finally:
            if own:
                await http.aclose()
        done_at = now or utcnow()
        for item, (code, error) in zip(batch, outcomes, strict=True):
            await _record(sessionmaker, item, code, error, done_at)
        tried += len(batch)
        if len(batch) < BATCH:
            return tried


async def prune(sessionmaker: async_sessionmaker, now: datetime | None = None) -> None:
    """Finished deliveries are kept a month, for the page and the API, then dropped."""
    cutoff = (now or utcnow()) - KEEP_FOR
    async with sessionmaker() as session:
        await session.exec(
            delete(WebhookDelivery).where(col(WebhookDelivery.status) != DeliveryStatus.pending,
                                          col(WebhookDelivery.created_at) < cutoff)
        )
        await session.commit()


async def run(sessionmaker: async_sessionmaker, settings: Settings, interval: float = 1.0) -> None:
    """The background loop started by the app's lifespan; cancelled on shutdown."""
    last_prune = time.monotonic() - PRUNE_EVERY + 60  # first a minute after start, then hourly
    async with httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False) as client:
        while True:
            try:
                await deliver_due(sessionmaker, settings=settings, client=client)
                if time.monotonic() - last_prune > PRUNE_EVERY:
                    await prune(sessionmaker)
                    last_prune = time.monotonic()
            except asyncio.CancelledError:
                raise
            except Exception:  # a database blip must not stop deliveries for good
                log.exception("webhook deliveries: a pass failed; trying again shortly")
            await asyncio.sleep(interval)

from fastapi import APIRouter, Response

from app.api.common import CONFLICT, ApiKeyDep, Cursor, Limit, Page, WriteKey, own_community, page_of, window_of
from app.communities.service import get_community
from app.db import SessionDep
from app.web.deps import SettingsDep
from app.webhooks import service
from app.webhooks.schemas import DeliveryPublic, WebhookCreate, WebhookCreated, WebhookPublic

router = APIRouter(tags=["webhooks"])

SIGNING = (
    "Each delivery is a POST of JSON `{\"id\", \"type\", \"meeting\", \"seq\", \"time\", \"data\"}` with the headers "
    "`Roundtable-Event`, `Roundtable-Delivery` (the id), `Roundtable-Timestamp` (Unix seconds) and "
    "`Roundtable-Signature: v1=<hex HMAC-SHA256 of \"{timestamp}.{body}\" keyed with the secret>`. "
    "Receivers should check the signature, refuse timestamps more than 5 minutes old, answer 2xx quickly "
    "and drop repeats of an id (a delivery is sent at least once)."
)


@router.get("/communities/{community_id}/webhooks", summary="The community's webhooks",
            description="Oldest first. Secrets are never listed: a webhook's secret is shown only when it is made "
            "(on registering, and by `POST .../webhooks/{webhook_id}/secret`). "
            f"A community has at most {service.MAX_WEBHOOKS_PER_COMMUNITY} webhooks, so with the default `limit` "
            "this is one page; it is paged like every other list all the same.",
            response_model=Page[WebhookPublic])
async def list_webhooks(session: SessionDep, key: ApiKeyDep, community_id: int, limit: Limit = 50,
                        cursor: Cursor = None):
    own_community(key, community_id)
    items, next_cursor = window_of(await service.webhooks_of(session, community_id), limit, cursor)
    return Page[WebhookPublic](items=items, next_cursor=next_cursor)


@router.post("/communities/{community_id}/webhooks", summary="Register a webhook", status_code=201,
             description="Events: `meeting.started`, `meeting.ended`, `breakout.closed`, `action.created`, "
             "`action.updated`. The response holds the signing secret, shown this once. " + SIGNING,
             response_model=WebhookCreated, responses=CONFLICT)
async def create_webhook(session: SessionDep, settings: SettingsDep, key: WriteKey, community_id: int,
                         body: WebhookCreate, response: Response):
    own_community(key, community_id)
    community = await get_community(session, community_id)
    # Made through the API: credited to whoever made the key.
    webhook, secret = await service.create_webhook(session, settings, community, key.created_by, body)
    return _with_secret(webhook, secret, response)


@router.post("/communities/{community_id}/webhooks/{webhook_id}/secret", summary="Make a new signing secret",
             description="For a secret that leaked, or one the server can no longer read (its SECRET_KEY changed: "
             "deliveries then fail saying so). The response holds the new secret, shown this once; the old one "
             "stops working now. Deliveries still waiting, and those held back because the old secret could not be "
             "read, are sent signed with the new one.",
             response_model=WebhookCreated, responses=CONFLICT)
async def replace_secret(session: SessionDep, settings: SettingsDep, key: WriteKey, community_id: int,
                         webhook_id: int, response: Response):
    own_community(key, community_id)
    webhook, secret = await service.replace_secret(session, settings, community_id, webhook_id)
    return _with_secret(webhook, secret, response)


def _with_secret(webhook, secret: str, response: Response) -> WebhookCreated:
    response.headers["Cache-Control"] = "no-store"  # a secret is kept by nothing on the way
    return WebhookCreated(**WebhookPublic.model_validate(webhook).model_dump(), secret=secret)


@router.delete("/communities/{community_id}/webhooks/{webhook_id}", summary="Delete a webhook", status_code=204,
               description="Nothing more is sent to it, and its delivery history goes with it.")
async def delete_webhook(session: SessionDep, key: WriteKey, community_id: int, webhook_id: int):
    own_community(key, community_id)
    await service.delete_webhook(session, community_id, webhook_id)
    return Response(status_code=204)


@router.get("/communities/{community_id}/webhooks/{webhook_id}/deliveries", summary="A webhook's deliveries",
            description="Newest first, kept for 30 days: what was sent, each outcome and, while pending, when "
            "the next try is due. " + SIGNING,
            response_model=Page[DeliveryPublic])
async def list_deliveries(session: SessionDep, key: ApiKeyDep, community_id: int, webhook_id: int,
                          limit: Limit = 50, cursor: Cursor = None):
    own_community(key, community_id)
    webhook = await service.get_webhook(session, community_id, webhook_id)
    rows = await service.deliveries_of(session, webhook.id, limit + 1, before=int(cursor) if cursor else None)
    items, next_cursor = page_of(rows, limit)
    return Page[DeliveryPublic](items=[service.public_delivery(d) for d in items], next_cursor=next_cursor)


@router.post("/communities/{community_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/send-again",
             summary="Send a failed delivery again",
             description="The same body (and id) goes back in the queue, due now, with a fresh round of retries.",
             response_model=DeliveryPublic, responses=CONFLICT)
async def send_again(session: SessionDep, key: WriteKey, community_id: int, webhook_id: int, delivery_id: int):
    own_community(key, community_id)
    return service.public_delivery(await service.send_again(session, community_id, webhook_id, delivery_id))

import secrets
from datetime import timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.apikeys.models import ApiKey
from app.apikeys.schemas import ApiKeyCreate
from app.communities.models import Community
from app.communities.service import in_id_range
from app.db import utcnow
from app.errors import NotFound
from app.meetings.service import to_utc
from app.web.security import hash_secret

KEY_PREFIX = "rtk_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # don't write on every request


async def keys_of(session: AsyncSession, community_id: int) -> list[ApiKey]:
    result = await session.exec(
        select(ApiKey).where(ApiKey.community_id == community_id).order_by(col(ApiKey.created_at).desc())
    )
    return list(result.all())


async def create_key(session: AsyncSession, community: Community, account: Account, form: ApiKeyCreate) -> tuple[ApiKey, str]:
    """Returns the key record and the key itself, which is shown once and never stored."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    expires = to_utc(form.expires_at, community.timezone) if form.expires_at else None
    key = ApiKey(
        community_id=community.id, name=form.name, prefix=plaintext[:10], key_hash=hash_secret(plaintext),
        scopes=form.access, created_by=account.id, expires_at=expires,
    )
    session.add(key)
    await session.commit()
    return key, plaintext


async def revoke_key(session: AsyncSession, community: Community, key_id: int) -> ApiKey:
    key = await session.get(ApiKey, key_id) if in_id_range(key_id) else None
    if key is None or key.community_id != community.id:
        raise NotFound("There is no such API key.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.add(key)
        await session.commit()
    return key


async def key_for(session: AsyncSession, plaintext: str) -> ApiKey | None:
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > 100:
        return None
    key = (await session.exec(select(ApiKey).where(ApiKey.key_hash == hash_secret(plaintext)))).first()
    now = utcnow()
    if key is None or key.revoked_at is not None or (key.expires_at is not None and key.expires_at <= now):
        return None
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.add(key)
        await session.commit()
    return key

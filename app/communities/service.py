from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.communities.models import DEFAULT_ROLES, FACILITATING, Community, Membership, Permission
from app.communities.schemas import CommunityCreate, MemberAdd, MemberPublic, slugify
from app.errors import Conflict, Forbidden, NotFound


# Ids are 32-bit integers in PostgreSQL. A bigger number in a URL matches nothing, and
# the database driver would fail on it (a 500), so lookups say "not found" first.
MAX_ID = 2**31 - 1


def in_id_range(value: int) -> bool:
    return 0 < value <= MAX_ID


async def create_community(session: AsyncSession, organiser: Account, form: CommunityCreate) -> Community:
    roles = [r.model_dump() for r in DEFAULT_ROLES]
    known = {r["slug"] for r in roles}
    for label in form.extra_roles:
        slug = slugify(label)
        if slug not in known:
            known.add(slug)
            roles.insert(len(roles) - 1, {"slug": slug, "label": label})  # keep "Other" last
    community = Community(name=form.name, purpose=form.purpose, timezone=form.timezone, roles=roles)
    session.add(community)
    await session.flush()
    session.add(Membership(community_id=community.id, account_id=organiser.id, permission=Permission.organiser))
    await session.commit()
    return community


async def communities_of(session: AsyncSession, account: Account) -> list[tuple[Community, Permission]]:
    result = await session.exec(
        select(Community, Membership.permission)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.account_id == account.id)
        .order_by(Community.name)
    )
    return list(result.all())


async def get_community(session: AsyncSession, community_id: int) -> Community:
    community = await session.get(Community, community_id) if in_id_range(community_id) else None
    if community is None:
        raise NotFound("There is no such community.")
    return community


async def permission_in(session: AsyncSession, account: Account | None, community_id: int) -> Permission | None:
    if account is None or not in_id_range(community_id):
        return None
    result = await session.exec(
        select(Membership.permission).where(
            Membership.community_id == community_id, Membership.account_id == account.id
        )
    )
    return result.first()


async def require_permission(
    session: AsyncSession, account: Account | None, community_id: int, allowed: set[Permission]
) -> Community:
    """The community, if this account may act in it; otherwise the same 404 as for a
    community that does not exist, so outsiders learn nothing."""
    permission = await permission_in(session, account, community_id)
    if permission is None:
        raise NotFound("There is no such community, or you are not a member of it.")
    if permission not in allowed:
        raise Forbidden("Only the community's organisers and facilitators can do this.")
    return await get_community(session, community_id)


async def require_facilitator(session: AsyncSession, account: Account | None, community_id: int) -> Community:
    return await require_permission(session, account, community_id, FACILITATING)


async def members_of(session: AsyncSession, community_id: int, after_account_id: int | None = None,
                     limit: int | None = None) -> list[MemberPublic]:
    """By name for the page; by account id (unique, so it can be paged) with `after_account_id`
    or `limit`."""
    query = (select(Account, Membership.permission)
             .join(Membership, Membership.account_id == Account.id)
             .where(Membership.community_id == community_id))
    if after_account_id is None and limit is None:
        query = query.order_by(Account.display_name)
    else:
        if after_account_id is not None:
            query = query.where(Account.id > after_account_id)
        query = query.order_by(Account.id).limit(limit)
    return [
        MemberPublic(account_id=a.id, display_name=a.display_name, email=a.email, permission=p)
        for a, p in (await session.exec(query)).all()
    ]


async def add_member(session: AsyncSession, community: Community, form: MemberAdd) -> MemberPublic:
    """Give an existing account a permission in this community."""
    email = form.email.strip().lower()
    account = (await session.exec(select(Account).where(Account.email == email))).first()
    if account is None:
        raise NotFound("Nobody has a Roundtable account with that email yet. Ask them to sign up first.", field="email")
    existing = (
        await session.exec(
            select(Membership).where(Membership.community_id == community.id, Membership.account_id == account.id)
        )
    ).first()
    if existing is not None:
        raise Conflict("That person is already in this community.", field="email")
    session.add(Membership(community_id=community.id, account_id=account.id, permission=form.permission))
    await session.commit()
    return MemberPublic(account_id=account.id, display_name=account.display_name, email=account.email, permission=form.permission)

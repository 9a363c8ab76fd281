"""The API as one whole: long lists page without gaps, and the community's people and roles."""

import pytest

pytestmark = pytest.mark.timeout(120)


def test_250_meetings_page_through_without_gaps_or_repeats(scene, writer, reader):
    for n in range(250):
        assert writer.post(f"/communities/{scene.community_id}/meetings", json={"title": f"Meeting {n}"}).status_code == 201
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = reader.get(f"/communities/{scene.community_id}/meetings", params=params).json()
        seen += [m["id"] for m in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 251  # and the scene's own meeting
    assert seen == sorted(seen, reverse=True)


def test_members_and_roles_of_the_keys_community(scene, reader):
    members = reader.get(f"/communities/{scene.community_id}/members")
    assert members.status_code == 200
    assert members.json()["next_cursor"] is None
    assert [(m["display_name"], m["permission"]) for m in members.json()["items"]] == [("Fran Facilitator", "organiser")]
    assert "email" not in members.json()["items"][0]
    roles = reader.get(f"/communities/{scene.community_id}/roles").json()
    assert {"slug": "lay", "label": "Lay member or patient"} in roles["items"]
    assert reader.get(f"/communities/{scene.community_id + 1}/members").status_code == 404
    assert reader.get(f"/communities/{scene.community_id + 1}/roles").status_code == 404


def read_all(reader, url: str, limit: int) -> tuple[list, int]:
    """Every item of a list, following next_cursor; and how many pages it took."""
    seen, cursor, pages = [], None, 0
    while True:
        page = reader.get(url, params={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += page.json()["items"]
        pages += 1
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return seen, pages


async def _add_members(url: str, community_id: int, count: int) -> None:
    from app.accounts.models import Account
    from app.communities.models import Membership, Permission
    from app.db import make_engine
    from sqlmodel.ext.asyncio.session import AsyncSession

    engine = make_engine(url)
    try:
        async with AsyncSession(engine) as session:
            # Names in the opposite order to the accounts, so an order by name would show.
            accounts = [Account(email=f"m{n}@example.org", display_name=f"Member {count - n:03}", password_hash="x")
                        for n in range(count)]
            session.add_all(accounts)
            await session.flush()
            session.add_all([Membership(community_id=community_id, account_id=a.id,
                                        permission=Permission.facilitator) for a in accounts])
            await session.commit()
    finally:
        await engine.dispose()


def test_many_members_page_through_without_gaps_or_repeats(scene, reader, settings):
    import asyncio

    asyncio.run(_add_members(settings.database_url, scene.community_id, 124))
    url = f"/communities/{scene.community_id}/members"
    members, pages = read_all(reader, url, limit=25)
    ids = [m["account_id"] for m in members]
    # 125 in five full pages: the last full page itself says there is no more.
    assert pages == 5 and len(ids) == len(set(ids)) == 125 and ids == sorted(ids)
    assert members[0]["display_name"] == "Fran Facilitator" and members[1]["display_name"] == "Member 124"
    assert read_all(reader, url, limit=7)[0] == members
    assert reader.get(url, params={"limit": 101}).status_code == 422
    assert reader.get(url, params={"limit": 100}).json()["items"][99]["account_id"] == ids[99]


def test_every_list_is_a_page_even_a_short_one(scene, reader, writer):
    """Communities, roles and webhooks are short, but paged like every other list."""
    for n in range(3):
        assert writer.post(f"/communities/{scene.community_id}/webhooks",
                           json={"url": f"https://example.org/{n}", "events": ["meeting.ended"]}).status_code == 201
    for url, count in [("/communities", 1), (f"/communities/{scene.community_id}/roles", None),
                       (f"/communities/{scene.community_id}/webhooks", 3)]:
        whole = reader.get(url).json()
        assert whole["next_cursor"] is None
        items, pages = read_all(reader, url, limit=1)
        assert items == whole["items"] and pages == len(items)
        if count is not None:
            assert len(items) == count
    assert len(read_all(reader, f"/communities/{scene.community_id}/roles", limit=2)[0]) >= 7

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
    assert [(m["display_name"], m["permission"]) for m in members.json()] == [("Fran Facilitator", "organiser")]
    assert "email" not in members.json()[0]
    roles = reader.get(f"/communities/{scene.community_id}/roles").json()
    assert {"slug": "lay", "label": "Lay member or patient"} in roles
    assert reader.get(f"/communities/{scene.community_id + 1}/members").status_code == 404

"""Members join from a link without an account: the link, the form, the cookie, the room."""

import pytest

from tests.helpers import join, region, text_of

pytestmark = pytest.mark.timeout(30)

SCRIPT = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
DEAD_LINK = "This join link does not work. It may have been replaced with a new one."


def test_joining_sets_a_signed_httponly_cookie_and_the_same_browser_is_recognised(scene, new_browser):
    ana = new_browser()
    form = ana.get(f"/j/{scene.code}")
    assert form.status_code == 200
    assert "Join “Spring meeting”" in text_of(form.text) and "You do not need an account" in form.text
    response = ana.post(f"/j/{scene.code}", {"display_name": "  Ana  ", "role": "carer", "in_room": "true"})
    assert response.status_code == 303 and response.headers["location"] == f"/meetings/{scene.meeting_id}"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(f"rt_p{scene.meeting_id}="))
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    value = cookie.split(";")[0].split("=", 1)[1]
    assert value.count(".") == 2  # signed (itsdangerous), not a bare id

    room = ana.get(f"/meetings/{scene.meeting_id}")
    assert room.status_code == 200
    assert "You are Ana , Carer, in the room." in text_of(room.text)

    back = ana.get(f"/j/{scene.code}", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == f"/meetings/{scene.meeting_id}"


def test_a_forged_or_foreign_participant_cookie_is_not_a_way_in(scene, new_browser):
    ana = scene.member("Ana")
    stolen_id = ana.cookies.get(f"rt_p{scene.meeting_id}")
    forger = new_browser()
    forger.cookies.set(f"rt_p{scene.meeting_id}", "1", domain="testserver.local")
    assert forger.get(f"/meetings/{scene.meeting_id}").status_code == 403
    forger.cookies.set(f"rt_p{scene.meeting_id}", stolen_id[:-2] + "xx", domain="testserver.local")
    assert forger.get(f"/meetings/{scene.meeting_id}").status_code == 403


def test_the_meeting_page_without_joining_says_to_use_the_join_link(scene, new_browser):
    response = new_browser().get(f"/meetings/{scene.meeting_id}")
    assert response.status_code == 403
    assert "open the join link your facilitator sent you" in text_of(response.text)
    assert "Welcome" not in response.text  # nothing of the meeting leaks


def test_a_display_name_is_shown_escaped_in_the_room_and_in_pushed_updates(scene, new_browser):
    with scene.facilitator.live(scene.meeting_id) as socket:
        socket.next()
        mallory = new_browser()
        join(mallory, scene.code, SCRIPT)
        pushed = socket.wait_for(lambda m: (region(m, "presence") or "").find("alert(1)") >= 0)
        assert ESCAPED in pushed and SCRIPT not in pushed
        with mallory.live(scene.meeting_id) as own:
            snapshot = own.next()
            assert ESCAPED in snapshot and SCRIPT not in snapshot
    for browser in (scene.facilitator, mallory):
        page = browser.get(f"/meetings/{scene.meeting_id}").text
        assert ESCAPED in page and SCRIPT not in page


@pytest.mark.parametrize("name, message", [
    ("n" * 61, "Please keep this under 60 characters."),
    ("n" * 100_000, "Please check what you entered"),
    ("", "Please fill this in."),
    ("   \t ", "Enter the name you would like others to see"),
])
def test_a_bad_display_name_is_refused_clearly(scene, new_browser, api, name, message):
    browser = new_browser()
    browser.get(f"/j/{scene.code}")
    response = browser.post(f"/j/{scene.code}", {"display_name": name, "role": "lay", "in_room": "false"})
    assert 400 <= response.status_code < 500
    assert message in text_of(response.text)
    assert f"rt_p{scene.meeting_id}" not in response.headers.get("set-cookie", "")
    assert [p["display_name"] for p in api.participants(scene.meeting_id)] == ["Fran Facilitator"]


def test_control_characters_are_dropped_from_a_display_name(scene, api):
    scene.member("Ana\x00\x1b")
    assert sorted(p["display_name"] for p in api.participants(scene.meeting_id)) == ["Ana", "Fran Facilitator"]


@pytest.mark.parametrize("role, message", [
    ("surgeon", "Choose one of the roles in the list."),
    ("", "Please fill this in."),
    ("x" * 500, "Please check what you entered"),
])
def test_an_unknown_role_is_refused(scene, new_browser, role, message):
    browser = new_browser()
    browser.get(f"/j/{scene.code}")
    response = browser.post(f"/j/{scene.code}", {"display_name": "Ana", "role": role, "in_room": "false"})
    assert response.status_code == 422
    assert message in text_of(response.text)
    assert browser.get(f"/meetings/{scene.meeting_id}").status_code == 403


@pytest.mark.parametrize("code", ["doesnotexist123456", "short", "a" * 65, "%00%00%00%00%00%00%00%00%00%00%00",
                                  "..%2F..%2F..%2Fetc%2Fpasswd", "' OR '1'='1' --"])
def test_an_unknown_join_code_is_a_plain_404_page(client, new_browser, code):
    response = new_browser().get(f"/j/{code}")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert DEAD_LINK in text_of(response.text) or "There is nothing at this address." in text_of(response.text)
    browser = new_browser()
    browser.get("/login")
    response = browser.post(f"/j/{code}", {"display_name": "Ana", "role": "lay"})
    assert response.status_code == 404


def test_revoking_the_link_makes_it_a_404_page(scene, new_browser):
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/join-link/revoke")
    response = new_browser().get(f"/j/{scene.code}")
    assert response.status_code == 404 and DEAD_LINK in text_of(response.text)
    assert "The join link is switched off" in text_of(scene.facilitator.get(f"/meetings/{scene.meeting_id}").text)


def test_regenerating_the_link_retires_the_old_one(scene, new_browser):
    ana = scene.member("Ana")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/join-link")
    from tests.helpers import join_code

    new_code = join_code(scene.facilitator, scene.meeting_id)
    assert new_code != scene.code
    assert new_browser().get(f"/j/{scene.code}").status_code == 404
    join(new_browser(), new_code, "Ben")
    # Someone who already joined stays in.
    assert ana.get(f"/meetings/{scene.meeting_id}").status_code == 200


def test_an_ended_meeting_cannot_be_joined(scene, new_browser, api):
    ana = scene.member("Ana")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/start")
    scene.facilitator.post(f"/meetings/{scene.meeting_id}/end")

    late = new_browser()
    response = late.get(f"/j/{scene.code}")
    assert response.status_code == 409
    assert "This meeting has ended, so it cannot be joined any more." in text_of(response.text)
    assert "Join the meeting" not in response.text
    late.get("/login")  # (a page with a form, for the CSRF token)
    response = late.post(f"/j/{scene.code}", {"display_name": "Late Larry", "role": "gp", "in_room": "false"})
    assert response.status_code == 409
    assert "This meeting has ended" in text_of(response.text)
    assert "Late Larry" not in [p["display_name"] for p in api.participants(scene.meeting_id)]
    # Those who took part can still open the room and see that it ended.
    assert ana.get(f"/j/{scene.code}", follow_redirects=False).status_code == 303
    assert "The meeting has ended" in text_of(ana.get(f"/meetings/{scene.meeting_id}").text)


def test_leaving_forgets_this_browser(scene):
    ana = scene.member("Ana")
    response = ana.post(f"/meetings/{scene.meeting_id}/leave")
    assert response.status_code == 200
    assert "You have left" in text_of(response.text)
    assert ana.get(f"/meetings/{scene.meeting_id}").status_code == 403
    assert ana.get(f"/j/{scene.code}").status_code == 200  # they may join again


@pytest.mark.parametrize("number", ["2147483648", "9" * 20])
def test_an_id_too_big_for_the_database_is_a_404_page_not_a_500(scene, number):
    fac = scene.facilitator
    assert fac.get(f"/meetings/{number}").status_code == 404
    assert fac.get(f"/communities/{number}").status_code == 404
    assert fac.post(f"/meetings/{number}/start").status_code == 404
    assert fac.post(f"/meetings/{scene.meeting_id}/participants/{number}/remove").status_code == 404
    assert fac.post(f"/communities/{scene.community_id}/api-keys/{number}/revoke").status_code == 404
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as refused:
        with fac.live(number) as socket:
            socket.next()
    assert refused.value.code == 1008

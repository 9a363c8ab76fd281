"""Organisers sign up, log in and out; forms are CSRF-protected; cookies are safe."""

import pytest

from tests.helpers import Browser, create_community, sign_up, text_of

PASSWORD = "correct horse battery"
SAME_MESSAGE = "That email and password do not match an account. Check them and try again."


def signed_in_as(browser: Browser) -> str | None:
    home = text_of(browser.get("/").text)
    if "Signed in as" not in home:
        return None
    return home.split("Signed in as ", 1)[1].split(" Log out", 1)[0]


def log_in(browser: Browser, email: str, password: str = PASSWORD, next_url: str | None = None):
    browser.get("/login")
    data = {"email": email, "password": password}
    if next_url is not None:
        data["next"] = next_url
    return browser.post("/login", data)


def test_signing_up_logs_you_in_and_home_lists_your_communities(browser):
    assert signed_in_as(browser) is None
    browser.get("/signup")
    response = browser.post("/signup", {"email": " Fran@Example.org ", "display_name": "  Fran   Facilitator ",
                                        "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert signed_in_as(browser) == "Fran Facilitator"
    assert "You are not in a community yet" in text_of(browser.get("/").text)

    create_community(browser, "MSK Community of Practice")
    create_community(browser, "Diabetes Network")
    home = text_of(browser.get("/").text)
    assert "Your communities" in home
    assert home.index("Diabetes Network organiser") < home.index("MSK Community of Practice organiser")


def test_a_second_account_with_the_same_email_is_refused(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    other = new_browser()
    other.get("/signup")
    response = other.post("/signup", {"email": "FRAN@example.org", "display_name": "Impostor", "password": PASSWORD})
    assert response.status_code == 409
    page = text_of(response.text)
    assert "An account with this email already exists. Try logging in." in page
    assert 'value="FRAN@example.org"' in response.text and 'value="Impostor"' in response.text
    assert signed_in_as(other) is None
    # The first account still logs in with its own password; the impostor's did not replace it.
    assert log_in(new_browser(), "fran@example.org").status_code == 303


def test_bad_email_and_short_password_are_explained_and_typed_values_kept(browser):
    browser.get("/signup")
    response = browser.post("/signup", {"email": "fran at example", "display_name": "Fran <b>F</b>",
                                        "password": "short-pw1"})
    assert response.status_code == 422
    page = text_of(response.text)
    assert "Enter an email address like name@example.org" in page
    assert "Use at least 10 characters." in page
    assert 'value="fran at example"' in response.text
    assert 'value="Fran &lt;b&gt;F&lt;/b&gt;"' in response.text  # kept, and escaped
    assert "short-pw1" not in response.text  # a password is never sent back
    assert 'aria-invalid="true"' in response.text
    assert signed_in_as(browser) is None


@pytest.mark.parametrize("field, value, message", [
    ("display_name", "", "Please fill this in."),
    ("display_name", "   ", "Enter your name"),
    ("display_name", "x" * 81, "Please keep this under 80 characters."),
    ("email", "a@b", "Enter an email address like name@example.org"),
    ("password", "p" * 201, "Please keep this under 200 characters."),
])
def test_each_signup_field_has_a_clear_limit(browser, field, value, message):
    data = {"email": "fran@example.org", "display_name": "Fran", "password": PASSWORD, field: value}
    browser.get("/signup")
    response = browser.post("/signup", data)
    assert response.status_code == 422
    assert message in text_of(response.text)


def test_a_huge_signup_form_gets_a_clear_4xx(browser):
    browser.get("/signup")
    response = browser.post("/signup", {"email": "fran@example.org", "display_name": "F" * 100_000,
                                        "password": PASSWORD})
    assert response.status_code == 422
    assert "Please check what you entered" in text_of(response.text)


def test_login_failures_say_the_same_for_a_wrong_password_and_an_unknown_email(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    wrong_password = log_in(new_browser(), "fran@example.org", "not the password at all")
    unknown_email = log_in(new_browser(), "nobody@example.org", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert SAME_MESSAGE in text_of(response.text)
        assert "rt_account" not in response.headers.get("set-cookie", "")
        assert "not the password at all" not in response.text
    assert 'value="fran@example.org"' in wrong_password.text  # the email is kept to correct


def test_login_then_logout(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    again = new_browser()
    response = log_in(again, "  FRAN@example.org", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert signed_in_as(again) == "Fran Facilitator"

    response = again.post("/logout")
    assert response.status_code == 303
    assert signed_in_as(again) is None
    # Pages for organisers now ask them to log in.
    response = again.get("/communities/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/communities/new"


def copy_of_cookie(browser: Browser, into: Browser) -> None:
    into.cookies.set("rt_account", browser.cookies.get("rt_account"), domain="testserver.local")


def test_logging_out_ends_the_session_so_a_copy_of_the_cookie_stops_working(browser, new_browser):
    sign_up(browser)  # say, on a shared computer, where someone copies the cookie
    stolen = new_browser()
    copy_of_cookie(browser, stolen)
    assert signed_in_as(stolen) == "Fran Facilitator"  # a copy works while the session lasts

    browser.post("/logout")
    assert signed_in_as(browser) is None
    assert signed_in_as(stolen) is None
    response = stolen.get("/communities/new", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_logging_out_in_one_browser_leaves_the_others_signed_in(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    phone = new_browser()
    log_in(phone, "fran@example.org")
    browser.post("/logout")
    assert signed_in_as(browser) is None
    assert signed_in_as(phone) == "Fran Facilitator"


def test_a_session_ends_fourteen_days_after_logging_in(browser, client):
    from datetime import timedelta

    from sqlalchemy import update

    from app.accounts.models import AccountSession
    from app.db import utcnow

    sign_up(browser)
    assert signed_in_as(browser) == "Fran Facilitator"

    async def started_long_ago() -> None:
        async with client.app.state.sessionmaker() as session:
            await session.exec(update(AccountSession).values(created_at=utcnow() - timedelta(days=14, minutes=1)))
            await session.commit()

    client.portal.call(started_long_ago)
    assert signed_in_as(browser) is None


def test_the_database_keeps_only_a_hash_of_each_session_token(browser, client):
    from sqlmodel import select

    from app.accounts.models import AccountSession

    sign_up(browser)
    cookie = browser.cookies.get("rt_account")

    async def stored() -> list[str]:
        async with client.app.state.sessionmaker() as session:
            return list((await session.exec(select(AccountSession.id))).all())

    ids = client.portal.call(stored)
    assert len(ids) == 1 and len(ids[0]) == 64
    assert ids[0] not in cookie  # a copy of the table cannot be turned into a cookie


def test_login_returns_to_the_page_that_asked_for_it(browser, new_browser):
    sign_up(browser)
    community_id = create_community(browser)
    visitor = new_browser()
    response = visitor.get(f"/communities/{community_id}", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/login?next=/communities/{community_id}"
    login_page = visitor.get(response.headers["location"]).text
    assert f'name="next" value="/communities/{community_id}"' in login_page

    response = log_in(visitor, "fran@example.org", next_url=f"/communities/{community_id}")
    assert response.status_code == 303 and response.headers["location"] == f"/communities/{community_id}"


@pytest.mark.parametrize("next_url", [
    "//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
    "/\t/evil.example", "/\n/evil.example", "evil.example",
])
def test_login_never_sends_you_to_another_site(browser, new_browser, next_url):
    sign_up(browser)
    visitor = new_browser()
    login_page = visitor.get("/login", params={"next": next_url}).text
    assert 'name="next" value="/"' in login_page
    response = log_in(visitor, "fran@example.org", next_url=next_url)
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(browser, new_browser):
    browser.get("/signup")
    data = {"email": "fran@example.org", "display_name": "Fran", "password": PASSWORD}
    missing = browser.request("POST", "/signup", data=data)
    wrong = browser.request("POST", "/signup", data={**data, "csrf_token": "0" * 64})
    someone_elses = new_browser()
    someone_elses.get("/signup")
    stolen = browser.request("POST", "/signup", data={**data, "csrf_token": someone_elses.csrf_token})
    for response in (missing, wrong, stolen):
        assert response.status_code == 403
        assert "This form has expired or did not come from Roundtable" in text_of(response.text)
        assert "rt_account" not in response.headers.get("set-cookie", "")
    assert signed_in_as(browser) is None
    assert log_in(new_browser(), "fran@example.org").status_code == 401  # no account was made


def test_community_creation_without_csrf_is_refused(browser):
    sign_up(browser)
    response = browser.request("POST", "/communities", data={"name": "Forged", "timezone": "Europe/London"})
    assert response.status_code == 403
    assert "Forged" not in browser.get("/").text


def test_session_cookie_is_httponly_and_samesite_lax(browser):
    browser.get("/signup")
    response = browser.post("/signup", {"email": "fran@example.org", "display_name": "Fran", "password": PASSWORD})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.get_list("set-cookie")}
    account = cookies["rt_account"].lower()
    assert "httponly" in account and "samesite=lax" in account and "path=/" in account
    assert "secure" not in account  # plain http in tests; production sets Secure (see test_health_and_config)


def test_csrf_cookie_is_httponly_and_samesite_lax(browser):
    response = browser.get("/login")
    csrf = next(c for c in response.headers.get_list("set-cookie") if c.startswith("rt_csrf="))
    assert "httponly" in csrf.lower() and "samesite=lax" in csrf.lower()


def test_a_forged_account_cookie_is_ignored(browser):
    sign_up(browser)
    browser.cookies.set("rt_account", "1.forged.signature", domain="testserver.local")
    stranger = Browser(browser.client)
    stranger.cookies.set("rt_account", "1", domain="testserver.local")
    assert signed_in_as(stranger) is None


def test_a_non_ascii_csrf_token_is_refused_not_a_crash(browser):
    browser.get("/signup")
    data = {"email": "fran@example.org", "display_name": "Fran", "password": PASSWORD}
    response = browser.request("POST", "/signup", data={**data, "csrf_token": "é" * 64})
    assert response.status_code == 403
    response = browser.request("POST", "/signup", data=data, headers={"X-CSRF-Token": ("é" * 64).encode()})
    assert response.status_code == 403


def test_control_characters_are_refused_or_dropped_never_a_500(browser, new_browser):
    browser.get("/signup")
    response = browser.post("/signup", {"email": "fran\x00@example.org", "display_name": "Fran", "password": PASSWORD})
    assert response.status_code == 422
    assert "Enter an email address like name@example.org" in text_of(response.text)
    response = browser.post("/signup", {"email": "fran@example.org", "display_name": "Fran\x00\x07", "password": PASSWORD})
    assert response.status_code == 303
    assert signed_in_as(browser) == "Fran"
    assert log_in(new_browser(), "fran\x00@example.org").status_code == 401
    assert log_in(new_browser(), "fran@example.org", PASSWORD + "\x00").status_code == 401


def test_after_ten_wrong_passwords_an_account_waits_before_the_next_try(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    guesser = new_browser()
    for n in range(10):
        assert log_in(guesser, "fran@example.org", f"guess number {n}").status_code == 401
    blocked = log_in(guesser, "fran@example.org")  # even the right password waits now
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["retry-after"]) <= 15 * 60
    assert "too many tries to log in" in text_of(blocked.text) and "wait 15 minutes" in text_of(blocked.text)
    assert "rt_account" not in blocked.headers.get("set-cookie", "")
    assert 'value="fran@example.org"' in blocked.text  # what they typed is kept

    sign_up(new_browser(), email="sam@example.org")  # other accounts are not held up
    assert log_in(new_browser(), "sam@example.org").status_code == 303


def test_signing_in_many_times_is_never_held_up(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    for _ in range(12):
        assert log_in(new_browser(), "fran@example.org").status_code == 303


def test_wrong_passwords_from_one_address_across_many_accounts_are_limited_too(browser, new_browser, monkeypatch):
    from app.accounts import pages

    monkeypatch.setattr(pages, "LOGIN_FAILURES_PER_ADDRESS", 5)
    sign_up(browser, email="fran@example.org")
    sprayer = new_browser()
    for n in range(5):  # one common password tried on many accounts
        assert log_in(sprayer, f"person{n}@example.org", "Password123!").status_code == 401
    assert log_in(sprayer, "fran@example.org").status_code == 429


def test_many_signups_from_one_address_are_limited_with_the_form_kept(new_browser, monkeypatch):
    from app.accounts import pages

    monkeypatch.setattr(pages, "SIGNUPS_PER_ADDRESS_PER_HOUR", 2)
    for n in range(2):
        sign_up(new_browser(), email=f"person{n}@example.org")
    visitor = new_browser()
    visitor.get("/signup")
    response = visitor.post("/signup", {"email": "late@example.org", "display_name": "Late Larry",
                                        "password": PASSWORD})
    assert response.status_code == 429 and "retry-after" in response.headers
    assert "Many accounts have been made from here" in text_of(response.text)
    assert 'value="late@example.org"' in response.text


def test_logging_out_on_every_device_ends_every_session_of_that_account(browser, new_browser):
    sign_up(browser, email="fran@example.org")
    phone, shared_computer = new_browser(), new_browser()
    for device in (phone, shared_computer):
        log_in(device, "fran@example.org")
    sign_up(new_browser(), email="sam@example.org", name="Sam Second")
    sam = new_browser()
    log_in(sam, "sam@example.org")

    assert "Log out on every device" in text_of(phone.get("/").text)
    response = phone.post("/logout/everywhere")
    assert response.status_code == 303
    for device in (phone, shared_computer, browser):
        assert signed_in_as(device) is None
    assert signed_in_as(sam) == "Sam Second"  # another account is untouched


def test_logging_out_everywhere_needs_a_signed_in_organiser_and_a_csrf_token(browser, new_browser):
    sign_up(browser)
    stranger = new_browser()
    stranger.get("/login")  # a page with a form: a valid CSRF token, but nobody signed in
    response = stranger.post("/logout/everywhere", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    forged = browser.request("POST", "/logout/everywhere", data={"csrf_token": "wrong"})
    assert forged.status_code == 403
    assert signed_in_as(browser) == "Fran Facilitator"

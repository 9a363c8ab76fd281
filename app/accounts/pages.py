import math
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from app.accounts import service
from app.accounts.schemas import SignUp
from app.db import SessionDep
from app.errors import Conflict, TooMany
from app.web.deps import CsrfChecked, SettingsDep, SignedIn
from app.web.forms import FormInvalid, parse_form
from app.web.security import ACCOUNT_COOKIE, ACCOUNT_MAX_AGE, ACCOUNT_SALT, sign, unsign
from app.web.templating import page

router = APIRouter(include_in_schema=False)

LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = 10
LOGIN_FAILURES_PER_ADDRESS = 50
SIGNUPS_PER_ADDRESS_PER_HOUR = 60  # a trust's training day may sign up from one address


def client_address(request: Request) -> str:
    """Where a request comes from (behind a proxy, from its forwarded headers)."""
    return request.client.host if request.client else ""


def safe_next(next_url: str | None) -> str:
    """Only ever redirect within this site after logging in."""
    # Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become
    # "//evil.example": refuse control characters rather than rely on later escaping.
    if (next_url and next_url.startswith("/") and not next_url.startswith("//") and "\\" not in next_url
            and next_url.isprintable()):
        return next_url[:500]
    return "/"


async def _signed_in(session, settings, account, next_url: str) -> RedirectResponse:
    token = await service.start_session(session, account)
    response = RedirectResponse(next_url, status_code=303)
    response.set_cookie(
        ACCOUNT_COOKIE, sign(settings.secret_key, ACCOUNT_SALT, token), max_age=ACCOUNT_MAX_AGE,
        httponly=True, samesite="lax", secure=settings.secure_cookies,
    )
    return response


@router.get("/signup")
async def signup_form(request: Request):
    return page(request, "accounts/signup.html", values={}, errors={})


@router.post("/signup", dependencies=[CsrfChecked])
async def signup(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=1000)] = "",
    display_name: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
):
    values = {"email": email, "display_name": display_name}
    try:
        await request.app.state.limiter.check(
            f"signup-from:{client_address(request)}", SIGNUPS_PER_ADDRESS_PER_HOUR, 3600,
            "Many accounts have been made from here in the last hour. Wait {seconds} seconds, then try again.")
        form = parse_form(SignUp, {**values, "password": password})
        account = await service.sign_up(session, form)
    except FormInvalid as exc:
        return page(request, "accounts/signup.html", status_code=422, values=values, errors=exc.errors)
    except TooMany as exc:
        response = page(request, "accounts/signup.html", status_code=429, values=values, errors={"form": exc.detail})
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except Conflict as exc:
        return page(request, "accounts/signup.html", status_code=409, values=values, errors={exc.field: exc.detail})
    return await _signed_in(session, settings, account, "/")


@router.get("/login")
async def login_form(request: Request, next: str | None = None):
    return page(request, "accounts/login.html", next=safe_next(next), error=None, email="")


@router.post("/login", dependencies=[CsrfChecked])
async def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    email: Annotated[str, Form(max_length=1000)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=1000)] = "/",
):
    # Wrong passwords are limited for each account and for each address they come
    # from (guessing one password, or trying one password on many accounts). Each
    # try is counted before the password is checked, so tries sent together cannot
    # all pass, and given back when it succeeds: signing in on several devices is
    # never held up.
    limiter = request.app.state.limiter
    tries = ((f"login:{email.strip().lower()[:254]}", LOGIN_FAILURES_PER_ACCOUNT),
             (f"login-from:{client_address(request)}", LOGIN_FAILURES_PER_ADDRESS))
    taken, wait = [], 0
    for key, limit in tries:
        refused, hit = await limiter.take(key, limit, LOGIN_WINDOW_SECONDS)
        if refused:
            wait = max(wait, refused)
        else:
            taken.append((key, hit))
    account = await service.authenticate(session, email, password) if not wait else None
    if wait or account is not None:
        for key, hit in taken:
            await limiter.give_back(key, hit)
    if wait:
        minutes = math.ceil(wait / 60)
        response = page(
            request, "accounts/login.html", status_code=429, next=safe_next(next), email=email[:254],
            error=f"There have been too many tries to log in. To keep accounts safe, wait "
                  f"{minutes} minute{'' if minutes == 1 else 's'}, then try again.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    if account is None:
        return page(
            request, "accounts/login.html", status_code=401, next=safe_next(next), email=email[:254],
            error="That email and password do not match an account. Check them and try again.",
        )
    return await _signed_in(session, settings, account, safe_next(next))


@router.post("/logout", dependencies=[CsrfChecked])
async def logout(request: Request, session: SessionDep, settings: SettingsDep):
    """Ends this browser's session on the server too: a copy of the cookie, taken
    from a shared computer, say, no longer signs anyone in."""
    token = unsign(settings.secret_keys, ACCOUNT_SALT, request.cookies.get(ACCOUNT_COOKIE), ACCOUNT_MAX_AGE)
    if isinstance(token, str):
        await service.end_session(session, token)
    return _signed_out()


@router.post("/logout/everywhere", dependencies=[CsrfChecked])
async def logout_everywhere(session: SessionDep, account: SignedIn):
    await service.end_every_session(session, account)
    return _signed_out()


def _signed_out() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(ACCOUNT_COOKIE)
    return response

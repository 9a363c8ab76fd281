import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account, AccountSession
from app.accounts.schemas import SignUp
from app.db import utcnow
from app.errors import Conflict
from app.web.security import ACCOUNT_MAX_AGE, password_hasher

# Verifying against a real hash when the email is unknown keeps timings alike,
# so the login form does not reveal who has an account.
_DUMMY_HASH = password_hasher.hash("not-a-real-password")


async def sign_up(session: AsyncSession, form: SignUp) -> Account:
    existing = await session.exec(select(Account).where(Account.email == form.email))
    if existing.first() is not None:
        raise Conflict("An account with this email already exists. Try logging in.", field="email")
    account = Account(
        email=form.email, display_name=form.display_name, password_hash=password_hasher.hash(form.password)
    )
    session.add(account)
    await session.commit()
    return account


async def authenticate(session: AsyncSession, email: str, password: str) -> Account | None:
    email = email.strip().lower()[:254]
    account = None
    if email.isprintable():  # e.g. NUL, which PostgreSQL refuses in a query
        account = (await session.exec(select(Account).where(Account.email == email))).first()
    if account is None:
        password_hasher.verify(password[:200], _DUMMY_HASH)
        return None
    if not password_hasher.verify(password[:200], account.password_hash):
        return None
    return account


# --- signed-in browsers ---------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _oldest_valid():
    """Sessions begun before this have ended (ACCOUNT_MAX_AGE)."""
    return utcnow() - timedelta(seconds=ACCOUNT_MAX_AGE)


async def start_session(session: AsyncSession, account: Account) -> str:
    """Sign one browser in: the token for its cookie. Clears this account's expired
    sessions on the way, so the table holds only sessions that could still be used."""
    token = secrets.token_urlsafe(32)
    await session.exec(delete(AccountSession).where(AccountSession.account_id == account.id,
                                                    AccountSession.created_at < _oldest_valid()))
    session.add(AccountSession(id=_token_hash(token), account_id=account.id))
    await session.commit()
    return token


async def account_for(session: AsyncSession, token: str) -> Account | None:
    """The account a browser's token signs in to, if that session was not ended."""
    signed_in = await session.get(AccountSession, _token_hash(token))
    if signed_in is None or signed_in.created_at < _oldest_valid():
        return None
    return await session.get(Account, signed_in.account_id)


async def end_session(session: AsyncSession, token: str) -> None:
    await session.exec(delete(AccountSession).where(AccountSession.id == _token_hash(token)))
    await session.commit()


async def end_every_session(session: AsyncSession, account: Account) -> None:
    """Sign the account out on every browser (a shared computer, a lost phone)."""
    await session.exec(delete(AccountSession).where(AccountSession.account_id == account.id))
    await session.commit()

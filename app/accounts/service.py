from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.accounts.models import Account
from app.accounts.schemas import SignUp
from app.errors import Conflict
from app.web.security import password_hasher

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

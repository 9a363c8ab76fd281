"""Signed cookies, CSRF tokens, password hashing, and keys for sealing secrets."""

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pwdlib import PasswordHash

from app.errors import Forbidden

ACCOUNT_COOKIE = "rt_account"
CSRF_COOKIE = "rt_csrf"
ACCOUNT_MAX_AGE = 14 * 24 * 3600
ACCOUNT_SALT = "account-session"  # signs the token of a row in AccountSession
PARTICIPANT_MAX_AGE = 30 * 24 * 3600

password_hasher = PasswordHash.recommended()  # argon2id


def participant_cookie(meeting_id: int) -> str:
    return f"rt_p{meeting_id}"


Keys = str | Sequence[str]  # one key, or SECRET_KEY then its fallbacks (Settings.secret_keys)


def as_keys(keys: Keys) -> tuple[str, ...]:
    return (keys,) if isinstance(keys, str) else tuple(keys)


def _serializer(keys: Keys, salt: str) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts any of them.
    return URLSafeTimedSerializer(list(reversed(as_keys(keys))), salt=salt)


def sign(keys: Keys, salt: str, value: Any) -> str:
    return _serializer(keys, salt).dumps(value)


def unsign(keys: Keys, salt: str, token: str | None, max_age: int) -> Any | None:
    if not token or len(token) > 512:
        return None
    try:
        return _serializer(keys, salt).loads(token, max_age=max_age)
    except BadSignature:
        return None


def keyed_hashes(keys: Keys, message: str) -> list[str]:
    """HMAC-SHA256 of `message` under each key, SECRET_KEY's first: a pseudonym is
    written under the first and looked for under all, so a new key does not make
    a past vote or answer someone else's."""
    return [hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest() for key in as_keys(keys)]


def new_csrf_cookie() -> str:
    return secrets.token_urlsafe(32)


def csrf_token_for(secret: str, cookie_value: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + cookie_value.encode(), hashlib.sha256).hexdigest()


async def verify_csrf(request: Request) -> None:
    """Dependency for every page form post: the token must match this browser's cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get("x-csrf-token")
    if sent is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    keys = request.app.state.settings.secret_keys
    # Compared as bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    if not cookie or not sent or not any(hmac.compare_digest(sent.encode(), csrf_token_for(key, cookie).encode())
                                         for key in keys):
        raise Forbidden(
            "This form has expired or did not come from Roundtable. Please go back, reload the page and try again."
        )


def hash_secret(value: str) -> str:
    """For capabilities we hand out (API keys, withdraw tokens): fast, unsalted, high entropy."""
    return hashlib.sha256(value.encode()).hexdigest()


def fernet_for(keys: Keys, purpose: str) -> MultiFernet:
    """Authenticated encryption (Fernet: AES-128-CBC with an HMAC-SHA256 tag) under a key
    derived from SECRET_KEY for this one purpose, so no two uses share a key. Encrypts
    under SECRET_KEY; opens what any fallback key encrypted."""
    return _fernet(as_keys(keys), purpose)


@lru_cache(maxsize=16)
def _fernet(keys: tuple[str, ...], purpose: str) -> MultiFernet:
    def derived(secret_key: str) -> Fernet:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=f"roundtable: {purpose}".encode()).derive(secret_key.encode())
        return Fernet(base64.urlsafe_b64encode(key))

    return MultiFernet([derived(k) for k in keys])

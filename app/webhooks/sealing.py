"""Webhook signing secrets, sealed at rest.

A webhook's secret must be kept (every delivery is signed with it), but a copy of the
database alone (a backup, a dump, a read-only leak) must not let anyone sign messages
a receiver would trust. So the column holds the secret encrypted (Fernet: AES-128-CBC
with an HMAC-SHA256 tag) under a key derived from SECRET_KEY, which lives in the
environment, not the database.

If SECRET_KEY changes, sealed secrets can no longer be opened: deliveries then fail
with a message saying so, and "Make a new signing secret" on the community page (or
the API) mends it.
"""

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED = "sealed:v1:"  # what a sealed value starts with; older rows held the secret itself


@lru_cache(maxsize=8)
def _fernet(secret_key: str) -> Fernet:
    # Its own key, derived for this one use, so it cannot be mistaken for a cookie signature.
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"roundtable: webhook signing secrets").derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, secret: str) -> str:
    return SEALED + _fernet(secret_key).encrypt(secret.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def unseal(secret_key: str, stored: str) -> str | None:
    """The secret, or None if it was sealed under another SECRET_KEY. A value from
    before sealing is the secret itself (sealed when the app next starts)."""
    if not is_sealed(stored):
        return stored
    try:
        return _fernet(secret_key).decrypt(stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        return None

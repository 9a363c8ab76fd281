"""Webhook signing secrets, sealed at rest.

A webhook's secret must be kept (every delivery is signed with it), but a copy of the
database alone (a backup, a dump, a read-only leak) must not let anyone sign messages
a receiver would trust. So the column holds the secret encrypted under a key derived
from SECRET_KEY (app.web.security.fernet_for), which lives in the environment, not
the database. Secrets sealed under a key now in SECRET_KEY_FALLBACKS still open, and
are sealed again under SECRET_KEY when the app starts.

If SECRET_KEY changes with no fallback, sealed secrets can no longer be opened:
deliveries then fail with a message saying so, and "Make a new signing secret" on the
community page (or the API) mends it.
"""

from cryptography.fernet import InvalidToken

from app.web.security import Keys, as_keys, fernet_for

SEALED = "sealed:v1:"  # what a sealed value starts with; older rows held the secret itself
PURPOSE = "webhook signing secrets"


def seal(keys: Keys, secret: str) -> str:
    return SEALED + fernet_for(keys, PURPOSE).encrypt(secret.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def unseal(keys: Keys, stored: str) -> str | None:
    """The secret, or None if it was sealed under none of these keys. A value from
    before sealing is the secret itself (sealed when the app next starts)."""
    if not is_sealed(stored):
        return stored
    try:
        return fernet_for(keys, PURPOSE).decrypt(stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        return None


def resealed(keys: Keys, stored: str) -> str | None:
    """`stored` sealed under SECRET_KEY (the first key), if it is not already: plain, or
    sealed under a fallback. None if there is nothing to do, or nothing opens it."""
    keys = as_keys(keys)
    if not is_sealed(stored):
        return seal(keys, stored)
    if len(keys) == 1 or unseal(keys[:1], stored) is not None:
        return None
    secret = unseal(keys, stored)
    return seal(keys, secret) if secret is not None else None

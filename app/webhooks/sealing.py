"""Webhook signing secrets, sealed at rest.

A webhook's secret must be kept (every delivery is signed with it), but a copy of the
database alone (a backup, a dump, a read-only leak) must not let anyone sign messages
a receiver would trust. So the column holds the secret encrypted under a key derived
from SECRET_KEY (app.web.security.fernet_for), which lives in the environment, not
the database.

If SECRET_KEY changes, sealed secrets can no longer be opened: deliveries then fail
with a message saying so, and "Make a new signing secret" on the community page (or
the API) mends it.
"""

from cryptography.fernet import InvalidToken

from app.web.security import fernet_for

SEALED = "sealed:v1:"  # what a sealed value starts with; older rows held the secret itself
PURPOSE = "webhook signing secrets"


def seal(secret_key: str, secret: str) -> str:
    return SEALED + fernet_for(secret_key, PURPOSE).encrypt(secret.encode()).decode()


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED)


def unseal(secret_key: str, stored: str) -> str | None:
    """The secret, or None if it was sealed under another SECRET_KEY. A value from
    before sealing is the secret itself (sealed when the app next starts)."""
    if not is_sealed(stored):
        return stored
    try:
        return fernet_for(secret_key, PURPOSE).decrypt(stored[len(SEALED):].encode()).decode()
    except InvalidToken:
        return None

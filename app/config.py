"""All configuration in one place, read from the environment (or a .env file)."""

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"

HTMX_VERSION = "2.0.11"
HTMX_WS_VERSION = "2.0.4"
# Subresource Integrity hashes of the pinned files; tests prove the vendored copies match.
HTMX_SRI = "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg"
HTMX_WS_SRI = "sha384-1RwI/nvUSrMRuNj7hX1+27J8XDdCoSLf0EjEyF69nacuWyiJYoQ/j39RT1mSnd2G"
HTMX_CDN = "https://cdn.jsdelivr.net/npm"


class Settings(BaseSettings):
    # Errors never echo what was given: it may be a secret key.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", hide_input_in_errors=True)

    environment: Literal["development", "test", "production"] = "development"
    secret_key: str = DEVELOPMENT_SECRET
    # Earlier SECRET_KEYs, newest first, still accepted while a new one takes over:
    # cookies and form tokens they signed still work, votes and icebreaker answers
    # are still recognised, and webhook secrets sealed with them are opened (and
    # sealed again with SECRET_KEY when the app starts). Drop one once what it
    # signed has expired (30 days: the longest cookie).
    secret_key_fallbacks: list[str] = []
    database_url: str = "sqlite+aiosqlite:///./roundtable.db"
    redis_url: str | None = None
    # "cdn" loads htmx from a public CDN with an integrity hash; "local" serves the
    # vendored copy (air-gapped NHS networks, privacy, tests).
    htmx_source: Literal["cdn", "local"] = "cdn"
    # The address people use to reach Roundtable, for join links and QR codes.
    # Empty: taken from each request.
    public_url: str = ""
    # Extra browser origins allowed to open live sockets (the app's own origin always is).
    allowed_origins: list[str] = []
    cookie_secure: bool | None = None
    log_level: str = "INFO"
    # Requests per minute for each API key (beyond: 429 with Retry-After).
    api_requests_per_minute: int = 600
    # Live socket hygiene.
    live_queue_size: int = 256
    live_max_message_bytes: int = 4096
    live_max_connections_per_participant: int = 5
    # Each live socket is pinged this often; one whose client has not answered within
    # as long again is closed (a phone that lost its signal, a laptop put to sleep).
    live_ping_seconds: float = Field(default=20.0, ge=0.1, le=300)
    # Each worker says it is alive this often; one silent for three beats is taken as
    # gone, and the people whose sockets it held are no longer shown as here.
    live_heartbeat_seconds: float = Field(default=10.0, gt=0, le=300)
    # Bursts (arrivals, votes, poll answers) reach each meeting at most this often.
    live_batch_seconds: float = Field(default=1.0, ge=0.05, le=10)
    # Webhooks: in production a webhook may not point at this machine or a private,
    # loopback or link-local network (server-side request forgery) unless this is
    # true, e.g. for a receiver on the same intranet.
    webhook_allow_private: bool = False
    # Send webhook deliveries from this process (a background task). Off only for
    # tests that drive deliveries themselves; on PostgreSQL several workers share the queue safely.
    webhook_worker: bool = True

    @model_validator(mode="after")
    def _refuse_default_secret_in_production(self) -> "Settings":
        if self.environment == "production":
            if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
                raise ValueError(
                    "SECRET_KEY must be set to a random value of at least 32 characters "
                    "in production (e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))')."
                )
            # A fallback is accepted like the key itself: a weak one would let anyone sign cookies.
            if any(k == DEVELOPMENT_SECRET or len(k.strip()) < 32 for k in self.secret_key_fallbacks):
                raise ValueError("Each of SECRET_KEY_FALLBACKS must be a real earlier key of at least 32 characters "
                                 "in production, never the development value.")
        return self

    @property
    def secret_keys(self) -> tuple[str, ...]:
        """SECRET_KEY first (it signs and seals), then the earlier ones (only checked)."""
        return (self.secret_key, *(k for k in self.secret_key_fallbacks if k and k != self.secret_key))

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()

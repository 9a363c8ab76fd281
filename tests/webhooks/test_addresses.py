"""Where a webhook may point, in production: never this machine or a private network
(server-side request forgery), unless WEBHOOK_ALLOW_PRIVATE says so."""

import asyncio

import pytest

from app.config import Settings
from app.errors import Invalid
from app.webhooks.service import guards_private, refuse_private


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8000/hook",
    "http://localhost/hook",
    "http://10.1.2.3/",
    "http://192.168.0.10/",
    "http://172.16.5.4/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[::1]/",
    "http://[fe80::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://0.0.0.0/",
    "http://2130706433/",  # 127.0.0.1 written as one number
])
def test_private_and_loopback_addresses_are_refused(url):
    with pytest.raises(Invalid, match="private network or this machine"):
        asyncio.run(refuse_private(url))


def test_a_public_address_is_allowed():
    asyncio.run(refuse_private("https://93.184.215.14/hook"))
    asyncio.run(refuse_private("https://[2606:4700::1111]/hook"))


def test_a_host_that_does_not_resolve_is_a_clear_message():
    with pytest.raises(Invalid, match="could not find that host"):
        asyncio.run(refuse_private("https://no-such-host.invalid/hook"))


def test_only_production_guards_and_the_setting_lifts_it():
    secret = "x" * 40
    assert guards_private(Settings(environment="production", secret_key=secret))
    assert not guards_private(Settings(environment="production", secret_key=secret, webhook_allow_private=True))
    assert not guards_private(Settings(environment="test"))
    assert not guards_private(Settings(environment="development"))

"""The process tells operators it is up and ready, and refuses an unsafe production set-up."""

import pytest
from pydantic import ValidationError

from app.config import DEVELOPMENT_SECRET, Settings


@pytest.fixture
def clean_env(monkeypatch):
    """Settings read the environment: make sure the machine running the tests does not leak in."""
    for name in ("ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "HTMX_SOURCE", "COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)


def test_healthz_says_the_process_is_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": True, "broker": True}


def test_readyz_is_503_when_the_database_does_not_answer(client, app):
    class Broken:
        def connect(self):
            raise OSError("database is down")

    engine, app.state.engine = app.state.engine, Broken()
    try:
        response = client.get("/readyz")
    finally:
        app.state.engine = engine
    assert response.status_code == 503
    assert response.json()["database"] is False


def test_development_defaults_work(clean_env):
    settings = Settings(_env_file=None)
    assert settings.environment == "development"
    assert settings.secret_key == DEVELOPMENT_SECRET
    assert settings.htmx_source == "cdn"
    assert settings.secure_cookies is False


@pytest.mark.parametrize("secret", [None, "short-secret", "x" * 31], ids=["default", "short", "31-chars"])
def test_production_refuses_a_missing_or_short_secret(clean_env, secret):
    kwargs = {} if secret is None else {"secret_key": secret}
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, environment="production", **kwargs)
    message = str(refused.value)
    assert "SECRET_KEY" in message and "at least 32 characters" in message


def test_production_refuses_the_default_secret_from_the_environment(clean_env, monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(_env_file=None)


def test_production_accepts_a_real_secret_and_secures_cookies(clean_env):
    settings = Settings(_env_file=None, environment="production", secret_key="k" * 40)
    assert settings.environment == "production"
    assert settings.secure_cookies is True


def test_production_cookies_are_secure(database_url, clean_env):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.helpers import Browser

    settings = Settings(_env_file=None, environment="production", secret_key="k" * 40,
                        database_url=database_url, redis_url=None, htmx_source="local")
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        browser = Browser(client)
        first = browser.get("/login")
        csrf = next(c for c in first.headers.get_list("set-cookie") if c.startswith("rt_csrf="))
        assert "secure" in csrf.lower()
        response = browser.post("/login", {"email": "nobody@example.org", "password": "wrong password"})
        assert response.status_code == 401  # the Secure CSRF cookie came back over https: the form worked


def test_templates_reload_from_disk_only_in_development(settings):
    from app.main import create_app
    from app.web.templating import env

    create_app(settings.model_copy(update={"environment": "development"}))
    assert env.auto_reload is True  # a designer's edit shows on the next page
    create_app(settings)  # test, like production: templates change only with a deploy
    assert env.auto_reload is False

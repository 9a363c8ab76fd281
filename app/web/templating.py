"""Jinja2 set-up shared by pages and pushed live fragments. Autoescape stays on."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates

from app.config import HTMX_CDN, HTMX_SRI, HTMX_VERSION, HTMX_WS_SRI, HTMX_WS_VERSION
from app.web.assets import asset_url

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
env = templates.env


def local_time(value: datetime | None, timezone: str = "Europe/London", fmt: str = "%a %-d %b %Y, %H:%M") -> str:
    """Show a stored (UTC) time in the community's time zone, with the zone's name."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo("UTC"))
    aware = value.astimezone(ZoneInfo(timezone))
    return f"{aware.strftime(fmt)} {aware.tzname()}"


def htmx_scripts(source: str) -> list[dict[str, str]]:
    if source == "local":
        return [
            {"src": f"/static/vendor/htmx-{HTMX_VERSION}.min.js", "integrity": HTMX_SRI},
            {"src": f"/static/vendor/htmx-ext-ws-{HTMX_WS_VERSION}.min.js", "integrity": HTMX_WS_SRI},
        ]
    return [
        {"src": f"{HTMX_CDN}/htmx.org@{HTMX_VERSION}/dist/htmx.min.js", "integrity": HTMX_SRI},
        {"src": f"{HTMX_CDN}/htmx-ext-ws@{HTMX_WS_VERSION}/dist/ws.min.js", "integrity": HTMX_WS_SRI},
    ]


env.filters["local_time"] = local_time
env.globals["asset_url"] = asset_url


def render(name: str, **context) -> str:
    """Render a fragment outside a request (pushed over the live socket)."""
    context.setdefault("csrf_token", "")
    return env.get_template(name).render(**context)


def page(request, name: str, status_code: int = 200, **context):
    """A whole page: adds what every page's layout needs."""
    settings = request.app.state.settings
    context.setdefault("account", getattr(request.state, "account", None))
    return templates.TemplateResponse(
        request,
        name,
        {
            "csrf_token": getattr(request.state, "csrf_token", ""),
            "htmx_scripts": htmx_scripts(settings.htmx_source),
            **context,
        },
        status_code=status_code,
    )

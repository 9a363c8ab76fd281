"""Live regions: the parts of the meeting page that the server re-renders and pushes.

Each domain registers the regions it owns and which events change them. A region
renders the current truth from the database, so the same function serves a page
load, a pushed update and the snapshot a (re)connecting browser receives.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession


class Audience(StrEnum):
    member = "member"
    facilitator = "facilitator"


@dataclass
class RegionContext:
    session: AsyncSession
    meeting_id: int
    audience: Audience
    # Only for a page load: pushed fragments are shared by a whole audience, so
    # their forms rely on the X-CSRF-Token header htmx adds from the page.
    csrf_token: str = ""


Renderer = Callable[[RegionContext], Awaitable[str]]

_regions: dict[str, Renderer] = {}
_event_regions: dict[str, tuple[str, ...]] = {}


def region(name: str) -> Callable[[Renderer], Renderer]:
    def register(renderer: Renderer) -> Renderer:
        _regions[name] = renderer
        return renderer

    return register


def refreshes(event_type: str, *region_names: str) -> None:
    _event_regions[event_type] = region_names


def regions_for(event_type: str) -> tuple[str, ...]:
    return _event_regions.get(event_type, ())


def all_regions() -> tuple[str, ...]:
    return tuple(_regions)


async def render_regions(ctx: RegionContext, names: tuple[str, ...]) -> str:
    return "".join([await _regions[name](ctx) for name in names])

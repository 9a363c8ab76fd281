"""Live regions: the parts of the meeting page that the server re-renders and pushes.

Each domain registers the regions it owns and which events change them. A region
renders the current truth from the database, so the same function serves a page
load, a pushed update and the snapshot a (re)connecting browser receives.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from dataclasses import dataclass, field

from sqlmodel.ext.asyncio.session import AsyncSession


SORTS = ("votes", "time")


@dataclass(frozen=True, slots=True)
class Audience:
    """Everyone who sees a region the same way. The hub renders once per audience
    present on a worker, so keep the number of audiences small."""

    facilitator: bool = False
    sort: str = "votes"  # how this page orders questions
    room_id: int | None = None  # their breakout room while a round runs
    # The room display (a projector): no person behind it, only the regions made for
    # it (`region(name, display=True)`), and the address its join QR code points to.
    display: bool = False
    origin: str = ""

    @classmethod
    def of(cls, facilitator: bool, sort: str | None = None) -> "Audience":
        return cls(facilitator, sort if sort in SORTS else "votes")


MEMBERS = Audience(False)
FACILITATORS = Audience(True)


@dataclass
class RegionContext:
    session: AsyncSession
    meeting_id: int
    audience: Audience
    # Only for a page load: pushed fragments are shared by a whole audience, so
    # their forms rely on the X-CSRF-Token header htmx adds from the page.
    csrf_token: str = ""
    # Also only for a page load: what this one person has done (e.g. their votes).
    # Pushed fragments leave it empty and the page's script marks it.
    personal: dict = field(default_factory=dict)
    # The event being pushed, if any: a region may skip audiences it does not concern.
    event: Any = None


Renderer = Callable[[RegionContext], Awaitable[str]]

_regions: dict[str, Renderer] = {}
_display_regions: set[str] = set()
_event_regions: dict[str, tuple[str, ...]] = {}
_depends: dict[str, tuple[str, ...] | None] = {}


def region(name: str, display: bool = False, depends: tuple[str, ...] | None = None
           ) -> Callable[[Renderer], Renderer]:
    """Register a region. `display=True`: only for the room display, whose audience
    sees nothing else (and the meeting page never renders it). `depends`: the
    Audience fields its pushed text depends on (default: all), so the hub renders it
    once per distinct value rather than once per audience."""

    def register(renderer: Renderer) -> Renderer:
        _regions[name] = renderer
        _depends[name] = depends
        if display:
            _display_regions.add(name)
        else:
            _display_regions.discard(name)
        return renderer

    return register


def refreshes(event_type: str, *region_names: str) -> None:
    """Declare that an event changes these regions (adds to what others declared)."""
    known = _event_regions.get(event_type, ())
    _event_regions[event_type] = known + tuple(n for n in region_names if n not in known)


def regions_for(event_type: str) -> tuple[str, ...]:
    return _event_regions.get(event_type, ())


_batched_events: set[str] = set()


def batches(*event_types: str) -> None:
    """Events that come in bursts (people arriving) whose regions may be pushed together,
    a moment later: the hub renders the truth once for the whole burst, not once per
    event. Only for events whose regions render the same without the event itself."""
    _batched_events.update(event_types)


def is_batched(event_type: str) -> bool:
    return event_type in _batched_events


def batched_events() -> frozenset[str]:
    return frozenset(_batched_events)


def all_regions() -> tuple[str, ...]:
    return tuple(_regions)


async def render_regions(ctx: RegionContext, names: tuple[str, ...], cache: dict | None = None) -> str:
    """Render these regions for one audience. With `cache` (one per pushed event),
    audiences that see a region alike share one rendering."""
    display = ctx.audience.display
    parts = []
    for name in names:
        if (name in _display_regions) != display:
            continue
        depends = _depends.get(name)
        if cache is None or depends is None:
            parts.append(await _regions[name](ctx))
            continue
        key = (name, display, tuple(getattr(ctx.audience, f) for f in depends))
        if key not in cache:
            cache[key] = await _regions[name](ctx)
        parts.append(cache[key])
    return "".join(parts)


# --- grouping: which breakout room each person's page belongs to -----------------

RoomResolver = Callable[[AsyncSession, int, list[int]], Awaitable[dict[int, int]]]
_room_resolver: list[RoomResolver] = []
_regrouping_events: set[str] = set()


def groups_by(resolver: RoomResolver) -> RoomResolver:
    """Register the function that says which room each participant is in."""
    _room_resolver[:] = [resolver]
    return resolver


def regroups(*event_types: str) -> None:
    """Events after which people may be in other rooms (the hub re-sorts its sockets)."""
    _regrouping_events.update(event_types)


def is_regrouping(event_type: str) -> bool:
    return event_type in _regrouping_events


async def rooms_for(session: AsyncSession, meeting_id: int, participant_ids: list[int]) -> dict[int, int]:
    if not _room_resolver:
        return {}
    return await _room_resolver[0](session, meeting_id, participant_ids)

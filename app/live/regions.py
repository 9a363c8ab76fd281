"""Live regions: the parts of the meeting page that the server re-renders and pushes.

Each domain registers the regions it owns and which events change them. A region
renders the current truth from the database, so the same function serves a page
load, a pushed update and the snapshot a (re)connecting browser receives.
"""

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sqlmodel.ext.asyncio.session import AsyncSession

from app.errors import NotFound

if TYPE_CHECKING:
    from app.communities.models import Community
    from app.meetings.models import Meeting


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


_AUDIENCE_FIELDS = tuple(f.name for f in fields(Audience))
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
    _meeting_and_community: tuple | None = field(default=None, repr=False)

    async def meeting_and_community(self) -> tuple["Meeting", "Community"]:
        """The meeting and its community, read once for all the regions rendered with
        this context (the session does not keep them between regions: its identity
        map holds them weakly)."""
        if self._meeting_and_community is None:
            from app.communities.models import Community
            from app.meetings.models import Meeting

            meeting = await self.session.get(Meeting, self.meeting_id)
            if meeting is None:
                raise NotFound("There is no such meeting.")
            self._meeting_and_community = meeting, await self.session.get(Community, meeting.community_id)
        return self._meeting_and_community


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


def cache_key(name: str, audience: Audience) -> tuple:
    """What a rendering of a region can be shared under: its name and the parts of the
    audience it depends on (or all of them)."""
    depends = _depends.get(name)
    names = depends if depends is not None else _AUDIENCE_FIELDS
    return name, audience.display, tuple(getattr(audience, f) for f in names)


async def render_regions(ctx: RegionContext, names: tuple[str, ...], cache: dict | None = None) -> str:
    """Render these regions for one audience. With `cache` (one per pushed event, or
    see RegionCache), audiences that see a region alike share one rendering."""
    display = ctx.audience.display
    parts = []
    for name in names:
        if (name in _display_regions) != display:
            continue
        if cache is None:
            parts.append(await _regions[name](ctx))
            continue
        key = cache_key(name, ctx.audience)
        if key not in cache:
            cache[key] = await _regions[name](ctx)
        parts.append(cache[key])
    return "".join(parts)


class RegionCache:
    """One meeting's regions as last rendered without an event (a snapshot, or a batch
    of arrivals), kept by a worker while it has pages in that meeting, so it hears
    every event of it. When a crowd connects, each page's snapshot then renders only
    what changed since the last one ("who is here"), not the whole meeting.

    It is right because every change to a region publishes an event that refreshes
    it (live pushes need that already): the hub forgets those regions when the event
    arrives. An event still on its way reaches every page registered by then, so a
    page given an older copy is pushed the change after its snapshot. A region read
    by a reading that began before that region was forgotten is not kept (`mark`);
    its other regions are. Batched events are not forgotten on arrival: their batch,
    due to every page, renders them anew and keeps that. `max_age` bounds the harm of
    a change that has no event."""

    __slots__ = ("max_age", "clock", "_changes", "_changed_at", "_all_changed_at", "_texts")

    def __init__(self, max_age: float, clock: Callable[[], float] = time.monotonic):
        self.max_age = max_age
        self.clock = clock
        self._changes = 0  # how many times something was forgotten
        self._changed_at: dict[str, int] = {}  # region name -> _changes when it was last forgotten
        self._all_changed_at = 0
        self._texts: dict[tuple, tuple[str, float]] = {}  # cache_key -> (text, when its reading began)

    def mark(self) -> int:
        """Taken when a reading begins, for keep()."""
        return self._changes

    async def render(self, ctx: RegionContext, names: tuple[str, ...]) -> str:
        """render_regions, reusing what is kept and keeping what it had to render."""
        mark, began = self.mark(), self.clock()
        reused = self.usable(began)
        texts = dict(reused)
        text = await render_regions(ctx, names, texts)
        self.keep(mark, began, {key: t for key, t in texts.items() if key not in reused})
        return text

    def usable(self, now: float) -> dict:
        """The renderings young enough to reuse, as a cache for render_regions."""
        oldest = now - self.max_age
        return {key: text for key, (text, began) in self._texts.items() if began > oldest}

    def keep(self, mark: int, began: float, texts: dict) -> None:
        """Keep renderings from a reading that began at `began` (at `mark`), except of
        regions forgotten since (it may have read them before they changed)."""
        if self._all_changed_at > mark:
            return
        for key, text in texts.items():
            if self._changed_at.get(key[0], 0) > mark:
                continue
            known = self._texts.get(key)
            if known is None or known[1] < began:
                self._texts[key] = (text, began)

    def forget(self, names: tuple[str, ...] | None = None) -> None:
        """These regions changed (None: everything may have)."""
        self._changes += 1
        if names is None:
            self._all_changed_at = self._changes
            self._texts.clear()
            return
        for name in names:
            self._changed_at[name] = self._changes
        for key in [k for k in self._texts if k[0] in names]:
            del self._texts[key]


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

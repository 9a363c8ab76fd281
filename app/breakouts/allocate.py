"""Breakout-room allocator: pure Python, standard library only, no I/O.

The organisers in the study hand-built small groups with "a patient, a
commissioner, a GP, a clinician, and a facilitator" in each.  This module does
the same thing for any roster, and says in plain language wherever it could not.

Public API
----------
``allocate(request) -> Allocation``
``plan_rounds(request, rounds) -> tuple[Allocation, ...]``
``place_latecomer(rooms, people, newcomer, met_before, policy) -> int``
``AllocationError`` (a ``ValueError``) for requests that cannot be allocated at all.

Guarantees, in priority order
-----------------------------
1. **Pins and keep-apart pairs** are honoured, or ``problems`` names exactly which
   ones could not be (both people pinned to the same room, a group with only one
   room, a keep-apart triangle with only two rooms, ...).  Everything else still runs.
2. **Room sizes differ by at most one** within each *group*.  With
   ``policy.separate_in_room`` people in the room go to in-room tables and online
   people to online rooms, and each group is balanced on its own.  With ``rooms``
   the room count is split between the groups in proportion to their sizes
   (largest remainder, at least one room per non-empty group; with a single room
   both groups share it and ``problems`` says so).  With ``room_size`` each group
   gets ``ceil(n / room_size)`` rooms.  In-room tables get the lowest indices.
   Nobody sits a breakout alone because they are the only one of their kind: when
   just one person is in the room (or just one online), everyone is one group, that
   person's room is mixed, and ``problems`` says so (not with ``room_size`` 1).
3. **Every role's count per room differs by at most one** across the rooms of a
   group, **and the facilitator flag is its own balancing dimension**: facilitators
   per room differ by at most one, so every room has one while there are enough.
   (Sizes, each role and facilitators are balanced at the same time; this is an
   equitable, balanced edge colouring of the role-by-facilitator bipartite graph,
   which de Werra showed always exists.)  Pins can make this impossible; then the
   allocator gets as close as it can and ``problems`` says what is off.
4. **Lay buddy** (``policy.lay_buddy``) -- the precise rule:

   * Lay members are the people whose role is in ``policy.lay_roles``, counted
     together ("pooled").  A *lone* room is a room with exactly one of them.
   * First the lay roles are balanced like any other role.  If that leaves no
     lone room, it is kept (so lay and carer each still differ by at most one).
   * Otherwise, with L pooled lay members and k rooms in the group, the
     allocator tries pooled layouts with u = 0, 1, 2, ... lone rooms.  For a given
     u the layout is: u rooms with one lay member, m = min(k - u, (L - u) // 2)
     rooms with two or more (spread as evenly as possible), the rest with none.
     The first layout that still keeps guarantees 2 and 3 for everything else
     (room sizes, every non-lay role, facilitators) and fits the pins is used.
     So 4 lay members in 3 rooms become 2+2+0; 5 become 3+2+0; with 8 or more
     lay members in 4 rooms every room simply has at least two.
   * Lay buddy takes priority over the spread of the individual lay roles only:
     "lay" and "carer" counts may then differ by more than one between rooms (they
     are still dealt round-robin over the rooms that have lay members).
   * A lone lay member is unavoidable when the group has exactly one lay member, or
     when the other roles leave no room for a pair (3 lay members and 3 clinicians
     in 3 rooms of two: every room needs its clinician, so every room has one lay
     member).  Lone rooms are then listed in ``problems`` (one line per group).
   * With L >= 2k the layout is simply the even one with the lay roles pooled,
     which always exists, so every room has at least two.
5. **Repeats**: within all of the above, as few pairs from ``met_before`` as
   possible share a room.  The search only makes swaps that cannot cost any of
   the guarantees above: two people with the same role and facilitator flag in
   the same group, or two people of the same group whose swap keeps every role
   count and the facilitator count in its band (within one, or no further out
   than pins already forced) and leaves the pooled lay count of each room as it
   was when lay buddy is on.  Pinned people never move.  Keep-apart pairs are
   weighted far above repeats in the same search; if that search cannot separate
   a pair, a last resort swaps with anyone in the group (keep-apart outranks
   balance), and ``problems`` then reports any balance that broke.

Determinism
-----------
Inputs are sorted by person id and every random choice uses
``random.Random(seed)`` (never the global generator), so the same request and the
same seed always give the same allocation.  Different seeds usually give
different allocations with the same guarantees, which is how a facilitator can
"reshuffle".

Method and cost
---------------
Per group: a count matrix (how many people of each role/facilitator class go to
each room) is built first -- round-robin dealing plus pairwise rebalancing for
the even layout (each pairwise re-split balances every role, class, facilitator
flag and total between two rooms, so it always converges), and for lay-buddy
layouts a Gale-Ryser construction for the role counts plus an augmenting-path
flow for the facilitators.  Rooms are then relabelled to fit the pins (a
bipartite matching; if no balanced matrix fits, a greedy pin-first layout is
used and ``problems`` says what is off).  People are dealt into the matrix
greedily away from people they have met, and a bounded local search of swaps
(best improving swap, sideways moves on plateaus) cuts repeats; small meetings
get a few restarts, each with a different balanced matrix, and keep the best.
Without met-before pairs or keep-apart pairs there is nothing to search and
1,000 people allocate in about 10-20 ms; a sixth round for 1,000 people who
have met in five earlier rounds took about 30 ms (the search is bounded at
about 60 swap evaluations per person, plus a constant).
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from dataclasses import dataclass
from random import Random

__all__ = [
    "Person",
    "Policy",
    "AllocationRequest",
    "Room",
    "Figures",
    "Allocation",
    "AllocationError",
    "allocate",
    "plan_rounds",
    "place_latecomer",
]


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Person:
    id: int
    role: str  # role slug, e.g. "lay", "carer", "clinician", "gp", "commissioner", ...
    in_room: bool  # True = physically in the meeting room, False = online
    facilitator: bool = False


@dataclass(frozen=True)
class Policy:
    separate_in_room: bool = True
    lay_buddy: bool = True
    lay_roles: frozenset[str] = frozenset({"lay", "carer"})


@dataclass(frozen=True)
class AllocationRequest:
    people: tuple[Person, ...]
    rooms: int | None = None  # exactly one of rooms / room_size
    room_size: int | None = None
    met_before: frozenset[frozenset[int]] = frozenset()
    pins: tuple[tuple[int, int], ...] = ()  # (person id, room index)
    keep_apart: tuple[tuple[int, int], ...] = ()
    policy: Policy = Policy()
    seed: int = 0


@dataclass(frozen=True)
class Room:
    index: int
    in_room: bool | None  # True: a physical table; False: an online room; None: mixed
    members: tuple[int, ...]  # person ids, ascending


@dataclass(frozen=True)
class Figures:
    sizes: tuple[int, ...]
    role_counts: tuple[dict[str, int], ...]
    worst_role_spread: int
    facilitators_per_room: tuple[int, ...]
    repeated_pairs: int
    lone_lay_rooms: int


@dataclass(frozen=True)
class Allocation:
    rooms: tuple[Room, ...]
    figures: Figures
    problems: tuple[str, ...]


class AllocationError(ValueError):
    """The request cannot be allocated at all (the message says why, in plain words)."""


# ------------------------------------------------------------------ helpers: text

_APART_WEIGHT = 1000  # a keep-apart pair in one room costs more than any number of repeats


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


_GROUP_WORDS = {True: "in-room tables", False: "online rooms", None: "rooms"}
_LONE_WORDS = {  # by where the one person is
    True: "Only one person is in the meeting room, so they join an online room (on a laptop or phone) "
          "instead of sitting at a table alone.",
    False: "Only one person is online, so they join an in-room table (on a screen there) instead of "
           "being in a room alone.",
}


# ---------------------------------------------------------- validation and layout


@dataclass
class _Group:
    flag: bool | None  # True in-room, False online, None mixed / not separated
    people: list[Person]
    rooms: list[int]  # global room indices, ascending


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validate(request: AllocationRequest) -> list[Person]:
    if not request.people:
        raise AllocationError("There is nobody to allocate: the list of people is empty.")
    if (request.rooms is None) == (request.room_size is None):
        raise AllocationError(
            "Give either the number of rooms or the room size, not both and not neither."
        )
    if request.rooms is not None:
        if not _is_int(request.rooms):
            raise AllocationError("The number of rooms must be a whole number.")
        if request.rooms < 1:
            raise AllocationError("There must be at least one room.")
    if request.room_size is not None:
        if not _is_int(request.room_size):
            raise AllocationError("The room size must be a whole number.")
        if request.room_size < 1:
            raise AllocationError("Rooms must hold at least one person.")
    seen: set[int] = set()
    for person in request.people:
        if person.id in seen:
            raise AllocationError(f"Person {person.id} is listed more than once.")
        seen.add(person.id)
    return sorted(request.people, key=lambda p: p.id)


def _split_rooms(total: int, sizes: list[int]) -> list[int]:
    """Split `total` rooms between two non-empty groups in proportion to their sizes."""
    n = sum(sizes)
    base = [total * s // n for s in sizes]
    rema = [total * s % n for s in sizes]
    left = total - sum(base)
    # largest remainder; ties go to the bigger group, then to the in-room group (first)
    order = sorted(range(len(sizes)), key=lambda i: (-rema[i], -sizes[i], i))
    for i in order[:left]:
        base[i] += 1
    for i in range(len(base)):
        if base[i] == 0:
            base[i] = 1
            j = max(range(len(base)), key=lambda t: (base[t], -t))
            base[j] -= 1
    return base


def _layout(request: AllocationRequest, people: list[Person], problems: list[str]) -> list[_Group]:
    policy = request.policy
    if policy.separate_in_room:
        parts = [
            (True, [p for p in people if p.in_room]),
            (False, [p for p in people if not p.in_room]),
        ]
        parts = [(flag, ps) for flag, ps in parts if ps]
        sizes = sorted(len(ps) for _, ps in parts)
        if request.room_size != 1 and sizes[:1] == [1] and sizes[-1] > 1:
            # Nobody should spend a breakout alone at a table (or alone online): the
            # one person joins the other kind's rooms, and that room is mixed.
            problems.append(_LONE_WORDS[next(flag for flag, ps in parts if len(ps) == 1)])
            parts = [(None, people)]
    else:
        parts = [(None, people)]

    if request.room_size is not None:
        size = request.room_size
        counts = [-(-len(ps) // size) for _, ps in parts]
    elif len(parts) == 2 and request.rooms == 1:
        problems.append(
            "There is only one room, so the people in the meeting room and the people "
            "online share it."
        )
        parts = [(None, people)]
        counts = [1]
    elif len(parts) == 2:
        counts = _split_rooms(request.rooms, [len(ps) for _, ps in parts])
    else:
        counts = [request.rooms]

    groups: list[_Group] = []
    start = 0
    for (flag, ps), count in zip(parts, counts):
        groups.append(_Group(flag, list(ps), list(range(start, start + count))))
        start += count
    for g in groups:
        empty = len(g.rooms) - len(g.people)
        if empty > 0:
            where = f" among the {_GROUP_WORDS[g.flag]}" if len(groups) > 1 else ""
            problems.append(
                f"There are more rooms than people{where}: {_plural(empty, 'room')} will be empty."
            )
    return groups


# ------------------------------------------------------------ count-matrix engines
#
# A class is (role, facilitator flag).  A matrix maps class -> per-room counts
# (list of length k) for one group.


def _node_sets(classes: list[tuple[str, bool]]) -> list[list[tuple[str, bool]]]:
    roles: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for c in classes:
        roles[c[0]].append(c)
    nodes = [roles[r] for r in sorted(roles)]
    nodes += [[c] for c in classes if len(roles[c[0]]) > 1]  # each class too
    nodes.append([c for c in classes if c[1]])
    nodes.append([c for c in classes if not c[1]])
    nodes.append(list(classes))
    return [n for n in nodes if n]


def _split_pair(mat: dict, classes: list, a: int, b: int) -> None:
    """Re-split rooms a and b so every role, both facilitator flags and the
    totals differ by at most one between them (always possible)."""
    leftovers: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for c in classes:
        row = mat[c]
        t = row[a] + row[b]
        row[a] = row[b] = t // 2
        if t % 2:
            leftovers[c[0]].append(c)
    pairs, single_non, single_fac = [], [], []
    for role in sorted(leftovers):
        cs = leftovers[role]
        if len(cs) == 2:
            pairs.append(((role, False), (role, True)))
        elif cs[0][1]:
            single_fac.append(cs[0])
        else:
            single_non.append(cs[0])
    d0 = d1 = 0  # (room a - room b) for non-facilitators / facilitators
    for c0, c1 in pairs:
        if d0 <= 0:
            mat[c0][a] += 1
            mat[c1][b] += 1
            d0 += 1
            d1 -= 1
        else:
            mat[c0][b] += 1
            mat[c1][a] += 1
            d0 -= 1
            d1 += 1
    for c in single_non:  # keeps d0 in {0, 1}
        if d0 > 0:
            mat[c][b] += 1
            d0 -= 1
        else:
            mat[c][a] += 1
            d0 += 1
    for c in single_fac:  # keeps d1 in {-1, 0}
        if d1 < 0:
            mat[c][a] += 1
            d1 += 1
        else:
            mat[c][b] += 1
            d1 -= 1


def _rebalance(mat: dict, k: int, classes: list) -> None:
    nodes = _node_sets(classes)
    for _ in range(100 * (k + len(classes)) + 100):
        worst = None
        for node in nodes:
            rows = [mat[c] for c in node]
            vals = [sum(col) for col in zip(*rows)] if len(rows) > 1 else rows[0]
            hi = max(vals)
            lo = min(vals)
            if hi - lo >= 2:
                worst = (vals.index(hi), vals.index(lo))
                break
        if worst is None:
            return
        _split_pair(mat, classes, *worst)


def _equitable_matrix(k: int, counts: dict, rng: Random) -> dict:
    """Sizes, every role, every class and the facilitator flag each differ by at
    most one.  `rng` varies which rooms take the extras, so rounds differ."""
    fac = sorted((c for c in counts if c[1]), key=lambda c: c[0])
    non = sorted((c for c in counts if not c[1]), key=lambda c: c[0], reverse=True)
    rng.shuffle(fac)
    rng.shuffle(non)
    mat = {}
    ptr = 0
    for c in fac + non:  # one contiguous round-robin: sizes and facilitators even
        q, r = divmod(counts[c], k)
        row = [q] * k
        for t in range(r):
            row[(ptr + t) % k] += 1
        ptr = (ptr + r) % k
        mat[c] = row
    _rebalance(mat, k, list(mat))
    return mat


def _lay_vector(lay_total: int, k: int, lone: int) -> list[int] | None:
    """Most even pooled-lay layout with exactly `lone` rooms holding one lay member."""
    if lone > min(lay_total, k):
        return None
    rest = lay_total - lone
    m = min(k - lone, rest // 2)
    if rest and m == 0:
        return None
    vec: list[int] = []
    if m:
        q, r = divmod(rest, m)
        vec = [q + 1] * r + [q] * (m - r)
    vec += [1] * lone
    vec += [0] * (k - len(vec))
    return vec


def _fac_split(k: int, role_mat: dict[str, list[int]], fac_need: dict[str, int]) -> dict | None:
    """Choose which members of each role cell are facilitators so facilitators per
    room differ by at most one.  Greedy, then augmenting paths (exact)."""
    total = sum(fac_need.values())
    lo, rem = divmod(total, k)
    hi = lo + (1 if rem else 0)
    roles = sorted(role_mat)
    fac = {r: [0] * k for r in roles}
    cnt = [0] * k
    order = sorted(
        (r for r in roles if fac_need.get(r, 0)),
        key=lambda r: (sum(1 for v in role_mat[r] if v), r),
    )
    for r in order:
        row, cap = fac[r], role_mat[r]
        for _ in range(fac_need[r]):
            best = -1
            for j in range(k):
                if row[j] < cap[j] and (best < 0 or cnt[j] < cnt[best]):
                    best = j
            if best < 0:
                return None
            row[best] += 1
            cnt[best] += 1

    def augment(is_source, is_target) -> bool:
        sources = [j for j in range(k) if is_source(j)]
        parent: dict[int, tuple[int, str]] = {}
        seen = set(sources)
        queue = deque(sources)
        expanded: set[str] = set()
        while queue:
            a = queue.popleft()
            for r in roles:
                if r in expanded or fac[r][a] == 0:
                    continue
                expanded.add(r)
                row, cap = fac[r], role_mat[r]
                for b in range(k):
                    if b in seen or row[b] >= cap[b]:
                        continue
                    seen.add(b)
                    parent[b] = (a, r)
                    if is_target(b):
                        end = b
                        while end in parent:
                            prev, role = parent[end]
                            fac[role][prev] -= 1
                            fac[role][end] += 1
                            end = prev
                        cnt[end] -= 1
                        cnt[b] += 1
                        return True
                    queue.append(b)
        return False

    while any(c > hi for c in cnt):
        if not augment(lambda j: cnt[j] > hi, lambda j: cnt[j] < hi):
            return None
    while any(c < lo for c in cnt):
        if not augment(lambda j: cnt[j] > lo, lambda j: cnt[j] < lo):
            return None
    mat = {}
    for r in roles:
        if fac_need.get(r, 0):
            mat[(r, True)] = fac[r][:]
        non = [m - f for m, f in zip(role_mat[r], fac[r])]
        if any(non):
            mat[(r, False)] = non
    return mat


def _buddy_matrix(
    k: int, counts: dict, lay_roles: frozenset[str], lay_vec: list[int], rng: Random
) -> dict | None:
    """A matrix whose pooled lay counts per room are exactly `lay_vec` (descending),
    with sizes, every non-lay role and facilitators each within one, or None."""
    n_role: dict[str, int] = defaultdict(int)
    f_role: dict[str, int] = defaultdict(int)
    for (role, f), v in counts.items():
        n_role[role] += v
        if f:
            f_role[role] += v
    n = sum(n_role.values())
    size, big = divmod(n, k)
    sizes = [size + 1] * big + [size] * (k - big)  # big rooms where lay is highest
    nonlay = sorted(r for r in n_role if r not in lay_roles)
    lay = sorted(r for r in n_role if r in lay_roles)
    base = sum(n_role[r] // k for r in nonlay)
    need0 = [sizes[j] - base - lay_vec[j] for j in range(k)]  # extras each room must take
    if min(need0) < 0:
        return None
    # lay roles: each lay role is a contiguous run of a round-robin over the lay slots
    slots = [j for t in range(max(lay_vec, default=0)) for j in range(k) if lay_vec[j] > t]
    by_extras = sorted(nonlay, key=lambda r: (-(n_role[r] % k), -f_role[r] / n_role[r], r))
    by_share = sorted(nonlay, key=lambda r: (-f_role[r] / n_role[r], -(n_role[r] % k), r))
    has_fac = any(f_role.values())
    for attempt in range(16 if has_fac else 1):
        # variants: lay-role order, rotation of the lay slots, facilitator-led choices, noise
        lay_order = lay[::-1] if attempt & 1 else lay
        by_load = has_fac and not attempt & 2
        order = by_share if by_load else by_extras
        shift = (attempt >> 2) % max(1, len(slots))
        turn = slots[shift:] + slots[:shift]
        role_mat: dict[str, list[int]] = {}
        load = [0.0] * k  # expected facilitators per room, to steer the choices
        pos = 0
        for r in lay_order:
            row = [0] * k
            for j in turn[pos : pos + n_role[r]]:
                row[j] += 1
            pos += n_role[r]
            role_mat[r] = row
            share = f_role[r] / n_role[r]
            for j in range(k):
                load[j] += row[j] * share
        for r in nonlay:
            share = f_role[r] * (n_role[r] // k) / n_role[r]
            for j in range(k):
                load[j] += share
        need = need0[:]
        scale = 0.5 if attempt >= 8 else 1e-6  # at first only break exact ties
        jitter = [rng.random() * scale for _ in range(k)]
        for i, r in enumerate(order):
            q, extra = divmod(n_role[r], k)
            row = [q] * k
            if extra:
                picks = None
                if by_load:
                    trial = sorted(
                        range(k), key=lambda j: (need[j] <= 0, load[j] + jitter[j], -need[j], j)
                    )[:extra]
                    after = need[:]
                    for j in trial:
                        after[j] -= 1
                    rest = [n_role[x] % k for x in order[i + 1 :]]
                    if min(after) >= 0 and _gale_ryser(after, rest):
                        picks = trial
                if picks is None:
                    picks = sorted(range(k), key=lambda j: (-need[j], load[j] + jitter[j], j))[
                        :extra
                    ]
                if need[picks[-1]] <= 0:
                    return None  # the sizes cannot absorb this lay layout at all
                share = f_role[r] / n_role[r]
                for j in picks:
                    row[j] += 1
                    need[j] -= 1
                    load[j] += share
            role_mat[r] = row
        if any(need):
            return None
        mat = _fac_split(k, role_mat, f_role)
        if mat is not None:
            return mat
    return None


def _gale_ryser(need: list[int], extras: list[int]) -> bool:
    """Can roles with these extras (each to distinct rooms) meet these room needs?"""
    if sum(need) != sum(extras):
        return False
    acc = 0
    for t, v in enumerate(sorted(need, reverse=True), start=1):
        acc += v
        if acc > sum(min(e, t) for e in extras):
            return False
    return True


def _lone_rooms(mat: dict, k: int, lay_roles: frozenset[str]) -> int:
    pooled = [0] * k
    for (role, _), row in mat.items():
        if role in lay_roles:
            for j, v in enumerate(row):
                pooled[j] += v
    return sum(1 for v in pooled if v == 1)


def _pinned_matrix(k: int, people: list[Person], pinned: dict[int, list[Person]]) -> dict:
    """Fallback when no balanced matrix fits the pins: place pinned people, fill
    sizes as evenly as possible, then spread roles and facilitators greedily and
    improve with swaps.  Returns a matrix that contains every pin."""
    pinned_ids = {p.id for ps in pinned.values() for p in ps}
    free = [p for p in people if p.id not in pinned_ids]
    sizes = [len(pinned.get(j, ())) for j in range(k)]
    heap = [(s, j) for j, s in enumerate(sizes)]
    heapq.heapify(heap)
    target = sizes[:]
    for _ in free:
        s, j = heapq.heappop(heap)
        target[j] += 1
        heapq.heappush(heap, (s + 1, j))
    role_cnt: dict[str, list[int]] = defaultdict(lambda: [0] * k)
    fac_cnt = [0] * k
    where: dict[int, int] = {}
    members: list[list[Person]] = [[] for _ in range(k)]
    for j, ps in pinned.items():
        for p in ps:
            role_cnt[p.role][j] += 1
            fac_cnt[j] += p.facilitator
            members[j].append(p)
    by_role: dict[str, int] = defaultdict(int)
    for p in free:
        by_role[p.role] += 1
    free.sort(key=lambda p: (not p.facilitator, -by_role[p.role], p.role, p.id))
    fill = sizes[:]
    for p in free:
        rc = role_cnt[p.role]
        best = min(
            (j for j in range(k) if fill[j] < target[j]),
            key=lambda j: (fac_cnt[j] if p.facilitator else 0, rc[j], fill[j] - target[j], j),
        )
        fill[best] += 1
        rc[best] += 1
        fac_cnt[best] += p.facilitator
        where[p.id] = best
        members[best].append(p)
    # improve role / facilitator spread with swaps of free people (sizes unchanged)
    movable = free[:]
    rng = Random(len(people))
    for _ in range(4):
        improved = False
        for p in movable:
            a = where[p.id]
            best_gain, best_q = 0, None
            partners = movable if len(movable) <= 200 else rng.sample(movable, 200)
            for q in partners:
                b = where[q.id]
                if b == a or (q.role == p.role and q.facilitator == p.facilitator):
                    continue
                gain = 0
                if q.role != p.role:
                    rp, rq = role_cnt[p.role], role_cnt[q.role]
                    gain += (rp[a] - rp[b] - 1) + (rq[b] - rq[a] - 1)
                if q.facilitator != p.facilitator:
                    hi_room, lo_room = (a, b) if p.facilitator else (b, a)
                    gain += fac_cnt[hi_room] - fac_cnt[lo_room] - 1
                if gain > best_gain:
                    best_gain, best_q = gain, q
            if best_q is not None:
                q = best_q
                b = where[q.id]
                role_cnt[p.role][a] -= 1
                role_cnt[p.role][b] += 1
                role_cnt[q.role][b] -= 1
                role_cnt[q.role][a] += 1
                fac_cnt[a] += q.facilitator - p.facilitator
                fac_cnt[b] += p.facilitator - q.facilitator
                where[p.id], where[q.id] = b, a
                improved = True
        if not improved:
            break
    mat: dict = defaultdict(lambda: [0] * k)
    for j, ps in pinned.items():
        for p in ps:
            mat[(p.role, p.facilitator)][j] += 1
    for p in free:
        mat[(p.role, p.facilitator)][where[p.id]] += 1
    return dict(mat)


def _fit_pins(mat: dict, k: int, pinned: dict[int, list[Person]]) -> list[int] | None:
    """Relabel matrix columns so every pinned room's column holds its pinned
    people's classes.  Returns col_of_room (room -> column) or None."""
    ident = list(range(k))
    if not pinned:
        return ident
    need: dict[int, dict] = {}
    for j, ps in pinned.items():
        req: dict = defaultdict(int)
        for p in ps:
            req[(p.role, p.facilitator)] += 1
        need[j] = req

    def fits(j: int, col: int) -> bool:
        return all(mat.get(c, [0] * k)[col] >= v for c, v in need[j].items())

    owner: dict[int, int] = {}  # column -> pinned room

    def try_room(j: int, seen: set[int]) -> bool:
        cols = [j] + [c for c in range(k) if c != j]
        for col in cols:
            if col in seen or not fits(j, col):
                continue
            seen.add(col)
            if col not in owner or try_room(owner[col], seen):
                owner[col] = j
                return True
        return False

    for j in sorted(pinned):
        if not try_room(j, set()):
            return None
    col_of = [-1] * k
    for col, j in owner.items():
        col_of[j] = col
    spare = [c for c in range(k) if c not in owner]
    for j in range(k):
        if col_of[j] < 0:
            col_of[j] = spare.pop(0)
    return col_of


# -------------------------------------------------------------- people into rooms


class _Search:
    """People placed in rooms, with weighted 'who should not share a room' counts."""

    def __init__(self, n_rooms: int, edges: dict[int, dict[int, int]]):
        self.edges = edges  # person id -> {other id: weight}
        self.room_of: dict[int, int] = {}
        self.w: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.n_rooms = n_rooms

    def place(self, pid: int, room: int) -> None:
        self.room_of[pid] = room
        for other, wt in self.edges.get(pid, {}).items():
            self.w[other][room] += wt

    def cost_of(self, pid: int) -> int:
        return self.w[pid][self.room_of[pid]] if pid in self.w else 0

    def swap_delta(self, p: int, q: int) -> int:
        a, b = self.room_of[p], self.room_of[q]
        wp, wq = self.w[p], self.w[q]
        e = self.edges.get(p, {}).get(q, 0)
        return wp[b] + wq[a] - 2 * e - wp[a] - wq[b]

    def swap(self, p: int, q: int) -> None:
        a, b = self.room_of[p], self.room_of[q]
        for other, wt in self.edges.get(p, {}).items():
            self.w[other][a] -= wt
            self.w[other][b] += wt
        for other, wt in self.edges.get(q, {}).items():
            self.w[other][b] -= wt
            self.w[other][a] += wt
        self.room_of[p], self.room_of[q] = b, a

    def total(self) -> int:
        return sum(self.cost_of(p) for p in self.room_of) // 2


def _edges(people_ids: set[int], met: frozenset, apart: list[tuple[int, int]]) -> dict:
    edges: dict[int, dict[int, int]] = defaultdict(dict)
    for pair in met:
        if len(pair) != 2:
            continue
        a, b = sorted(pair)
        if a in people_ids and b in people_ids:
            edges[a][b] = edges[a].get(b, 0) + 1
            edges[b][a] = edges[b].get(a, 0) + 1
    for a, b in apart:
        edges[a][b] = edges[a].get(b, 0) + _APART_WEIGHT
        edges[b][a] = edges[b].get(a, 0) + _APART_WEIGHT
    return edges


def _place_group(
    cells: dict,  # (class, room) -> free capacity
    free: list[Person],
    search: _Search,
    rng: Random,
    quick: bool,
) -> None:
    """Deal unpinned people into the matrix cells, greedily avoiding partners."""
    by_class: dict[tuple[str, bool], list[int]] = defaultdict(list)
    for (c, room), cap in sorted(cells.items()):
        by_class[c].extend([room] * cap)
    order = free[:]
    rng.shuffle(order)
    if quick:
        used: dict = defaultdict(int)
        for p in order:
            c = (p.role, p.facilitator)
            search.place(p.id, by_class[c][used[c]])
            used[c] += 1
        return
    open_rooms: dict[tuple[str, bool], dict[int, int]] = {}
    for c, rooms in by_class.items():
        d: dict[int, int] = {}
        for r in rooms:
            d[r] = d.get(r, 0) + 1
        open_rooms[c] = d
    for p in order:
        c = (p.role, p.facilitator)
        d = open_rooms[c]
        wp = search.w.get(p.id)
        if wp:
            room = min(d, key=lambda r: (wp.get(r, 0), -d[r], r))
        else:
            room = max(d, key=lambda r: (d[r], -r))
        d[room] -= 1
        if not d[room]:
            del d[room]
        search.place(p.id, room)


class _Bands:
    """Per-room counts of every role and of facilitators, with the band each count
    must stay in: within one (floor..ceil of the even share) or, where pins already
    pushed a count outside that, no further out.  Pooled lay counts per room are
    frozen when lay buddy is on.  A swap that keeps every count in its band keeps
    every balance guarantee."""

    def __init__(self, plan: _Plan, search: _Search):
        self.room_of = search.room_of
        self.person = plan.by_id
        self.buddy = plan.policy.lay_buddy
        self.lay_roles = plan.policy.lay_roles
        self.group: dict[int, int] = {}
        self.count: dict = defaultdict(int)  # (role or None for facilitators, room) -> n
        self.band: dict = {}  # (group, role or None) -> (lo, hi)
        for gi, g in enumerate(plan.groups):
            k = len(g.rooms)
            totals: dict = defaultdict(int)
            for p in g.people:
                self.group[p.id] = gi
                room = search.room_of[p.id]
                self.count[(p.role, room)] += 1
                totals[p.role] += 1
                if p.facilitator:
                    self.count[(None, room)] += 1
                    totals[None] += 1
            for dim, t in totals.items():
                cur = [self.count[(dim, r)] for r in g.rooms]
                self.band[(gi, dim)] = (min(t // k, min(cur)), max(-(-t // k), max(cur)))

    def allows(self, p: int, q: int) -> bool:
        pp, pq = self.person[p], self.person[q]
        if self.group[p] != self.group[q]:
            return False
        if self.buddy and (pp.role in self.lay_roles) != (pq.role in self.lay_roles):
            return False
        a, b = self.room_of[p], self.room_of[q]
        g = self.group[p]
        if pp.role != pq.role:
            lo, hi = self.band[(g, pp.role)]
            if self.count[(pp.role, a)] - 1 < lo or self.count[(pp.role, b)] + 1 > hi:
                return False
            lo, hi = self.band[(g, pq.role)]
            if self.count[(pq.role, b)] - 1 < lo or self.count[(pq.role, a)] + 1 > hi:
                return False
        if pp.facilitator != pq.facilitator:
            src, dst = (a, b) if pp.facilitator else (b, a)
            lo, hi = self.band[(g, None)]
            if self.count[(None, src)] - 1 < lo or self.count[(None, dst)] + 1 > hi:
                return False
        return True

    def moved(self, p: int, q: int) -> None:
        """Record that p and q have just swapped rooms."""
        pp, pq = self.person[p], self.person[q]
        b, a = self.room_of[p], self.room_of[q]  # p is now in b, q in a
        for person, old, new in ((pp, a, b), (pq, b, a)):
            self.count[(person.role, old)] -= 1
            self.count[(person.role, new)] += 1
            if person.facilitator:
                self.count[(None, old)] -= 1
                self.count[(None, new)] += 1


def _improve(
    search: _Search,
    bands: _Bands,
    classes: dict,
    groupmates: dict,
    movable: list[int],
    rng: Random,
    budget: int,
) -> None:
    """Swap people between rooms while it lowers the weighted cost (repeats, and
    keep-apart pairs far more).  Candidates for a person are others of the same
    role and facilitator flag (always safe) and others from the same group when
    the swap keeps every count in its band.  Take the best improving swap; when
    none improves, a sideways one (no change in cost) to walk along plateaus.
    Never accepts a worse state."""
    stale = 0
    while budget > 0 and stale < 3:
        order = [p for p in movable if search.cost_of(p) > 0]
        if not order:
            return
        rng.shuffle(order)
        improved = False
        for p in order:
            if budget <= 0:
                break
            if search.cost_of(p) == 0:
                continue
            mates = classes[p]
            sample = mates if len(mates) <= 32 else rng.sample(mates, 32)
            others = groupmates[p]
            if len(others) > len(mates):
                sample = sample + (others if len(others) <= 32 else rng.sample(others, 32))
            best, best_q, flat = 0, None, []
            rp = search.room_of[p]
            for q in sample:
                if search.room_of[q] == rp:
                    continue
                budget -= 1
                d = search.swap_delta(p, q)
                if d > 0 or (d == 0 and len(flat) > 8):
                    continue
                if not bands.allows(p, q):
                    continue
                if d < best:
                    best, best_q = d, q
                elif d == 0:
                    flat.append(q)
            q = best_q if best_q is not None else (flat[rng.randrange(len(flat))] if flat else None)
            if q is not None:
                search.swap(p, q)
                bands.moved(p, q)
                improved = improved or best_q is not None
        stale = 0 if improved else stale + 1


# -------------------------------------------------------------------- the pipeline


@dataclass
class _Plan:
    people: list[Person]
    by_id: dict[int, Person]
    groups: list[_Group]
    room_flag: list[bool | None]  # group flag per global room
    pin_of: dict[int, int]
    apart: list[tuple[int, int]]
    problems: list[str]
    policy: Policy
    n_rooms: int


def _prepare(request: AllocationRequest) -> _Plan:
    people = _validate(request)
    by_id = {p.id: p for p in people}
    problems: list[str] = []
    groups = _layout(request, people, problems)
    n_rooms = groups[-1].rooms[-1] + 1 if groups[-1].rooms else 0
    room_group: dict[int, int] = {}
    room_flag: list[bool | None] = [None] * n_rooms
    for gi, g in enumerate(groups):
        for r in g.rooms:
            room_group[r] = gi
            room_flag[r] = g.flag

    pin_of: dict[int, int] = {}
    for pid, room in request.pins:
        if not _is_int(room) or not 0 <= room < n_rooms:
            there = (
                "is only 1 room (room 0)"
                if n_rooms == 1
                else f"are only {n_rooms} rooms (0 to {n_rooms - 1})"
            )
            raise AllocationError(f"Person {pid} is pinned to room {room}, but there {there}.")
    for pid, room in request.pins:
        if pid not in by_id:
            problems.append(
                f"A pin names person {pid}, who is not in this list of people; it was ignored."
            )
        elif pid in pin_of and pin_of[pid] != room:
            problems.append(
                f"Person {pid} is pinned to room {pin_of[pid]} and also to room {room}; "
                f"they were placed in room {pin_of[pid]}."
            )
        elif pid not in pin_of:
            pin_of[pid] = room

    # a person pinned to a room of the other group joins that group
    home = {}
    for gi, g in enumerate(groups):
        for p in g.people:
            home[p.id] = gi
    for pid in sorted(pin_of):
        target = room_group[pin_of[pid]]
        if home[pid] != target:
            p = by_id[pid]
            groups[home[pid]].people.remove(p)
            groups[target].people.append(p)
            groups[target].people.sort(key=lambda x: x.id)
            here = "in the meeting room" if p.in_room else "online"
            kind = "an online room" if groups[target].flag is False else "an in-room table"
            problems.append(
                f"Person {pid} is {here} but is pinned to room {pin_of[pid]}, {kind}, "
                f"so room {pin_of[pid]} mixes in-room and online people."
            )

    apart: list[tuple[int, int]] = []
    seen_pairs: set[tuple[int, int]] = set()
    for a, b in request.keep_apart:
        if a == b:
            problems.append(
                f"Person {a} is listed as kept apart from themselves; that was ignored."
            )
            continue
        missing = [x for x in (a, b) if x not in by_id]
        if missing:
            problems.append(
                f"A keep-apart pair names person {missing[0]}, who is not in this list of people; "
                "it was ignored."
            )
            continue
        key = (min(a, b), max(a, b))
        if key not in seen_pairs:
            seen_pairs.add(key)
            apart.append(key)
    return _Plan(people, by_id, groups, room_flag, pin_of, apart, problems, request.policy, n_rooms)


def _pooled_equitable(k: int, counts: dict, lay_roles: frozenset[str], rng: Random) -> dict:
    """The even layout with all lay roles treated as one role (so pooled lay counts
    differ by at most one), then split back into the individual lay roles."""
    pool = "\x00lay"
    merged: dict = defaultdict(int)
    for (role, f), v in counts.items():
        merged[(pool if role in lay_roles else role, f)] += v
    mat = _equitable_matrix(k, dict(merged), rng)
    out = {c: row for c, row in mat.items() if c[0] != pool}
    for f in (False, True):
        row = mat.get((pool, f))
        if row is None:
            continue
        slots = [j for t in range(max(row)) for j in range(k) if row[j] > t]
        pos = 0
        for c in sorted(c for c in counts if c[0] in lay_roles and c[1] == f):
            sub = [0] * k
            for j in slots[pos : pos + counts[c]]:
                sub[j] += 1
            pos += counts[c]
            out[c] = sub
    return out


def _candidates(k: int, counts: dict, policy: Policy, rng: Random):
    """Count matrices for one group, best first (see the lay buddy rule)."""
    eq = _equitable_matrix(k, counts, rng)
    lay_total = sum(v for (r, _), v in counts.items() if r in policy.lay_roles)
    lone_eq = _lone_rooms(eq, k, policy.lay_roles)
    if policy.lay_buddy and lay_total >= 2 and lone_eq:
        if lay_total >= 2 * k:  # two or more in every room: always possible
            yield _pooled_equitable(k, counts, policy.lay_roles, rng)
        for lone in range(lone_eq):
            vec = _lay_vector(lay_total, k, lone)
            if vec is None:
                continue
            mat = _buddy_matrix(k, counts, policy.lay_roles, vec, rng)
            if mat is not None:
                yield mat
    yield eq


def _group_cells(plan: _Plan, rng: Random) -> list[tuple[_Group, dict, list[Person]]]:
    """A count matrix per group, relabelled to fit the pins, as free cells."""
    pin_of = plan.pin_of
    group_cells: list[tuple[_Group, dict, list[Person]]] = []
    for g in plan.groups:
        k = len(g.rooms)
        counts: dict = defaultdict(int)
        for p in g.people:
            counts[(p.role, p.facilitator)] += 1
        local = {r: i for i, r in enumerate(g.rooms)}
        pinned: dict[int, list[Person]] = defaultdict(list)
        for p in g.people:
            if p.id in pin_of:
                pinned[local[pin_of[p.id]]].append(p)
        chosen = None
        for mat in _candidates(k, dict(counts), plan.policy, rng):
            col_of = _fit_pins(mat, k, pinned)
            if col_of is not None:
                chosen = (mat, col_of)
                break
        if chosen is None:
            mat = _pinned_matrix(k, g.people, pinned)
            chosen = (mat, list(range(k)))
        mat, col_of = chosen
        cells: dict = {}
        for j in range(k):
            for c, row in mat.items():
                v = row[col_of[j]]
                if v:
                    cells[(c, g.rooms[j])] = v
        for j, ps in pinned.items():
            for p in ps:
                cells[((p.role, p.facilitator), g.rooms[j])] -= 1
        free = [p for p in g.people if p.id not in pin_of]
        group_cells.append((g, cells, free))
    return group_cells


def _allocate(plan: _Plan, met: frozenset, seed: int) -> Allocation:
    rng = Random(seed)
    problems = list(plan.problems)
    pin_of = plan.pin_of
    edges = _edges(set(plan.by_id), met, plan.apart)
    careful = bool(edges)
    n = len(plan.people)

    # 1. people into the cells of a balanced count matrix, then swaps; for small
    #    meetings a few restarts, each with its own balanced matrix
    classes: dict[int, list[int]] = {}
    groupmates: dict[int, list[int]] = {}
    movable: list[int] = []
    for g in plan.groups:
        by_class: dict = defaultdict(list)
        everyone = [p.id for p in g.people if p.id not in pin_of]
        for p in g.people:
            if p.id not in pin_of:
                by_class[(p.role, p.facilitator)].append(p.id)
                classes[p.id] = by_class[(p.role, p.facilitator)]
                groupmates[p.id] = everyone
                movable.append(p.id)
    restarts = 1 if not careful else max(1, min(12, 600 // max(n, 1)))
    best_search = None
    for _ in range(restarts):
        sub = Random(rng.random())
        group_cells = _group_cells(plan, sub)
        search = _Search(plan.n_rooms, edges)
        for pid, room in sorted(pin_of.items()):
            search.place(pid, room)
        for _, cells, free in group_cells:
            _place_group(cells, free, search, sub, quick=not careful)
        if careful:
            bands = _Bands(plan, search)
            _improve(search, bands, classes, groupmates, movable, sub, budget=60 * n + 3000)
        if best_search is None or search.total() < best_search.total():
            best_search = search
        if best_search.total() == 0:
            break
    search = best_search
    if careful:
        _fix_apart_across_classes(plan, search)

    # 2. rooms, figures, problems
    members: list[list[int]] = [[] for _ in range(plan.n_rooms)]
    for pid, room in search.room_of.items():
        members[room].append(pid)
    rooms = []
    for r in range(plan.n_rooms):
        ms = tuple(sorted(members[r]))
        flag = plan.room_flag[r]
        if plan.policy.separate_in_room and flag is not None:
            if any(plan.by_id[m].in_room != flag for m in ms):
                flag = None
        elif not plan.policy.separate_in_room or flag is None:
            flags = {plan.by_id[m].in_room for m in ms}
            flag = flags.pop() if len(flags) == 1 else None
        rooms.append(Room(r, flag, ms))
    figures = _figures(rooms, plan, met)
    problems += _explain(rooms, plan, search)
    return Allocation(tuple(rooms), figures, tuple(problems))


def _fix_apart_across_classes(plan: _Plan, search: _Search) -> None:
    """Keep-apart outranks balance: if a same-class swap could not separate a pair,
    swap with anyone in the group (least damage to role balance first)."""
    group_of: dict[int, int] = {}
    for gi, g in enumerate(plan.groups):
        for p in g.people:
            group_of[p.id] = gi
    for a, b in plan.apart:
        if search.room_of[a] != search.room_of[b]:
            continue
        g = plan.groups[group_of[a]]
        if len(g.rooms) < 2:
            continue
        room = search.room_of[a]
        role_cnt: dict[tuple[str, int], int] = defaultdict(int)
        fac_cnt: dict[int, int] = defaultdict(int)
        for p in g.people:
            role_cnt[(p.role, search.room_of[p.id])] += 1
            fac_cnt[search.room_of[p.id]] += p.facilitator
        best = None
        for x in (a, b):
            if x in plan.pin_of:
                continue
            px = plan.by_id[x]
            for py in g.people:
                y = py.id
                if y in plan.pin_of or search.room_of[y] == room:
                    continue
                d = search.swap_delta(x, y)
                if d > -_APART_WEIGHT // 2:
                    continue
                other = search.room_of[y]
                damage = 0
                if px.role != py.role:
                    damage += 2 * (role_cnt[(px.role, other)] - role_cnt[(px.role, room)]) + 2
                    damage += 2 * (role_cnt[(py.role, room)] - role_cnt[(py.role, other)]) + 2
                if px.facilitator != py.facilitator:
                    hi_r, lo_r = (other, room) if px.facilitator else (room, other)
                    damage += 2 * (fac_cnt[hi_r] - fac_cnt[lo_r]) + 2
                key = (d // _APART_WEIGHT, damage, d, x, y)
                if best is None or key < best:
                    best = key
        if best is not None:
            search.swap(best[3], best[4])


# ------------------------------------------------------------ figures and problems


def _lay_count(ms, by_id, lay_roles) -> int:
    return sum(1 for m in ms if by_id[m].role in lay_roles)


def _figures(rooms: list[Room], plan: _Plan, met: frozenset) -> Figures:
    return _measure(rooms, plan.by_id, [g.rooms for g in plan.groups], met, plan.policy.lay_roles)


def _measure(rooms: list[Room], by_id: dict[int, Person], groups: list[list[int]], met: frozenset,
             lay_roles: frozenset[str]) -> Figures:
    """The quality figures of rooms (positions in `rooms`), role spread taken within each group."""
    all_roles = sorted({by_id[m].role for room in rooms for m in room.members})
    role_counts = []
    for room in rooms:
        d = dict.fromkeys(all_roles, 0)
        for m in room.members:
            d[by_id[m].role] += 1
        role_counts.append(d)
    worst = 0
    for g in groups:
        for role in all_roles:
            vals = [role_counts[r][role] for r in g]
            if vals:
                worst = max(worst, max(vals) - min(vals))
    repeated = 0
    for room in rooms:
        ms = room.members
        for i in range(len(ms)):
            for j in range(i + 1, len(ms)):
                if frozenset((ms[i], ms[j])) in met:
                    repeated += 1
    lone = sum(1 for room in rooms if _lay_count(room.members, by_id, lay_roles) == 1)
    return Figures(
        sizes=tuple(len(r.members) for r in rooms),
        role_counts=tuple(role_counts),
        worst_role_spread=worst,
        facilitators_per_room=tuple(sum(by_id[m].facilitator for m in r.members) for r in rooms),
        repeated_pairs=repeated,
        lone_lay_rooms=lone,
    )


def measure(rooms: tuple[Room, ...], people: dict[int, Person], met_before: frozenset[frozenset[int]],
            policy: Policy) -> Figures:
    """The figures for rooms as they stand now, e.g. after the facilitator moved people
    by hand. With `separate_in_room`, role spread is taken among rooms of one kind."""
    rooms = list(rooms)
    if policy.separate_in_room:
        kinds: dict[bool | None, list[int]] = {}
        for position, room in enumerate(rooms):
            kinds.setdefault(room.in_room, []).append(position)
        groups = list(kinds.values())
    else:
        groups = [list(range(len(rooms)))]
    return _measure(rooms, people, groups, met_before, policy.lay_roles)


def _explain(rooms: list[Room], plan: _Plan, search: _Search) -> list[str]:
    by_id = plan.by_id
    policy = plan.policy
    out: list[str] = []
    # keep-apart pairs that still share a room
    for a, b in plan.apart:
        if search.room_of[a] != search.room_of[b]:
            continue
        room = search.room_of[a]
        g = next(g for g in plan.groups if room in g.rooms)
        if a in plan.pin_of and b in plan.pin_of:
            why = f"are both pinned to room {room}"
        elif len(g.rooms) == 1:
            why = (
                f"there is only one room for these people (room {room}), so they share it"
                if len(plan.groups) == 1
                else f"all the {_GROUP_WORDS[g.flag]} are one room (room {room}), so they share it"
            )
        else:
            why = (
                "this could not be arranged alongside the pins and other keep-apart pairs; "
                f"both are in room {room}"
            )
        sep = " but " if why.startswith("are") else ", but "
        out.append(f"Person {a} and person {b} must be kept apart{sep}{why}.")

    for g in plan.groups:
        if not g.rooms:
            continue
        where = f" among the {_GROUP_WORDS[g.flag]}" if len(plan.groups) > 1 else ""
        cause = (
            " because of the pins and keep-apart pairs"
            if (any(pid in plan.pin_of for pid in (p.id for p in g.people)) or plan.apart)
            else ""
        )
        sizes = [len(rooms[r].members) for r in g.rooms]
        if max(sizes) - min(sizes) > 1:
            big = g.rooms[sizes.index(max(sizes))]
            small = g.rooms[sizes.index(min(sizes))]
            out.append(
                f"Room sizes{where} differ by more than one{cause}: room {big} has "
                f"{max(sizes)} people and room {small} has {min(sizes)}."
            )
        roles = sorted({p.role for p in g.people})
        for role in roles:
            if policy.lay_buddy and role in policy.lay_roles:
                continue  # lay buddy may trade this spread away on purpose
            vals = [sum(1 for m in rooms[r].members if by_id[m].role == role) for r in g.rooms]
            if max(vals) - min(vals) > 1:
                hi_r = g.rooms[vals.index(max(vals))]
                lo_r = g.rooms[vals.index(min(vals))]
                out.append(
                    f"The {role} role is unevenly spread{where}{cause}: room {hi_r} has "
                    f"{max(vals)} and room {lo_r} has {min(vals)}."
                )
        facs = [sum(by_id[m].facilitator for m in rooms[r].members) for r in g.rooms]
        if max(facs) - min(facs) > 1:
            out.append(
                f"Facilitators are unevenly spread{where}{cause}: between "
                f"{min(facs)} and {max(facs)} per room."
            )
        if policy.lay_buddy:
            lay_people = [p.id for p in g.people if p.role in policy.lay_roles]
            lone = []
            for r in g.rooms:
                lay_here = [m for m in rooms[r].members if by_id[m].role in policy.lay_roles]
                if len(lay_here) == 1:
                    lone.append((r, lay_here[0]))
            if len(lay_people) == 1 and lone:
                r, pid = lone[0]
                out.append(
                    f"Person {pid} is the only lay member{where}, so they are the only "
                    f"lay member in room {r}."
                )
            elif lone:
                if len(lone) <= 5:
                    which = (
                        " and ".join(
                            [", ".join(f"room {r} (person {pid})" for r, pid in lone[:-1])]
                            + [f"room {lone[-1][0]} (person {lone[-1][1]})"]
                        )
                        if len(lone) > 1
                        else f"room {lone[0][0]} (person {lone[0][1]})"
                    )
                    verb = "has" if len(lone) == 1 else "each have"
                    head = f"{which} {verb} only one lay member"
                else:
                    shown = ", ".join(str(r) for r, _ in lone[:5])
                    head = (
                        f"{len(lone)} rooms{where} have only one lay member "
                        f"(rooms {shown} and {len(lone) - 5} more)"
                    )
                out.append(
                    f"{head[0].upper()}{head[1:]}: with {len(lay_people)} lay members "
                    f"in {len(g.rooms)} rooms, pairing them all would have unbalanced "
                    "room sizes, the other roles, facilitators or the pins."
                )
    return out


# ------------------------------------------------------------------------ the API


def allocate(request: AllocationRequest) -> Allocation:
    """Allocate everyone in `request` to breakout rooms (see the module docstring)."""
    plan = _prepare(request)
    return _allocate(plan, request.met_before, request.seed)


def plan_rounds(request: AllocationRequest, rounds: int) -> tuple[Allocation, ...]:
    """Several rounds at once.  Each round adds its pairs to met_before for the next,
    so people keep meeting new faces.  Round 0 equals ``allocate(request)``."""
    if not _is_int(rounds) or rounds < 1:
        raise AllocationError("Plan at least one round.")
    plan = _prepare(request)
    met = set(request.met_before)
    out = []
    for i in range(rounds):
        alloc = _allocate(plan, frozenset(met), request.seed + i * 1_000_003)
        out.append(alloc)
        for room in alloc.rooms:
            ms = room.members
            for x in range(len(ms)):
                for y in range(x + 1, len(ms)):
                    met.add(frozenset((ms[x], ms[y])))
    return tuple(out)


def place_latecomer(
    rooms: tuple[Room, ...],
    people: dict[int, Person],
    newcomer: Person,
    met_before: frozenset[frozenset[int]],
    policy: Policy,
) -> int:
    """Index of the best room for someone who arrives after the rooms were made.

    Order of preference: the right group (an in-room table for someone in the room,
    an online room for someone online, when ``policy.separate_in_room``; mixed rooms
    if the group has none; any room if neither exists), then the smallest rooms,
    then -- for a lay member with lay buddy on -- a room with exactly one lay member
    (to pair them), then one with two or more, then one with none; then for a
    facilitator, the room with fewest facilitators; then fewest people of the
    newcomer's role; then fewest met-before pairs; then the lowest index.
    """
    if not rooms:
        raise AllocationError("There are no rooms to place the latecomer in.")
    candidates = list(rooms)
    if policy.separate_in_room:
        same = [r for r in rooms if r.in_room is newcomer.in_room]
        mixed = [r for r in rooms if r.in_room is None]
        candidates = same or mixed or list(rooms)
    is_lay = newcomer.role in policy.lay_roles

    def key(room: Room):
        ms = [m for m in room.members if m != newcomer.id]
        known = [people[m] for m in ms if m in people]
        lay_here = sum(1 for p in known if p.role in policy.lay_roles)
        buddy = 0
        if policy.lay_buddy and is_lay:
            buddy = 0 if lay_here == 1 else (1 if lay_here >= 2 else 2)
        facs = sum(1 for p in known if p.facilitator) if newcomer.facilitator else 0
        same_role = sum(1 for p in known if p.role == newcomer.role)
        met = sum(1 for m in ms if frozenset((m, newcomer.id)) in met_before)
        return (len(ms), buddy, facs, same_role, met, room.index)

    return min(candidates, key=key).index

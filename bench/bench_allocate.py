"""Benchmark the breakout-room allocator against a random allocation.

Run from the repository root:  python bench/bench_allocate.py

For 30, 100, 300 and 1,000 participants with a realistic role mix (about a
quarter lay members and carers, then clinicians, GPs, commissioners, managers and
academics; about one facilitator per six people; about a fifth in the meeting
room) and rooms of six, it compares allocate() with a random allocation of the
same people in the same invocation.  The random baseline is given the same help
the allocator has on structure (in-room and online people kept apart, the same
number of rooms per group, sizes within one) and only differs in how people are
chosen for each room: shuffled and dealt out.

The figures are the last lines printed.
"""

from __future__ import annotations

import itertools
import math
import statistics
import sys
import time
from pathlib import Path
from random import Random

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.breakouts.allocate import (  # noqa: E402
    AllocationRequest,
    Person,
    Policy,
    allocate,
    plan_rounds,
)

SIZES = (30, 100, 300, 1000)
ROOM_SIZE = 6
ROUNDS = 5
RANDOM_DRAWS = 20
ROLE_MIX = (  # (role, share of the people who are not facilitators)
    ("lay", 0.17),
    ("carer", 0.08),
    ("clinician", 0.25),
    ("gp", 0.15),
    ("commissioner", 0.12),
    ("manager", 0.13),
    ("academic", 0.10),
)
FACILITATOR_ROLES = ("clinician", "manager", "academic", "commissioner")
POLICY = Policy()


def roster(n: int, seed: int = 2024) -> tuple[Person, ...]:
    rng = Random(seed)
    roles = [r for r, _ in ROLE_MIX]
    weights = [w for _, w in ROLE_MIX]
    people = []
    for i in range(n):
        facilitator = i % 6 == 0  # about one in six
        role = rng.choice(FACILITATOR_ROLES) if facilitator else rng.choices(roles, weights)[0]
        people.append(
            Person(id=i + 1, role=role, in_room=rng.random() < 0.2, facilitator=facilitator)
        )
    return tuple(people)


def random_rooms(people: tuple[Person, ...], rng: Random) -> list[tuple[bool, list[Person]]]:
    """Shuffle and deal, per group, into ceil(n / ROOM_SIZE) rooms (what allocate uses)."""
    rooms = []
    for flag in (True, False):
        group = [p for p in people if p.in_room is flag]
        if not group:
            continue
        k = math.ceil(len(group) / ROOM_SIZE)
        rng.shuffle(group)
        for j in range(k):
            rooms.append((flag, group[j::k]))
    return rooms


def spread_and_lone(rooms: list[tuple[bool, list[Person]]]) -> tuple[int, int, int]:
    """Worst role spread (within each group), the same over non-lay roles only, and
    rooms with exactly one lay member."""
    roles = {p.role for _, ms in rooms for p in ms}
    worst = worst_nonlay = 0
    for flag in (True, False):
        group = [ms for f, ms in rooms if f is flag]
        if not group:
            continue
        for role in roles:
            counts = [sum(1 for p in ms if p.role == role) for ms in group]
            worst = max(worst, max(counts) - min(counts))
            if role not in POLICY.lay_roles:
                worst_nonlay = max(worst_nonlay, max(counts) - min(counts))
    lone = sum(1 for _, ms in rooms if sum(1 for p in ms if p.role in POLICY.lay_roles) == 1)
    return worst, worst_nonlay, lone


def repeats(rounds_of_rooms: list[list[list[int]]]) -> int:
    met: set[frozenset[int]] = set()
    total = 0
    for rooms in rounds_of_rooms:
        fresh = set()
        for ms in rooms:
            for a, b in itertools.combinations(ms, 2):
                pair = frozenset((a, b))
                total += pair in met
                fresh.add(pair)
        met |= fresh
    return total


def median_ms(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    rows = []
    for n in SIZES:
        people = roster(n)
        request = AllocationRequest(people=people, room_size=ROOM_SIZE, policy=POLICY, seed=7)
        runs = 9 if n <= 300 else 7
        rng = Random(99)

        alloc_ms = median_ms(lambda request=request: allocate(request), runs)
        random_ms = median_ms(lambda people=people, rng=rng: random_rooms(people, rng), runs)

        result = allocate(request)
        by_id = {p.id: p for p in people}
        a_spread, a_nonlay, a_lone = spread_and_lone(
            [(room.in_room, [by_id[m] for m in room.members]) for room in result.rooms]
        )
        assert a_spread == result.figures.worst_role_spread
        assert a_lone == result.figures.lone_lay_rooms

        planned = plan_rounds(request, ROUNDS)
        a_repeats = sum(a.figures.repeated_pairs for a in planned)

        # random baseline: mean over several independent draws
        draws = [random_rooms(people, Random(1000 * n + d)) for d in range(RANDOM_DRAWS)]
        assert all(len(d) == len(result.rooms) for d in draws), (
            "the baseline must use the same rooms"
        )
        figs = [spread_and_lone(d) for d in draws]
        r_spread = statistics.mean(f[0] for f in figs)
        r_nonlay = statistics.mean(f[1] for f in figs)
        r_lone = statistics.mean(f[2] for f in figs)
        r_repeats = statistics.mean(
            repeats(
                [
                    [[p.id for p in ms] for _, ms in random_rooms(people, rng_rounds)]
                    for _ in range(ROUNDS)
                ]
            )
            for rng_rounds in (Random(7000 * n + d) for d in range(RANDOM_DRAWS))
        )
        rows.append(
            (
                n,
                len(result.rooms),
                alloc_ms,
                random_ms,
                a_spread,
                r_spread,
                a_nonlay,
                r_nonlay,
                a_lone,
                r_lone,
                a_repeats,
                r_repeats,
            )
        )

    def ratio(a: float, b: float) -> str:
        return "-" if b == 0 else f"{a / b:.2f}"

    header = (
        f"{'people':>6} {'rooms':>5} | {'time ms':>7} {'random':>6} {'ratio':>6} | "
        f"{'role spread':>11} {'random':>6} | {'non-lay':>7} {'random':>6} | "
        f"{'lone lay':>8} {'random':>6} | {'repeats':>7} {'random':>6} {'ratio':>6}"
    )
    print()
    print(
        f"Breakout allocator vs random shuffle-and-deal: same people, same rooms (of {ROOM_SIZE}), "
        f"random = mean of {RANDOM_DRAWS} draws"
    )
    print(
        f"role spread = worst (max - min per room) within a group; non-lay = same over non-lay "
        f"roles; repeats = repeated pairs over {ROUNDS} rounds; ratio = allocator / random"
    )
    print(header)
    print("-" * len(header))
    for n, k, am, rm, asp, rsp, anl, rnl, al, rl, arp, rrp in rows:
        print(
            f"{n:>6} {k:>5} | {am:>7.1f} {rm:>6.2f} {ratio(am, rm):>6} | "
            f"{asp:>11} {rsp:>6.1f} | {anl:>7} {rnl:>6.1f} | "
            f"{al:>8} {rl:>6.1f} | {arp:>7} {rrp:>6.1f} {ratio(arp, rrp):>6}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

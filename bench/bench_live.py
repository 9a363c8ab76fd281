"""Benchmark live fan-out: Roundtable's live sockets against a minimal broadcast
server written with the `websockets` library, same clients, same rate.

Run from the repository root:

    .venv/bin/python bench/bench_live.py            # 2,000 clients, 10 msg/s for 10 s, then a flood
    .venv/bin/python bench/bench_live.py --quick    # 200 clients, 3 s (under a minute)
    .venv/bin/python bench/bench_live.py --workers 2   # two Roundtable processes, PostgreSQL + Redis

What it does, all on 127.0.0.1:

1. Starts Roundtable as production does (app.cli.serve: uvicorn with the live
   socket's settings). One worker uses SQLite and the in-process broker; two
   workers use a fresh PostgreSQL database and Redis, clients split between them.
2. A facilitator signs up and creates a meeting through the page forms; N people
   join through the real join flow (POST /j/{code}); their live sockets are opened
   from client processes (asyncio, many sockets each), and each waits for its
   snapshot. Server memory (VmRSS) is read before and after the sockets open.
3. Steady case: people post anonymous questions (POST /meetings/{id}/questions, as
   the page does with htmx), each by another of those who joined, at a fixed rate.
   Everyone sees each new question pushed live. Latency is measured per delivery
   from the question's *intended* send time (so a stalled server cannot hide its
   backlog); each delivery is matched to its question by number.
4. Flood case: several posters post questions as fast as the server accepts for
   a few seconds; deliveries per second and how many arrived.
5. Baseline: the same clients and schedule against a websockets broadcast server
   (websockets.broadcast of a payload of the same size), in a subprocess.

The figures, and the ratios Roundtable / baseline, are the last lines printed.
Every loop is bounded in count and time.

Arrivals, departures and votes are pushed in batches (a quarter second), and pages
that connect together share snapshot readings, so opening N sockets no longer costs
N pushes to N people. On a small machine the client processes, not the baseline
server, limit the baseline's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing as mp
import os
import re
import resource
import subprocess
import sys
import time
from array import array
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOOPBACK = "127.0.0.1"
QUESTION = re.compile(r"Bench question (\d+):")


def raise_nofile_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard if hard != resource.RLIM_INFINITY else 65536
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


# --- client processes: many sockets each -----------------------------------------------


@dataclass
class Target:
    url: str
    origin: str | None
    cookie: str | None
    meeting: int = 0  # which of the bench's meetings (0 .. meetings-1)
    meetings: int = 1


def classify(text: str) -> list[int]:
    """The numbers of the questions a pushed message brings (several when a page fell
    behind and its pushes went as one message); empty for anything else (the
    snapshot, "who is here", the ask form's privacy note)."""
    if 'id="meeting-status"' in text:  # a snapshot
        return []
    return sorted({int(n) for n in QUESTION.findall(text)})


def client_process(pipe, targets: list[Target], connect_deadline: float, hard_deadline: float) -> None:
    raise_nofile_limit()
    asyncio.run(_client_main(pipe, targets, connect_deadline, hard_deadline))


async def _client_main(pipe, targets: list[Target], connect_deadline: float, hard_deadline: float) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    commands: asyncio.Queue = asyncio.Queue()
    loop.add_reader(pipe.fileno(), lambda: commands.put_nowait(pipe.recv()))

    n = len(targets)
    times = [array("d") for _ in range(n)]  # receive time of each question
    numbers = [array("l") for _ in range(n)]  # and which question it was
    update_bytes = [0]
    other = {"messages": 0, "bytes": 0}
    close_codes: dict[str, int] = {}
    opened = [0]
    opened_ok = [False] * n
    failed = [0]
    last_message = [time.monotonic()]
    all_open = asyncio.Event()
    progress = asyncio.Event()
    gate = asyncio.Semaphore(64)  # sockets being opened at once

    async def run(i: int, target: Target) -> None:
        headers = {"Cookie": target.cookie} if target.cookie else {}
        try:
            async with gate:
                ws = await connect(target.url, origin=target.origin, additional_headers=headers,
                                   compression=None, max_size=None, open_timeout=60, ping_interval=None,
                                   max_queue=None)
                await asyncio.wait_for(ws.recv(), 60)  # the snapshot
        except Exception as exc:  # noqa: BLE001 - counted and reported
            failed[0] += 1
            reason = f"open failed: {type(exc).__name__}"
            close_codes[reason] = close_codes.get(reason, 0) + 1
            if opened[0] + failed[0] == n:
                all_open.set()
            return
        opened[0] += 1
        opened_ok[i] = True
        if opened[0] + failed[0] == n:
            all_open.set()
        t, k = times[i], numbers[i]
        try:
            async for text in ws:
                now = time.monotonic()
                last_message[0] = now
                found = classify(text)
                if not found:
                    other["messages"] += 1
                    other["bytes"] += len(text)
                else:
                    for number in found:
                        t.append(now)
                        k.append(number)
                    update_bytes[0] += len(text)  # over all deliveries: bytes per question
                    progress.set()
        except ConnectionClosed as exc:
            code = str(exc.rcvd.code) if exc.rcvd else "no close frame"
            close_codes[code] = close_codes.get(code, 0) + 1
        finally:
            progress.set()
            await ws.close()

    started = time.monotonic()
    tasks = [asyncio.create_task(run(i, target)) for i, target in enumerate(targets)]
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(all_open.wait(), max(1.0, connect_deadline - time.time()))
    took = time.monotonic() - started
    # Sockets not open by the deadline are given up, so every socket measured below
    # was open (and had its snapshot) before the first update was sent.
    for i, task in enumerate(tasks):
        if not opened_ok[i]:
            task.cancel()
    pipe.send(("ready", opened[0], n - opened[0], took))  # not open: failed or given up

    try:
        while time.time() < hard_deadline:
            try:
                command = await asyncio.wait_for(commands.get(), max(0.1, hard_deadline - time.time()))
            except asyncio.TimeoutError:
                break
            if command[0] == "quiet":  # wait until no message arrived for `still` seconds
                _, still, limit = command
                deadline = time.monotonic() + limit
                while time.monotonic() < deadline and time.monotonic() - last_message[0] < still:
                    await asyncio.sleep(0.05)
                pipe.send(("quiet", time.monotonic() - last_message[0] >= still, dict(other)))
            elif command[0] == "finish":  # wait until each socket has its updates (or closed)
                _, sent, limit = command
                # Update k goes to meeting k % meetings: each socket expects its meeting's share.
                expected = [len(range(tg.meeting, sent, tg.meetings)) for tg in targets]
                deadline = time.monotonic() + limit
                while time.monotonic() < deadline:
                    if all(len(t) >= e or task.done() or not ok
                           for t, e, task, ok in zip(times, expected, tasks, opened_ok)):
                        break
                    progress.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(progress.wait(), max(0.01, deadline - time.monotonic()))
                pipe.send(("results", [t.tobytes() for t, ok in zip(times, opened_ok) if ok],
                           [k.tobytes() for k, ok in zip(numbers, opened_ok) if ok],
                           update_bytes[0], dict(other), close_codes, opened[0], failed[0]))
                break
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        loop.remove_reader(pipe.fileno())


class Clients:
    """The client processes of one case."""

    def __init__(self, targets: list[Target], processes: int, connect_timeout: float, hard_timeout: float):
        ctx = mp.get_context("spawn")
        now = time.time()
        self.parts = []
        size = math.ceil(len(targets) / processes)
        for i in range(processes):
            chunk = targets[i * size:(i + 1) * size]
            if not chunk:
                continue
            ours, theirs = ctx.Pipe()
            proc = ctx.Process(target=client_process, args=(theirs, chunk, now + connect_timeout, now + hard_timeout),
                               daemon=True)
            proc.start()
            self.parts.append((proc, ours, len(chunk)))

    def _ask_all(self, command, timeout: float) -> list:
        for _, pipe, _ in self.parts:
            if command is not None:
                pipe.send(command)
        answers = []
        deadline = time.monotonic() + timeout
        for proc, pipe, _ in self.parts:
            if not pipe.poll(max(0.0, deadline - time.monotonic())):
                raise RuntimeError(f"a client process did not answer {command!r} within {timeout} s")
            answers.append(pipe.recv())
        return answers

    def wait_ready(self, timeout: float) -> tuple[int, int, float]:
        answers = self._ask_all(None, timeout)
        return sum(a[1] for a in answers), sum(a[2] for a in answers), max(a[3] for a in answers)

    def wait_quiet(self, still: float, limit: float) -> tuple[bool, int, int]:
        answers = self._ask_all(("quiet", still, limit), limit + 30)
        return all(a[1] for a in answers), sum(a[2]["messages"] for a in answers), sum(a[2]["bytes"] for a in answers)

    def finish(self, sent: int, limit: float) -> dict:
        answers = self._ask_all(("finish", sent, limit), limit + 60)
        times, numbers, codes = [], [], {}
        update_bytes = 0
        for a in answers:
            times += [array("d", t) for t in a[1]]
            numbers += [array("l", k) for k in a[2]]
            update_bytes += a[3]
            for k, v in a[5].items():
                codes[k] = codes.get(k, 0) + v
        return {"times": times, "numbers": numbers, "update_bytes": update_bytes, "close_codes": codes}

    def stop(self) -> None:
        for proc, pipe, _ in self.parts:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join(timeout=5)
            pipe.close()


# --- measuring -------------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


@dataclass
class Figures:
    name: str
    clients: int = 0
    connected: int = 0
    connect_seconds: float = 0.0
    setup_messages: int = 0
    setup_mb: float = 0.0
    rss_per_connection_kib: float = 0.0
    steady_sent: int = 0
    steady_expected: int = 0
    steady_delivered: int = 0
    steady_out_of_order: int = 0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    max_ms: float = float("nan")
    post_p50_ms: float = float("nan")
    flood_sent: int = 0
    flood_expected: int = 0
    flood_delivered: int = 0
    flood_seconds: float = 0.0
    server_cpu_steady: float = 0.0
    server_cpu_flood: float = 0.0
    close_codes: dict = field(default_factory=dict)
    failed_writes: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)

    @property
    def flood_rate(self) -> float:
        return self.flood_delivered / self.flood_seconds if self.flood_seconds else 0.0

    def lines(self) -> list[str]:
        return [
            f"{self.name}:",
            f"  sockets open {self.connected}/{self.clients} in {self.connect_seconds:.1f} s; "
            f"setup pushed {self.setup_messages:,} other messages ({self.setup_mb:,.1f} MB) to the clients; "
            f"server memory {self.rss_per_connection_kib:.1f} KiB per connection",
            f"  steady: {self.steady_sent} updates, delivered {self.steady_delivered:,}/{self.steady_expected:,}"
            f" ({self.steady_out_of_order:,} came after a later question);"
            f" latency from intended send p50 {self.p50_ms:.1f} ms,"
            f" p99 {self.p99_ms:.1f} ms, max {self.max_ms:.1f} ms; write p50 {self.post_p50_ms:.1f} ms;"
            f" server CPU {self.server_cpu_steady:.1f} s",
            f"  flood: {self.flood_sent} updates in {self.flood_seconds:.1f} s, delivered "
            f"{self.flood_delivered:,}/{self.flood_expected:,} = {self.flood_rate:,.0f} deliveries/s;"
            f" server CPU {self.server_cpu_flood:.1f} s",
            f"  sockets closed: {self.close_codes or 'none'}; failed writes: {self.failed_writes or 'none'}",
            *[f"  note: {n}" for n in self.notes],
        ]


def analyse(fig: Figures, results: dict, intended: list[float], flood_start: float, flood_sent: int,
            meetings: int = 1) -> None:
    """Each socket's deliveries, matched to the question they brought: latency from
    that question's intended send time; each question counted once per socket."""
    steady = len(intended)
    latencies = []
    delivered_steady = delivered_flood = out_of_order = 0
    last_flood = flood_start
    for t, numbers in zip(results["times"], results["numbers"]):
        seen: set[int] = set()
        highest = -1
        for at, k in zip(t, numbers):
            if k in seen or not 0 <= k < steady + flood_sent:
                continue
            seen.add(k)
            if k < highest and k < steady:
                out_of_order += 1  # (in the flood, several posters at once make this normal)
            highest = max(highest, k)
            if k < steady:
                latencies.append((at - intended[k]) * 1000)
                delivered_steady += 1
            else:
                delivered_flood += 1
                last_flood = max(last_flood, at)
    fig.steady_delivered = delivered_steady
    fig.steady_expected = round(steady * fig.connected / meetings)
    fig.steady_out_of_order = out_of_order
    fig.p50_ms, fig.p99_ms = percentile(latencies, 50), percentile(latencies, 99)
    fig.max_ms = max(latencies) if latencies else float("nan")
    fig.flood_sent = flood_sent
    fig.flood_expected = round(flood_sent * fig.connected / meetings)
    fig.flood_delivered = delivered_flood
    fig.flood_seconds = max(0.0, last_flood - flood_start)
    fig.close_codes = results["close_codes"]


async def run_schedule(send, count: int, rate: float) -> tuple[list[float], list[float]]:
    """Call send(k) for k in range(count) at the fixed rate, each at its intended time
    (sequentially: a slow send delays the next, which then counts from its own slot).
    Stops early if the sends fall far behind (three times the planned duration + 30 s)."""
    start = time.monotonic() + 0.2
    give_up = start + 3 * count / rate + 30
    intended, took = [], []
    for k in range(count):
        if time.monotonic() > give_up:
            break
        slot = start + k / rate
        delay = slot - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        intended.append(slot)
        began = time.monotonic()
        await send(k)
        took.append((time.monotonic() - began) * 1000)
    return intended, took


async def run_flood(send, seconds: float, posters: int, limit: int) -> tuple[float, int]:
    """Posters send back to back until the time is up (or `limit` sends in all)."""
    start = time.monotonic()
    deadline = start + seconds
    sent = [0]

    async def poster(p: int) -> None:
        while time.monotonic() < deadline and sent[0] < limit:
            k = sent[0]
            sent[0] += 1
            await send(k)

    await asyncio.gather(*(poster(p) for p in range(posters)))
    return start, sent[0]


# --- Roundtable ---------------------------------------------------------------------------------


def prepare_database(args) -> tuple[dict, str | None]:
    """The worker's settings, with a fresh migrated database (outside any event loop)."""
    from tests.live.realserver import REDIS_SERVER, fresh_postgres_database, redis_reachable

    if args.workers == 2:
        problem = redis_reachable(REDIS_SERVER)
        if problem:
            raise SystemExit(problem)
        database = f"roundtable_bench_{os.getpid()}"
        db_url = _quiet(fresh_postgres_database, database)
        return {"DATABASE_URL": db_url, "REDIS_URL": f"{REDIS_SERVER}/{args.redis_db}"}, database
    from app.cli import migrate

    db_dir = Path(f"/tmp/roundtable-bench-{os.getpid()}")
    db_dir.mkdir(exist_ok=True)
    db_url = f"sqlite+aiosqlite:///{db_dir}/roundtable.db"
    _quiet(migrate, db_url)
    return {"DATABASE_URL": db_url}, None


async def roundtable_case(args, env: dict) -> tuple[Figures, int]:
    import httpx

    from tests.live.realserver import WebBrowser, Worker

    label = ("Roundtable, 2 workers (PostgreSQL + Redis)" if args.workers == 2
             else "Roundtable, 1 worker (SQLite, in-process broker)")
    fig = Figures(label, clients=args.clients)
    from app.config import Settings
    from app.live.hub import BATCH_STRETCH

    # The tests' helper shortens the batch interval; the bench measures production's.
    env = {**env, "LIVE_BATCH_SECONDS": str(Settings.model_fields["live_batch_seconds"].default)}
    workers = [Worker(env, f"bench-{i}") for i in range(args.workers)]
    clients = None
    try:
        for w in workers:
            w.start()
        a = workers[0]
        fac = WebBrowser()
        await fac.sign_up(a)
        community_id = await fac.create_community(a)
        meeting_ids, codes = [], []
        for m in range(args.meetings):
            meeting_ids.append(await fac.create_meeting(a, community_id, agenda="Welcome\nQuestions"))
            codes.append(await fac.join_code(a, meeting_ids[-1]))
            await fac.post(a, f"/meetings/{meeting_ids[-1]}/start")

        # N people join through the real join form. They share one CSRF cookie (a
        # token is bound to that cookie, not to a person) to halve the requests.
        await fac.get(a, "/")
        joiner = httpx.AsyncClient(timeout=60.0)
        first = await joiner.get(f"{a.base}/j/{codes[0]}")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', first.text).group(1)
        csrf_cookie = first.cookies.get("rt_csrf") or joiner.cookies.get("rt_csrf")
        cookies: list[str] = [""] * args.clients  # person n is in meeting n % meetings
        gate = asyncio.Semaphore(16)

        async def join(n: int) -> None:
            worker = workers[n % len(workers)]
            meeting_id = meeting_ids[n % args.meetings]
            async with gate:
                response = await joiner.post(
                    f"{worker.base}/j/{codes[n % args.meetings]}",
                    data={"csrf_token": token, "display_name": f"Person {n}", "role": "lay", "in_room": "false"},
                    headers={"Cookie": f"rt_csrf={csrf_cookie}"},
                )
            assert response.status_code == 303, response.text[:300]
            value = response.cookies.get(f"rt_p{meeting_id}")
            cookies[n] = f"rt_csrf={csrf_cookie}; rt_p{meeting_id}={value}"

        started = time.monotonic()
        for batch in range(0, args.clients, 200):  # bounded batches keep the gather small
            joiner.cookies.clear()
            await asyncio.gather(*(join(n) for n in range(batch, min(args.clients, batch + 200))))
        print(f"  {args.clients} joined in {time.monotonic() - started:.1f} s", flush=True)
        await joiner.aclose()

        rss_before = sum(w.rss_kib() for w in workers)
        targets = [Target(f"{workers[n % len(workers)].ws_base}/meetings/{meeting_ids[n % args.meetings]}/live",
                          workers[n % len(workers)].base, c, n % args.meetings, args.meetings)
                   for n, c in enumerate(cookies)]
        clients = Clients(targets, args.client_processes, args.connect_timeout, args.hard_timeout)
        fig.connected, failed, fig.connect_seconds = clients.wait_ready(args.connect_timeout + 60)
        print(f"  {fig.connected} sockets open ({failed} failed) in {fig.connect_seconds:.1f} s", flush=True)
        # Settled once no push came for longer than a crowded meeting's batches wait
        # for each other: a shorter quiet can fall between two "who is here" batches.
        settled = Settings.model_fields["live_batch_seconds"].default * BATCH_STRETCH + 1.0
        quiet, fig.setup_messages, setup_bytes = clients.wait_quiet(settled, args.settle_timeout)
        fig.setup_mb = setup_bytes / 1e6
        if not quiet:
            fig.notes.append(f"pushes were still arriving {args.settle_timeout:.0f} s after the sockets opened")
        if fig.connected < args.clients:
            fig.notes.append(f"only {fig.connected} of {args.clients} sockets opened within"
                             f" {args.connect_timeout:.0f} s"
                             f" ({failed} failed); the cases below ran with those")
        rss_after = sum(w.rss_kib() for w in workers)
        fig.rss_per_connection_kib = (rss_after - rss_before) / max(1, fig.connected)

        asker = httpx.AsyncClient(timeout=60.0)

        async def move(k: int) -> None:
            # Question k goes to meeting k % meetings, asked by the next of its people in turn.
            m = k % args.meetings
            n = m + args.meetings * ((k // args.meetings) % len(range(m, args.clients, args.meetings)))
            await roundtable_event(asker, workers[n % len(workers)], meeting_ids[m], token, cookies[n], k, fig)

        cpu0 = sum(cpu_seconds(w.pid) for w in workers)
        intended, took = await run_schedule(move, int(args.rate * args.duration), args.rate)
        fig.steady_sent = len(intended)
        fig.post_p50_ms = percentile(took, 50)
        clients.wait_quiet(0.5, 30)
        cpu1 = sum(cpu_seconds(w.pid) for w in workers)
        flood_start, flood_sent = await run_flood(
            lambda k: move(fig.steady_sent + k), args.flood_seconds, args.flood_posters, 100_000)
        results = clients.finish(fig.steady_sent + flood_sent, args.finish_timeout)
        cpu2 = sum(cpu_seconds(w.pid) for w in workers)
        fig.server_cpu_steady, fig.server_cpu_flood = cpu1 - cpu0, cpu2 - cpu1
        analyse(fig, results, intended, flood_start, flood_sent, args.meetings)
        update_messages = sum(len(t) for t in results["times"])
        payload = results["update_bytes"] // max(1, update_messages)
        await fac.close()
        await asker.aclose()
        return fig, payload
    finally:
        if clients is not None:
            clients.stop()
        for w in workers:
            w.stop()


async def roundtable_event(http, worker, meeting_id: int, token: str, cookie: str, k: int, fig: Figures) -> None:
    """The event under test: someone posts an anonymous question (as a page does, with
    htmx), which everyone sees. Each question is posted by another of the people who
    joined (a person may ask a few a minute)."""
    import httpx

    try:
        response = await http.post(
            f"{worker.base}/meetings/{meeting_id}/questions",
            data={"csrf_token": token, "body": f"Bench question {k}: how long is the wait for a first appointment?",
                  "attribution": "anonymous"},
            headers={"Cookie": cookie, "HX-Request": "true", "X-CSRF-Token": token},
        )
    except httpx.HTTPError as exc:
        fig.failed_writes[type(exc).__name__] = fig.failed_writes.get(type(exc).__name__, 0) + 1
        return
    if response.status_code != 200:
        fig.failed_writes[str(response.status_code)] = fig.failed_writes.get(str(response.status_code), 0) + 1


def _quiet(fn, *args):
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    return fn(*args)


# --- the baseline: a minimal websockets broadcast server -----------------------------------------


def baseline_server(port: int, payload_size: int) -> None:
    """Clients connect to /, get a snapshot, then every broadcast. The bench sends a
    question's number on /publish; the server broadcasts a message of the same size
    as Roundtable's to every client with websockets.broadcast."""
    raise_nofile_limit()
    from websockets.asyncio.server import broadcast, serve

    clients: set = set()

    def message(number: str) -> str:
        text = f'<div hx-swap-oob="beforeend:#open-questions"><li><p class="body">Bench question {number}: '
        return text + "x" * max(0, payload_size - len(text) - 11) + "</li></div>"

    async def handler(ws) -> None:
        if ws.request.path == "/publish":
            async for number in ws:
                broadcast(clients, message(number))
                await ws.send("ok")
            return
        await ws.send('<div id="meeting-status">snapshot</div><div id="questions">snapshot</div>')
        clients.add(ws)
        try:
            await ws.wait_closed()
        finally:
            clients.discard(ws)

    async def main() -> None:
        async with serve(handler, LOOPBACK, port, compression=None, max_size=4096, ping_interval=20):
            await asyncio.Future()

    asyncio.run(main())


async def baseline_case(args, payload_size: int) -> Figures:
    from websockets.asyncio.client import connect

    from tests.live.realserver import free_port

    fig = Figures("Baseline (websockets.broadcast, no app)", clients=args.clients)
    port = free_port()
    proc = subprocess.Popen([sys.executable, __file__, "--baseline-server", str(port), str(payload_size)], cwd=ROOT)
    clients = None
    try:
        deadline = time.monotonic() + 20
        control = None
        while control is None:  # bounded: the server answers or the deadline passes
            try:
                control = await connect(f"ws://{LOOPBACK}:{port}/publish", compression=None)
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the baseline server did not start")
                await asyncio.sleep(0.1)
        rss_before = rss_kib(proc.pid)
        targets = [Target(f"ws://{LOOPBACK}:{port}/", None, None) for _ in range(args.clients)]
        clients = Clients(targets, args.client_processes, args.connect_timeout, args.hard_timeout)
        fig.connected, _, fig.connect_seconds = clients.wait_ready(args.connect_timeout + 60)
        _, fig.setup_messages, setup_bytes = clients.wait_quiet(1.0, args.settle_timeout)
        fig.setup_mb = setup_bytes / 1e6
        fig.rss_per_connection_kib = (rss_kib(proc.pid) - rss_before) / max(1, fig.connected)

        async def publish(k: int) -> None:
            await control.send(str(k))
            await control.recv()

        cpu0 = cpu_seconds(proc.pid)
        intended, took = await run_schedule(publish, int(args.rate * args.duration), args.rate)
        fig.steady_sent = len(intended)
        fig.post_p50_ms = percentile(took, 50)
        clients.wait_quiet(0.5, 30)
        cpu1 = cpu_seconds(proc.pid)
        # One control connection: its sends are sequential, as are Roundtable's posters' per connection.
        flood_start, flood_sent = await run_flood(lambda k: publish(fig.steady_sent + k), args.flood_seconds, 1,
                                                  100_000)
        results = clients.finish(fig.steady_sent + flood_sent, args.finish_timeout)
        fig.server_cpu_steady, fig.server_cpu_flood = cpu1 - cpu0, cpu_seconds(proc.pid) - cpu1
        analyse(fig, results, intended, flood_start, flood_sent)
        await control.close()
        return fig
    finally:
        if clients is not None:
            clients.stop()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# --- main -------------------------------------------------------------------------------------------


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}" if b and not math.isnan(a) and not math.isnan(b) else "n/a"


def main(args) -> None:
    print(f"live bench: {args.clients} clients in {args.meetings} meeting(s), {args.rate:g} updates/s for "
          f"{args.duration:g} s, flood {args.flood_seconds:g} s; {args.workers} Roundtable worker(s); "
          f"{args.client_processes} client process(es); {os.cpu_count()} CPUs", flush=True)
    env, database = prepare_database(args)
    try:
        rt, payload = asyncio.run(roundtable_case(args, env))
    finally:
        if database:
            from tests.live.realserver import drop_postgres_database

            drop_postgres_database(database)
        else:
            import shutil

            shutil.rmtree(Path(env["DATABASE_URL"].split("///", 1)[1]).parent, ignore_errors=True)
    print("\n".join(rt.lines()), flush=True)
    if args.meetings > 1:  # the goal here is that every delivery arrives; there is no ratio to take
        print()
        print(f"== summary: {args.clients} clients in {args.meetings} meetings, {args.rate / args.meetings:g} "
              f"questions/s in each for {args.duration:g} s, update {payload} bytes")
        print(f"{rt.name}: p50 {rt.p50_ms:.1f} ms, p99 {rt.p99_ms:.1f} ms, max {rt.max_ms:.1f} ms, "
              f"delivered {rt.steady_delivered:,}/{rt.steady_expected:,}; {rt.rss_per_connection_kib:.1f} KiB/connection")
        return
    base = asyncio.run(baseline_case(args, payload))
    print("\n".join(base.lines()), flush=True)
    print()
    print(f"== summary: {args.clients} clients, {args.rate:g} updates/s for {args.duration:g} s, "
          f"update {payload} bytes; flood {args.flood_seconds:g} s")
    for fig in (rt, base):
        print(f"{fig.name}: steady p50 {fig.p50_ms:.1f} ms, p99 {fig.p99_ms:.1f} ms, max {fig.max_ms:.1f} ms, "
              f"delivered {fig.steady_delivered:,}/{fig.steady_expected:,}; flood {fig.flood_rate:,.0f} deliveries/s "
              f"({fig.flood_delivered:,}/{fig.flood_expected:,}); {fig.rss_per_connection_kib:.1f} KiB/connection")
    print(f"ratio p99 latency (Roundtable / baseline): {ratio(rt.p99_ms, base.p99_ms)}")
    print(f"ratio flood throughput (Roundtable / baseline): {ratio(rt.flood_rate, base.flood_rate)}")


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200 clients, 3 s: under a minute")
    parser.add_argument("--clients", type=int)
    parser.add_argument("--rate", type=float, default=10.0, help="updates per second in the steady case")
    parser.add_argument("--duration", type=float, help="seconds of the steady case")
    parser.add_argument("--flood-seconds", type=float)
    parser.add_argument("--flood-posters", type=int, default=4)
    parser.add_argument("--workers", type=int, choices=(1, 2), default=1)
    parser.add_argument("--meetings", type=int, default=1,
                        help="spread the clients over this many meetings; --rate is the total (no flood, no baseline)")
    parser.add_argument("--spread", action="store_true",
                        help="5,000 clients over 50 meetings, a question a second in each")
    parser.add_argument("--redis-db", type=int, default=15, help="Redis database number (--workers 2)")
    parser.add_argument("--client-processes", type=int)
    parser.add_argument("--connect-timeout", type=float,
                        help="seconds to open every socket (default 180, quick 30); the bench goes on with those open")
    parser.add_argument("--settle-timeout", type=float,
                        help="seconds for the pushes caused by arrivals to die down (default 60, quick 20)")
    parser.add_argument("--finish-timeout", type=float, default=30.0)
    parser.add_argument("--hard-timeout", type=float, default=1200.0)
    parser.add_argument("--baseline-server", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spread:
        args.clients, args.meetings = args.clients or 5000, 50 if args.meetings == 1 else args.meetings
        args.rate = float(args.meetings)
        args.client_processes = args.client_processes or 2
    if args.meetings > 1:
        args.flood_seconds = 0.0
    if args.quick:
        args.clients = args.clients or 200
        args.duration = args.duration or 3.0
        args.flood_seconds = 2.0 if args.flood_seconds is None else args.flood_seconds
        args.client_processes = args.client_processes or 1
        args.connect_timeout = args.connect_timeout or 30.0
        args.settle_timeout = args.settle_timeout or 20.0
    args.connect_timeout = args.connect_timeout or 180.0
    args.settle_timeout = args.settle_timeout or 60.0
    args.clients = args.clients or 2000
    args.duration = args.duration or 10.0
    args.flood_seconds = 3.0 if args.flood_seconds is None else args.flood_seconds
    args.client_processes = args.client_processes or 2
    if not 1 <= args.clients <= 20000 or not 1 <= args.meetings <= args.clients or args.rate <= 0 or args.duration > 600 or args.flood_seconds > 120:
        parser.error("out of bounds: 1-20,000 clients, 1 to that many meetings, positive rate, at most 600 s steady and 120 s flood")
    return args


if __name__ == "__main__":
    arguments = parse()
    if arguments.baseline_server:
        baseline_server(*arguments.baseline_server)
    else:
        raise_nofile_limit()
        main(arguments)

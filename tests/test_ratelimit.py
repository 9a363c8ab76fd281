"""With REDIS_URL set, rate limits are counted in Redis, so several workers count
together; when Redis does not answer, each worker still keeps the limit itself."""

import asyncio
import uuid

import pytest
import redis
from fastapi.testclient import TestClient

from app.errors import TooMany
from app.main import create_app
from app.web.ratelimit import RedisRateLimiter
from tests.conftest import _empty_all_tables
from tests.helpers import Browser, sign_up
from tests.live.realserver import REDIS_SERVER, free_port, redis_reachable, unavailable

pytestmark = pytest.mark.timeout(60)
REDIS_DB = f"{REDIS_SERVER}/13"


@pytest.fixture
def redis_url() -> str:
    problem = redis_reachable(REDIS_SERVER)
    if problem:
        unavailable(problem)
    return REDIS_DB


def test_two_workers_count_one_limit_together_and_its_keys_expire(redis_url):
    prefix = f"rt:test-{uuid.uuid4().hex}:"

    async def scenario():
        a, b = RedisRateLimiter(redis_url, prefix), RedisRateLimiter(redis_url, prefix)
        try:
            for worker in (a, b, a):
                await worker.check("login:fran", 3, 60, "wait {seconds} s")
            for worker in (a, b):
                with pytest.raises(TooMany) as refused:
                    await worker.check("login:fran", 3, 60, "wait {seconds} s")
                assert 1 <= refused.value.retry_after <= 60
            wait, hit = await a.take("login:sam", 3, 60)  # another key is its own
            assert wait is None and hit
            await b.give_back("login:sam", hit)  # uncounted, on whichever worker
            for _ in range(3):
                assert (await b.take("login:sam", 3, 60))[0] is None
        finally:
            await a.close()
            await b.close()

    asyncio.run(scenario())
    ttl = redis.Redis.from_url(redis_url).ttl(f"{prefix}login:fran")
    assert 0 < ttl <= 60  # forgotten by Redis after the window


def test_without_an_answer_from_redis_each_worker_still_keeps_the_limit():
    async def scenario():
        silent = RedisRateLimiter(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)  # nothing listens
        try:
            for _ in range(3):
                await silent.check("vote:1", 3, 60, "wait {seconds} s")
            with pytest.raises(TooMany):
                await silent.check("vote:1", 3, 60, "wait {seconds} s")
        finally:
            await silent.close()

    asyncio.run(scenario())


def test_wrong_passwords_on_two_workers_count_against_one_limit(settings, redis_url):
    """Ten wrong passwords in all, five on each worker, and the account waits on both."""
    shared = settings.model_copy(update={"redis_url": redis_url})
    prefix = f"rt:test-{uuid.uuid4().hex}:"
    try:
        two_workers_refuse_the_eleventh_try(shared, prefix)
    finally:
        asyncio.run(_empty_all_tables(settings.database_url))  # as the app fixture does


def two_workers_refuse_the_eleventh_try(shared, prefix: str) -> None:
    with TestClient(create_app(shared), base_url="http://testserver") as one, \
            TestClient(create_app(shared), base_url="http://testserver") as two:
        for client in (one, two):
            client.app.state.limiter.prefix = prefix  # this test's keys only
        first, second = Browser(one), Browser(two)
        sign_up(first, email="fran@example.org")
        for n in range(10):
            worker = (first, second)[n % 2]
            worker.get("/login")
            assert worker.post("/login", {"email": "fran@example.org", "password": f"guess {n}"}).status_code == 401
        for worker in (first, second):
            worker.get("/login")
            blocked = worker.post("/login", {"email": "fran@example.org", "password": "correct horse battery"})
            assert blocked.status_code == 429


def test_tries_sent_at_once_cannot_all_pass_a_limit(redis_url):
    """Twenty wrong passwords sent together against a limit of ten: ten are counted and
    tried, the rest wait (the check and the count are one step, in Redis too)."""
    from app.web.ratelimit import RateLimiter

    async def scenario(limiter):
        try:
            answers = await asyncio.gather(*(limiter.take("login:fran", 10, 900) for _ in range(20)))
        finally:
            await limiter.close()
        return sum(1 for wait, _ in answers if wait is None)

    assert asyncio.run(scenario(RateLimiter())) == 10
    assert asyncio.run(scenario(RedisRateLimiter(redis_url, f"rt:test-{uuid.uuid4().hex}:"))) == 10

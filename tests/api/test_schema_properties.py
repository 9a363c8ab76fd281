"""The OpenAPI schema, tested as a property (schemathesis): for requests generated from
the schema, valid and not, the API never answers 5xx and every answer matches what the
schema documents (status code, media type, body, headers).

The run uses a real write key of a community that has a live meeting with people in it,
questions, actions, an icebreaker, a breakout round, a custom prompt and a webhook with
deliveries. Ids in the path are mostly swapped for real ones, so most requests reach the
real code paths instead of stopping at 404.
"""

import asyncio

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings as hypothesis_settings
from schemathesis.core.parameters import ParameterLocation
from schemathesis.python import asgi as schemathesis_asgi

from app.config import Settings
from app.main import create_app
from tests.api.keys import bearer, create_api_key
from tests.conftest import _empty_all_tables
from tests.helpers import Browser, Scene

pytestmark = pytest.mark.timeout(120)

# Examples per operation: enough to find type and boundary mistakes, few enough that the
# whole schema runs in about a minute per database on two cores.
EXAMPLES = 15
SECRET = "test-secret-key-that-is-long-enough-0123456789"


# Cases are generated when the tests are collected, before any database (and key)
# exists: they carry this stand-in, which Target swaps for the database's real key.
KEY_STAND_IN = b"Bearer rtk_stand-in-for-the-databases-key"


class Target:
    """The app under test and its write key. The schema is loaded once, at import; each
    database gets its own app and key, which this forwards to."""

    app = None
    key = None

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            real = b"Bearer " + self.key.encode()
            headers = [(name, real if name == b"authorization" and value == KEY_STAND_IN else value)
                       for name, value in scope["headers"]]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


TARGET = Target()


def settings_for(database_url: str) -> Settings:
    # No rate limit in the way (this sends thousands of requests with one key), and no
    # background sender: generated webhook addresses must never be called.
    return Settings(environment="test", database_url=database_url, secret_key=SECRET, htmx_source="local",
                    redis_url=None, api_requests_per_minute=1_000_000, webhook_worker=False)


def set_the_scene(client: TestClient) -> dict:
    """A community in use, set up as organisers, members and an integration do; returns
    the write key and the real ids for each path parameter name."""
    scene = Scene(lambda: Browser(client))
    key = create_api_key(scene.facilitator, scene.community_id, "read write", "Schemathesis")

    def api(method: str, url: str, **kwargs):
        response = client.request(method, f"/api/v1{url}", headers=bearer(key), **kwargs)
        assert response.status_code < 300, (url, response.text)
        return response.json() if response.content else None

    c, m = scene.community_id, scene.meeting_id
    webhook = api("POST", f"/communities/{c}/webhooks",
                  json={"url": "https://example.org/hook", "events": ["meeting.started", "action.created"]})
    people = [scene.member(name, role, in_room) for name, role, in_room in
              (("Ana", "lay", False), ("Dev", "gp", True), ("Sam", "carer", True), ("Priya", "clinician", False),
               ("Lee", "manager", True))]
    api("POST", f"/meetings/{m}/start")
    for n, person in enumerate(people[:3]):
        assert person.post(f"/meetings/{m}/questions", {"body": f"Question {n}?"}, htmx=True).status_code == 200
    participants = [p["id"] for p in api("GET", f"/meetings/{m}/participants")["items"]]
    questions = [q["id"] for q in api("GET", f"/meetings/{m}/questions")["items"]]
    actions = [api("POST", f"/communities/{c}/actions", json={
        "title": f"Action {n}", "owners": [{"participant_id": participants[n]}, {"name": "Dr Priya Shah"}],
        "meeting_id": m, "due_date": "2027-06-03"})["id"] for n in range(3)]
    prompt = api("POST", f"/communities/{c}/icebreaker-prompts",
                 json={"category": "light", "mode": "one_word", "text": "One word for today"})["id"]
    run = api("POST", f"/meetings/{m}/icebreakers", json={"text": "How are you?", "mode": "one_word"})["id"]
    round_ = api("POST", f"/meetings/{m}/breakouts", json={"rooms": 2})
    deliveries = [d["id"] for d in api("GET", f"/communities/{c}/webhooks/{webhook['id']}/deliveries")["items"]]
    # What DELETE may take away, so the rest stays for the operations after it.
    spare_webhook = api("POST", f"/communities/{c}/webhooks",
                        json={"url": "https://example.org/spare", "events": ["meeting.ended"]})["id"]
    for name in ("Kit", "Jo"):
        scene.member(name, "other")
    spare_people = [p["id"] for p in api("GET", f"/meetings/{m}/participants")["items"] if p["id"] not in participants]
    assert participants and questions and deliveries
    return {
        "key": key,
        "ids": {
            "community_id": [c],
            "meeting_id": [m],
            "participant_id": participants,
            "question_id": questions,
            "action_id": actions,
            "prompt_id": [prompt, "light-smile"],
            "run_id": [run],
            "round_id": [round_["id"]],
            "room_id": [room["id"] for room in round_["rooms"]],
            "webhook_id": [webhook["id"]],
            "delivery_id": deliveries,
        },
        "spare": {"participant_id": spare_people, "webhook_id": [spare_webhook]},
    }


@pytest.fixture(scope="module")
def world(database_url):
    """One scene per database for every operation (setting it up per operation would cost
    more than the run). The scene is set through a TestClient, which then stops; the
    generated requests go to the same app through schemathesis, which runs its lifespan."""
    settings = settings_for(database_url)
    app = create_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        scene = set_the_scene(client)
    TARGET.app, TARGET.key = app, scene["key"]
    yield scene
    schemathesis_asgi.shutdown_lifespans()
    TARGET.app = TARGET.key = None
    asyncio.run(_empty_all_tables(database_url))


def use_real_ids(case, world: dict) -> None:
    """Swap generated path ids for real ones, mostly: the generated value picks one of the
    real ids, or (one time in n+1) stays as it is, for the 404 paths. A path that was
    generated invalid on purpose stays invalid. DELETE gets the spares."""
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
        return
    ids = {**world["ids"], **world["spare"]} if case.method.upper() == "DELETE" else world["ids"]
    for name, value in list(case.path_parameters.items()):
        real = ids.get(name)
        if not real:
            continue
        # Some phases send ids as text already ("7").
        number = int(value) if isinstance(value, int) or str(value).isdigit() else len(str(value))
        pick = number % (len(real) + 1)
        if pick < len(real):
            case.path_parameters[name] = real[pick]


def _load_schema():
    # Loaded at import, not from a fixture: schemathesis.pytest.from_fixture would fit the
    # per-database app better, but (schemathesis 4.32) it sets `Node._nodeid`, which
    # pytest 9.2 no longer has. The schema does not depend on the database anyway.
    spec = create_app(settings_for("sqlite+aiosqlite://")).openapi()
    loaded = schemathesis.openapi.from_dict(spec)
    loaded.app = TARGET
    return loaded


schema = _load_schema()


@schema.auth(refresh_interval=None, retry_on=[])
class WriteKey:
    """The write key on every request but those generated without one on purpose (which
    must get a 401)."""

    def get(self, case, ctx):
        return KEY_STAND_IN.decode()

    def set(self, case, value, ctx):
        case.headers["Authorization"] = value


@schema.parametrize()
@hypothesis_settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_the_api_keeps_to_its_schema(case, world):
    use_real_ids(case, world)
    # Every check but one. `positive_data_acceptance` wants a 2xx for any body the schema
    # allows, but the API has rules no JSON Schema here states, and answers them with a
    # documented 422 (or 412/428) that names the field: one of `rooms` or `room_size`,
    # an owner by id or by name, a title that is not only spaces, If-Match on a change, a
    # cursor this API gave out, a CSV roster with its header row.
    case.call_and_validate(excluded_checks=[schemathesis.checks.positive_data_acceptance])

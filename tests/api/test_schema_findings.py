"""What the schemathesis run (test_schema_properties.py) found, each pinned down as an
integration would meet it: a 4xx problem naming the fault, never a 500 or an answer the
schema does not document."""

import pytest
import schemathesis

pytestmark = pytest.mark.timeout(60)

PROBLEM = "application/problem+json"


def test_a_method_the_address_lacks_is_a_405_naming_every_method_it_has(scene, writer):
    # One route per method inside FastAPI: Allow used to name only the first one's.
    for url, allowed in [(f"/communities/{scene.community_id}/meetings", "GET, POST"),
                         ("/actions/1", "DELETE, GET, PATCH")]:
        response = writer.request("PUT", url)
        assert response.status_code == 405 and response.headers["content-type"] == PROBLEM
        assert response.headers["allow"] == allowed


def test_a_body_that_is_not_utf8_is_a_422_problem_like_any_body_that_is_not_json(scene, writer):
    response = writer.request("POST", f"/communities/{scene.community_id}/meetings", content=b'{"title": "\xff"}',
                              headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


@pytest.mark.parametrize("url, body, field", [
    ("/communities/{c}/webhooks", {"url": "https://example.org/hook", "events": [{}]}, "events"),
    ("/communities/{c}/icebreaker-prompts", {"category": "light", "mode": {}, "text": "Hello"}, "mode"),
    ("/communities/{c}/actions", {"title": "Call", "meeting_id": 2**63}, "meeting_id"),
    ("/communities/{c}/actions", {"title": "Call", "owners": [{"participant_id": 2**31}]}, "owners.0.participant_id"),
    ("/communities/{c}/actions", {"title": "Call", "status": None}, "status"),
    ("/communities/{c}/actions", {"title": "Call", "due_date": ""}, "due_date"),
    ("/communities/{c}/meetings", {"title": "Spring", "scheduled_at": 0}, "scheduled_at"),
])
def test_json_the_schema_does_not_allow_is_a_422_naming_the_field(scene, writer, url, body, field):
    response = writer.post(url.format(c=scene.community_id), json=body)
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_page_form_may_still_leave_the_due_date_empty(scene, client):
    # JSON says "no date" with null; a form's empty date box means the same.
    page = scene.facilitator.post(f"/communities/{scene.community_id}/actions",
                                  {"title": "Write to the commissioners", "owners": "", "due_date": "", "description": ""})
    assert page.status_code == 303, page.text


def test_a_status_asked_for_again_and_again_is_one_filter(scene, writer):
    response = writer.get(f"/communities/{scene.community_id}/actions", params=[("status", "done")] * 7)
    assert response.status_code == 200 and response.json()["items"] == []


def test_an_action_number_past_the_database_ids_is_a_404(writer):
    for method, url in [("GET", "/actions/4294967295"), ("GET", "/actions/4294967295/history"),
                        ("DELETE", "/actions/4294967295"), ("POST", "/actions/4294967295/notes")]:
        response = writer.request(method, url, json={"note": "Hi"} if method == "POST" else None,
                                  headers={"If-Match": '"1"'})
        assert response.status_code == 404, (method, url, response.text)


def test_jargon_terms_are_objects_with_their_counts(scene, writer):
    ana, dev = scene.member("Ana"), scene.member("Dev", "gp")
    ana.post(f"/meetings/{scene.meeting_id}/jargon", {"term": "PROMs"}, htmx=True)
    dev.post(f"/meetings/{scene.meeting_id}/jargon", {"term": "proms"}, htmx=True)
    jargon = writer.get(f"/meetings/{scene.meeting_id}/jargon").json()
    assert jargon == {"waiting": 2, "terms": [{"term": "proms", "count": 2}]}


def test_too_many_requests_is_documented_and_answered_as_documented(client, app, writer):
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            assert "Retry-After" in operation["responses"]["429"]["headers"], (method, path)
    app.state.settings.api_requests_per_minute = 2
    assert [writer.get("/communities").status_code for _ in range(2)] == [200, 200]
    refused = writer.get("/communities")
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
    schemathesis.openapi.from_dict(spec)["/api/v1/communities"]["GET"].validate_response(refused)


def test_a_participant_update_refuses_a_number_for_in_room(scene, writer):
    # Schemathesis (with the examples in the schema) sent {"role": "carer", "in_room": 0};
    # pydantic's lax mode read 0 as false and the API answered 200 to a body its own
    # schema calls invalid (in_room is a boolean).
    participant = writer.get(f"/meetings/{scene.meeting_id}/participants").json()["items"][0]
    for wrong in (0, 1, "true", "yes"):
        response = writer.request("PATCH", f"/meetings/{scene.meeting_id}/participants/{participant['id']}",
                                  json={"in_room": wrong}, headers={"If-Match": f'"{participant.get("version", 0)}"'})
        assert response.status_code == 422, (wrong, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["in_room"]


def _body_models(spec: dict):
    """Each JSON request body's model, found by the component name the schema gives it."""
    from pydantic import BaseModel

    def every(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from every(sub)

    models = {cls.__name__: cls for cls in every(BaseModel) if cls.__module__.startswith("app.")}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            ref = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            if "$ref" in ref:
                yield f"{method.upper()} {path}", models[ref["$ref"].rsplit("/", 1)[1]]


def test_no_request_body_takes_another_type_for_a_boolean_or_an_integer(client):
    """What a JSON Schema calls a boolean or an integer, the API takes only as that: not
    0 for false, not "3" for 3 (pages give their own forms' text to the same models
    through parse_form, which says so)."""
    import pydantic

    spec = client.get("/openapi.json").json()
    bodies = list(_body_models(spec))
    assert len(bodies) >= 12
    lax = []
    for name, model in bodies:
        properties = model.model_json_schema()["properties"]
        for field, schema in properties.items():
            types = {schema.get("type")} | {s.get("type") for s in schema.get("anyOf", [])}
            wrong = [0, 1, "true"] if "boolean" in types else ["3", 3.5, True] if "integer" in types else []
            for value in wrong:
                try:
                    model.model_validate({field: value})
                except pydantic.ValidationError as exc:
                    if any(e["loc"][:1] == (field,) for e in exc.errors()):
                        continue
                lax.append(f"{name} {model.__name__}.{field}={value!r}")
    assert not lax, lax

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

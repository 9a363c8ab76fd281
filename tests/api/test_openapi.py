"""The API documents itself: every operation has a summary, the bearer scheme and its errors."""

import pytest


@pytest.fixture
def spec(client) -> dict:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def api_operations(spec: dict):
    for path, operations in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                yield f"{method.upper()} {path}", operation


def test_every_api_operation_is_documented(spec):
    operations = dict(api_operations(spec))
    assert len(operations) >= 13
    schemes = spec["components"]["securitySchemes"]
    bearer_names = [name for name, s in schemes.items() if s["type"] == "http" and s["scheme"] == "bearer"]
    assert len(bearer_names) == 1
    for name, operation in operations.items():
        assert operation.get("summary"), name
        assert {bearer_names[0]: []} in operation.get("security", []), name
        for status in ("401", "404", "422"):
            response = operation["responses"].get(status)
            assert response and response.get("description"), (name, status)
            content = response.get("content", {})
            assert content.get("application/problem+json", {}).get("schema") == {
                "$ref": "#/components/schemas/Problem"}, (name, status)


def test_only_the_api_is_in_the_schema(spec):
    assert all(path.startswith("/api/v1/") for path in spec["paths"])


def test_the_docs_page_is_served(client):
    response = client.get("/docs")
    assert response.status_code == 200 and "swagger" in response.text.lower()


def _resolved(spec: dict, schema: dict, depth: int = 0) -> dict:
    """The schema with $refs and anyOf branches opened (two levels: a body model and its fields)."""
    if "$ref" in schema and depth < 3:
        return _resolved(spec, spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], depth + 1)
    if "anyOf" in schema:
        return {"anyOf": [_resolved(spec, s, depth + 1) for s in schema["anyOf"]]}
    return schema


def test_every_request_body_shows_an_example(spec):
    import json

    bare = []
    for name, operation in api_operations(spec):
        for media, content in operation.get("requestBody", {}).get("content", {}).items():
            shown = json.dumps(_resolved(spec, content.get("schema", {})))
            if '"example' not in shown and "example" not in content and "examples" not in content:
                bare.append(f"{name} ({media})")
    assert not bare, f"request bodies without an example: {bare}"

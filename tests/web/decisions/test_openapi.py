"""The OpenAPI document matches what the code does: real requests and answers are
checked against it by a small validator of the schema subset the document uses."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from notify.decisions.models import Decision
from tests.deposits import restoration, withdrawal

URL = "/api/v1/decisions"
TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def problems(schema, value, document, path="$"):
    """Every way ``value`` breaks ``schema`` ($ref, type, required, properties,
    additionalProperties, items, enum, pattern, format, min/max, oneOf)."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        return problems(document["components"]["schemas"][name], value, document, path)
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not problems(s, value, document, path)]
        return [] if len(matching) == 1 else [f"{path}: {len(matching)} oneOf branches match"]
    found = []
    if "type" in schema:
        allowed = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        ok = any(isinstance(value, TYPES[t]) and not (t != "boolean" and isinstance(value, bool))
                 if t in TYPES else
                 (t == "integer" and isinstance(value, int) and not isinstance(value, bool))
                 for t in allowed)
        if not ok:
            return [f"{path}: {value!r} is not {allowed}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in {schema['enum']}")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            found.append(f"{path}: {value!r} does not match {schema['pattern']}")
        if schema.get("format") == "date":
            date.fromisoformat(value)
        if schema.get("format") == "date-time":
            assert datetime.fromisoformat(value).tzinfo is not None, path
        if len(value) > schema.get("maxLength", len(value)) or \
                len(value) < schema.get("minLength", 0):
            found.append(f"{path}: length")
    if isinstance(value, int) and not isinstance(value, bool):
        if value < schema.get("minimum", value) or value > schema.get("maximum", value):
            found.append(f"{path}: {value} out of range")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                found.append(f"{path}: {name} is required")
        properties = schema.get("properties", {})
        for name, item in value.items():
            if name in properties:
                found += problems(properties[name], item, document, f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                found.append(f"{path}: {name} is not documented")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0) or len(value) > schema.get("maxItems",
                                                                              len(value)):
            found.append(f"{path}: number of items")
        for index, item in enumerate(value):
            found += problems(schema.get("items", {}), item, document, f"{path}[{index}]")
    return found


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_of(document, path, method, status=None):
    operation = document["paths"][path][method]
    if status is None:
        return operation["requestBody"]["content"]["application/json"]["schema"]
    return operation["responses"][str(status)]["content"]["application/json"]["schema"]


def test_document_lists_exactly_the_api_routes(app, document):
    assert document["openapi"].startswith("3.1")
    documented = {(("/api/v1" + path).replace("{reference}", "<reference>"), method.upper())
                  for path, methods in document["paths"].items() for method in methods}
    routed = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith("/api/v1/") and rule.endpoint.startswith("decisions_api")
              and rule.rule != "/api/v1/openapi.json"
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed


def test_real_requests_and_answers_match_the_document(client, auth, document, session, clock,
                                                      open_account):
    licence = open_account().holder.licence_number
    items = [withdrawal("O-1", licence), restoration("O-2", licence, points=1,
                                                     balance_after=11,
                                                     restoration_basis="L223-6-3"),
             withdrawal("O-3", licence, points="2")]
    request_schema = schema_of(document, "/decisions", "post")
    assert problems(request_schema, items[:2], document) == []
    # The validator is not vacuous: the third item breaks the documented types.
    assert problems(request_schema, items, document) == ["$[2]: 0 oneOf branches match"]
    assert problems({"$ref": "#/components/schemas/Withdrawal"}, items[2], document) == [
        "$.points: '2' is not ['integer']"]
    assert problems(schema_of(document, "/decisions", "post"),
                    [{**items[0], "kind": "x", "colour": 1}], document)

    deposited = client.post(URL, json=items, headers=auth)
    assert problems(schema_of(document, "/decisions", "post", 200), deposited.get_json(),
                    document) == []
    again = client.post(URL, json=items[:1], headers=auth)
    assert problems(schema_of(document, "/decisions", "post", 200), again.get_json(),
                    document) == []

    status = client.get(f"{URL}/O-1", headers=auth)
    get_200 = schema_of(document, "/decisions/{reference}", "get", 200)
    assert problems(get_200, status.get_json(), document) == []

    # A notified decision, as the holder's side will fill it in.
    decision = session.scalar(select(Decision).where(Decision.reference == "O-1"))
    decision.state = "notified"
    decision.made_available_at = clock.now()
    decision.first_consulted_at = decision.notified_at = clock.now() + timedelta(hours=2)
    decision.notified_on = decision.notified_at.date()
    decision.notification_basis = "consultation"
    decision.notification_policy = "fifteen_days_end_of_day/1"
    decision.appeal_deadline = date(2027, 1, 21)
    session.commit()
    notified = client.get(f"{URL}/O-1", headers=auth).get_json()
    assert notified["notification"]["basis"] == "consultation"
    assert notified["made_available_at"] == "2026-11-20T09:30:00.000000Z"
    assert problems(get_200, notified, document) == []

    for response, path, method in [
        (client.get(f"{URL}/NOPE", headers=auth), "/decisions/{reference}", "get"),
        (client.get(f"{URL}/O-1"), "/decisions/{reference}", "get"),
        (client.post(URL, data="[", content_type="application/json", headers=auth),
         "/decisions", "post"),
        (client.post(URL, json=[{}] * 10_001, headers=auth), "/decisions", "post"),
        (client.post(URL, data="x", content_type="text/plain", headers=auth),
         "/decisions", "post"),
        (client.post(URL, data="[" * 1100 + "]" * 1100, content_type="application/json",
                     headers=auth), "/decisions", "post"),
        (client.post(URL, content_type="application/json",
                     headers={**auth, "Transfer-Encoding": "chunked"},
                     environ_overrides={"wsgi.input": io.BytesIO(b" " * (16 * 2**20 + 1)),
                                        "wsgi.input_terminated": True}),
         "/decisions", "post"),
    ]:
        assert str(response.status_code) in document["paths"][path][method]["responses"]
        schema = schema_of(document, path, method, response.status_code)
        assert problems(schema, response.get_json(), document) == []


def test_dates_are_documented_with_their_window(document, client, auth, make_holder):
    """The document bounds every date by the window the code applies: from 1 July 1992
    to the latest legal date at the clock's now (2026-11-20 at 09:30Z)."""
    schemas = document["components"]["schemas"]
    patterns = {schemas["Withdrawal"]["properties"]["decided_on"]["pattern"],
                schemas["Restoration"]["properties"]["decided_on"]["pattern"],
                schemas["Offence"]["properties"]["date"]["pattern"]}
    [pattern] = patterns
    for day, inside in [("0001-01-01", False), ("1992-06-30", False), ("1992-07-01", True),
                        ("2026-11-20", True), ("2026-11-21", False)]:
        assert bool(re.search(pattern, day)) is inside, day
        item = withdrawal(f"W-{day}", make_holder().licence_number, decided_on=day,
                          offence={"date": day, "place": "Lyon", "description": "x",
                                   "class": "C3"})
        [result] = client.post(URL, json=[item], headers=auth).get_json()["results"]
        assert (result["outcome"] == "accepted") is inside, (day, result)

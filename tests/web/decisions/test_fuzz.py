"""Fuzzing the deposit API from its own OpenAPI document (schemathesis): no 5xx.

The real application through WSGI, with a valid bearer token. Licence numbers of the
holders register are swapped into the generated items, so that accepted decisions are
exercised as well as refused ones. The number of examples is bounded and they are
derived deterministically (``derandomize``, no example database): every run sends
the same requests.

Checked on every answer: no server error, a documented status code and content type,
and a body that matches the document. Not checked: that a request breaking the
document is refused as a whole (``negative_data_rejection``), since one bad item is
rejected in a 200 answer while the rest of the batch goes on, by design.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
EXAMPLES = {("POST", GenerationMode.POSITIVE): 30, ("POST", GenerationMode.NEGATIVE): 20,
            ("GET", GenerationMode.POSITIVE): 10, ("GET", GenerationMode.NEGATIVE): 10}


def test_fuzzing_the_api_finds_no_server_error(app, api_token, make_holder):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    licences = st.sampled_from([make_holder().licence_number for _ in range(12)])
    headers = {"Authorization": f"Bearer {api_token}"}
    seen: Counter = Counter()
    accepted: list[str] = []

    def fuzz(method: str, mode: GenerationMode, examples: int) -> None:
        path = "/decisions" if method == "POST" else "/decisions/{reference}"

        @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=schema[path][method].as_strategy(mode), data=st.data())
        def exercise(case, data):
            if isinstance(case.body, list):
                for item in case.body:
                    if isinstance(item, dict) and isinstance(item.get("licence_number"), str):
                        item["licence_number"] = data.draw(licences)
            if method == "GET" and mode is GenerationMode.POSITIVE and accepted:
                case.path_parameters["reference"] = data.draw(st.sampled_from(accepted))
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen[(method, response.status_code)] += 1
            if method == "POST" and response.status_code == 200:
                results = response.json()["results"]
                seen.update(result["outcome"] for result in results)
                accepted.extend(r["reference"] for r in results if r["outcome"] == "accepted")

        exercise()

    for (method, mode), examples in EXAMPLES.items():
        fuzz(method, mode, examples)

    # The run reached what it is for: accepted decisions, and refusals of each kind.
    assert seen["accepted"] > 0 and seen["rejected"] > 0, seen
    assert seen[("POST", 400)] > 0 and seen[("GET", 200)] > 0 and seen[("GET", 404)] > 0, seen
    assert not [key for key in seen if isinstance(key, tuple) and key[1] >= 500], seen

"""Fuzzing the registrations API from its own OpenAPI document (schemathesis): no 5xx.

As ``tests/web/decisions/test_fuzz.py``: the real application through WSGI, a bounded
and derandomized number of examples per operation, each answer checked (no server
error, a documented status and content type, a body matching the document). In the
positive examples, the numbers of real files and valid vehicle and applicant values
are swapped in, so that accepted filings and steps are exercised as well as refusals.
"""

from __future__ import annotations

from collections import Counter

import schemathesis
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from tests.web.decisions.test_fuzz import CHECKS
from tests.web.registrations.conftest import filing

OPERATIONS = [("/registrations", "POST"), ("/registrations/{number}", "GET"),
              ("/registrations/{number}/submit", "POST"),
              ("/registrations/{number}/payment", "POST"),
              ("/registrations/{number}/transitions", "POST"),
              ("/registrations/transitions", "POST"), ("/registrations/changes", "GET")]
EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 8}
VALID = {key: filing()[key] for key in ("vin", "plate", "mandate_signed_at", "centre")}
# A negative example may put the last segment of a literal sibling path in the place of a
# number: /registrations/changes is then the changes feed (OpenAPI: a literal path wins
# over a templated one), not a read of the file "changes", and answers as the feed.
SIBLING_SEGMENTS = {"changes", "transitions"}


def test_fuzzing_the_registrations_api_finds_no_server_error(app, client, tokens):
    schema = schemathesis.openapi.from_wsgi("/api/v1/registrations/openapi.json", app)
    numbers = [client.post("/api/v1/registrations", json=filing(n), headers=tokens.garage)
               .get_json()["file"]["number"] for n in range(1, 7)]
    seen: Counter = Counter()

    def fuzz(path: str, method: str, mode: GenerationMode, headers: dict) -> None:
        @settings(max_examples=EXAMPLES[mode], derandomize=True, database=None,
                  deadline=None,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=schema[path][method].as_strategy(mode), data=st.data())
        def exercise(case, data):
            assume((case.path_parameters or {}).get("number") not in SIBLING_SEGMENTS)
            if mode is GenerationMode.POSITIVE:
                if "number" in (case.path_parameters or {}):
                    case.path_parameters["number"] = data.draw(st.sampled_from(numbers))
                if path == "/registrations" and isinstance(case.body, dict):
                    case.body.update(VALID)
                    case.body["applicant"] = filing()["applicant"]
                if path == "/registrations/transitions" and isinstance(case.body, list):
                    for item in case.body:
                        if isinstance(item, dict):
                            item["number"] = data.draw(st.sampled_from(numbers))
            response = case.call_and_validate(headers=headers, checks=CHECKS)
            seen[(path, method, response.status_code)] += 1
            if path == "/registrations" and response.status_code == 201:
                numbers.append(response.json()["file"]["number"])
            if path == "/registrations/transitions" and response.status_code == 200:
                seen.update(r["outcome"] for r in response.json()["results"])

        exercise()

    for path, method in OPERATIONS:
        for mode in EXAMPLES:
            fuzz(path, method, mode, tokens.garage)
    for mode in EXAMPLES:
        fuzz("/registrations/transitions", "POST", mode, tokens.lyon)

    assert seen[("/registrations", "POST", 201)] > 0, seen
    assert seen[("/registrations", "POST", 400)] > 0, seen
    assert seen[("/registrations/{number}", "GET", 200)] > 0, seen
    assert seen["accepted"] > 0 and seen["rejected"] > 0, seen
    assert not [key for key in seen if isinstance(key, tuple) and key[2] >= 500], seen

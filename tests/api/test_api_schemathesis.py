"""Property-based tests of the whole REST API against its own OpenAPI schema (/api/schema/) with Schemathesis.

Every operation in the schema is called with generated data (valid data, then invalid data), signed in by
token as a dispatcher (who acts on the county's cases), with path ids mapped onto real cases, versions,
items and units most of the time, so the action endpoints run their services rather than answering 404.
Every response must be a non-5xx that conforms to the schema (status code, content type, headers, body).

Schemathesis' own pytest plugin does not run under pytest 9.2 (it reads Node._nodeid), so the strategies
are driven with Hypothesis' @given inside one test, which also builds the fixtures only once.
"""

import random

import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import case_in_state

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 5}


def test_every_operation_answers_without_server_errors_and_as_documented(org, duty, settings):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from rest_framework.authtoken.models import Token

    settings.ALLOWED_HOSTS = ["*"]
    # Throttling is tested on its own; here hundreds of requests must reach the views.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/min", "user": "100000/min", "open311": "100000/min"}}
    ids = {
        "cases": [case_in_state(org, duty, state).pk for state in
                  ("reported", "reported", "triaged", "assigned", "claimed", "resolved")],
        "versions": [duty.version.pk],
        "items": [duty.basic.pk, duty.assisting.pk, duty.negative.pk],
        "units": [org.township.pk, org.dept.pk, org.county.pk],
        "departments": [org.dept.pk, org.dept_b.pk],
    }
    def headers():
        # DELETE /api/v1/auth/token/ is one of the operations: it revokes the token, the next call gets another.
        return {"Authorization": f"Token {Token.objects.get_or_create(user=org.dispatcher)[0].key}"}
    rng = random.Random(6)  # noqa: S311 - test data
    from cases.models import CaseEvent

    events_before = CaseEvent.objects.count()

    # The requests run in this thread on the test's connection and transaction (as Django's test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())

        @schema.hook
        def map_path_parameters(context, path_parameters):
            path = context.operation.path
            if path_parameters and rng.random() < 0.85:
                if "id" in path_parameters:
                    kind = next((k for k in ids if path.startswith(f"/api/v1/{k}/")), "units")
                    path_parameters["id"] = rng.choice(ids[kind])
                if "code" in path_parameters:
                    path_parameters["code"] = "sfx-township"
            return path_parameters

        # Ids in request bodies refer to real objects most of the time, like the path ids: a schema can say
        # "an integer", not "the id of a department that exists" (an unknown one is a 400 field error).
        body_refs = {"list_item": ids["items"], "lead_department": ids["departments"],
                     "department": ids["departments"], "jurisdiction": [org.county.pk]}

        @schema.hook
        def map_body(context, body):
            if isinstance(body, dict):
                for name, choices in body_refs.items():
                    if isinstance(body.get(name), int) and not isinstance(body.get(name), bool):
                        body[name] = rng.choice(choices)
                if isinstance(body.get("assisting_departments"), list):
                    body["assisting_departments"] = [rng.choice(ids["departments"])][:len(body["assisting_departments"])]
            return body

        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 35
        called = 0
        failures = []
        for operation in operations:
            for mode, examples in EXAMPLES.items():
                @given(case=operation.as_strategy(mode, hooks=schema.hooks))
                @hypothesis_settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck))
                def check(case):
                    nonlocal called
                    called += 1
                    # Every check runs (server errors, status codes, content types, headers, bodies against the
                    # schema, and "invalid data must be rejected") except "valid data must be accepted": much
                    # schema-valid data is refused by the domain rules on purpose (a basic duty cannot be
                    # assigned, a wrong password, a list item not applying to the township), which a schema
                    # cannot express; a 400 with field errors is the documented answer.
                    case.call_and_validate(headers=headers(), excluded_checks=[positive_data_acceptance])

                try:
                    check()
                except FailureGroup as group:
                    failures.append(f"{operation.label} [{mode.name}]: " + "; ".join(
                        f"{type(e).__name__}: {str(e).splitlines()[0]}" for e in group.exceptions) + "\n" + str(group)[:1200])
                except Unsatisfiable:
                    # An operation with nothing to break (no parameters, an empty body) has no invalid data.
                    assert mode == GenerationMode.NEGATIVE, operation.label
        assert not failures, "\n".join(failures)
        assert called > len(operations) * 5
        # The generated requests did reach the services: some actions succeeded and were audited.
        assert CaseEvent.objects.count() > events_before
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

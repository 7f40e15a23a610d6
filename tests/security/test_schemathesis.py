"""Property-based tests of the whole REST API against its own OpenAPI schema (/api/schema/) with Schemathesis.

Every operation in the schema is called with generated data (valid data, then invalid data) as four personas —
an anonymous visitor, a township reporter, the county dispatcher and a department officer (token auth) — with
path ids mapped onto real cases, versions, items and units most of the time, so the action endpoints run their
services rather than answering 404. Every check runs: no server error, status codes, content types, headers and
bodies as documented, invalid data rejected and valid data accepted (2xx, or a documented 401/403/404/409).

Schemathesis' own pytest plugin does not run under pytest 9.2 (it reads Node._nodeid), so the strategies
are driven with Hypothesis' @given inside one test per persona, which also builds the fixtures only once.
Derandomized and a few examples per operation: the whole file runs in well under three minutes.
"""

import datetime
import random

import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode

from tests.api.conftest import case_in_state
from tests.cases.conftest import png_bytes
from tests.personas import PASSWORD

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}


@pytest.mark.parametrize("persona", ["anonymous", "reporter", "dispatcher", "officer"])
def test_every_operation_answers_as_documented_for_each_persona(persona, org, duty, settings):
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from cases.extensions import case_extension_request
    from cases.models import Case

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
    user = getattr(org, persona)
    claimed = Case.objects.get(pk=ids["cases"][4])
    extension = case_extension_request(case=claimed, actor=org.officer, reason="需协调执法局联合检查",
                                       requested_due_at=timezone.now() + datetime.timedelta(days=20))
    signer = user or org.reporter

    def headers():
        if user is None:
            return {}
        # DELETE /api/v1/auth/token/ is one of the operations: it revokes the token, the next call gets another.
        return {"Authorization": f"Token {Token.objects.get_or_create(user=user)[0].key}"}

    rng = random.Random(6)  # noqa: S311 - test data
    from cases.models import CaseEvent

    events_before = CaseEvent.objects.count()

    # The requests run in this thread on the test's connection and transaction (as Django's test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
        # A NUL anywhere in a request is refused (400) by config.middleware before any view; the schema says
        # so for every declared string, but undeclared extra fields may hold anything. (Tested in
        # tests/security/test_hostile_corpus.py.)
        schema.config.generation.update(allow_x00=False)

        @schema.hook
        def map_path_parameters(context, path_parameters):
            path = context.operation.path
            if path_parameters and rng.random() < 0.85:
                # Only a well-typed id is replaced: a negative case's wrong type (a float, a string) must reach the server.
                if isinstance(path_parameters.get("id"), int) and not isinstance(path_parameters["id"], bool):
                    kind = next((k for k in ids if path.startswith(f"/api/v1/{k}/")), "units")
                    path_parameters["id"] = rng.choice(ids[kind])
                if "code" in path_parameters:
                    path_parameters["code"] = "sfx-township"
            return path_parameters

        # Ids in request bodies refer to real objects most of the time, like the path ids: a schema can say
        # "an integer", not "the id of a department that exists" (an unknown one is a 400 field error).
        body_refs = {"list_item": ids["items"], "lead_department": ids["departments"],
                     "department": ids["departments"], "jurisdiction": [org.county.pk],
                     "township": [org.township.pk], "unit": [org.county.pk], "extension": [extension.pk]}

        @schema.hook
        def map_body(context, body):
            if isinstance(body, dict):
                for name, choices in body_refs.items():
                    if isinstance(body.get(name), int) and not isinstance(body.get(name), bool):
                        body[name] = rng.choice(choices)
                if isinstance(body.get("assisting_departments"), list):
                    body["assisting_departments"] = [rng.choice(ids["departments"])][:len(body["assisting_departments"])]
            return body

        def make_coherent(case):
            """Valid data the schema cannot describe (OpenAPI 3.0 has no rule between two fields, no "today",
            no "an item of this kind"): positive cases are made to respect it, negative ones are left alone.
            Each rule below is a 400 with a field error when broken, tested in the endpoint's own tests."""
            path, body = case.operation.path, case.body if isinstance(case.body, dict) else None
            if path == "/api/v1/auth/token/" and body is not None and case.method == "POST":
                body.update(username=signer.username, password=PASSWORD)  # wrong credentials are a 400
            if path.endswith("/extension-decision/"):
                case.path_parameters["id"] = claimed.pk  # the extension asked for on that case
                if body is not None and body.get("approve") is False and not str(body.get("note", "")).strip():
                    body["note"] = "理由不充分"  # a rejection gives a reason
            if body is not None and isinstance(body.get("townships"), list):
                body["townships"] = [org.township.pk][:len(body["townships"])]
            if body is not None and (body.get("latitude") is None) != (body.get("longitude") is None):
                body.pop("latitude", None), body.pop("longitude", None)  # coordinates come as a pair
            if body is not None and body.get("channel") == "resident" and not str(body.get("resident_name", "")).strip():
                body["resident_name"] = "王大妈"  # a resident's request names the resident
            if body is not None and "photos" in body:
                body["photos"] = [png_bytes()]  # a photo is checked by its content, which a schema cannot describe
            if body is not None and "list_item" in body:
                if path.endswith("/return/"):
                    body["list_item"] = duty.basic.pk  # only a basic duty is the township's own
                elif path.endswith(("/assign/", "/reassign/")):
                    body["list_item"] = rng.choice([duty.assisting.pk, duty.negative.pk])
            if body is not None and body.get("rating") == "unsatisfied" and not str(body.get("comment", "")).strip():
                body["comment"] = "摊位仍在销售过期食品"  # unsatisfied feedback says why
            if path == "/api/v1/admissions/" and body is not None:
                body["start_date"] = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
                if not body.get("permanent") and not body.get("duration_months"):
                    body["duration_months"] = 12
            if path == "/api/v1/routing/suggest/" and isinstance(case.query, dict) and case.query.get("township"):
                case.query["township"] = org.township.code
            if path.startswith("/api/v1/assessment/") and isinstance(case.query, dict) and "period" in case.query:
                case.query.update({"month": {"value": "2026-05"}, "quarter": {"value": "2026-Q2"},
                                   "year": {"value": "2026"},
                                   "custom": {"from": "2026-01-01", "to": "2026-03-31"}}[case.query["period"]])

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
                    if case.meta.generation.mode.is_positive:
                        make_coherent(case)
                    case.call_and_validate(headers=headers())

                try:
                    check()
                except FailureGroup as group:
                    failures.append(f"{operation.label} [{mode.name}]: " + "; ".join(
                        f"{type(e).__name__}: {str(e).splitlines()[0]}" for e in group.exceptions) + "\n" + str(group)[:1500])
                except Unsatisfiable:
                    # An operation with nothing to break (no parameters, an empty body) has no invalid data.
                    assert mode == GenerationMode.NEGATIVE, operation.label
        assert not failures, f"{len(failures)} failing operations\n" + "\n".join(failures)
        assert called > len(operations) * 4
        if persona == "dispatcher":
            # The generated requests did reach the services: some actions succeeded and were audited.
            assert CaseEvent.objects.count() > events_before
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)

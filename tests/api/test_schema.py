"""The API keeps to its own OpenAPI schema: schemathesis loads /api/v1/openapi.json from the
Django application and, for every operation, sends requests generated from the schema
(anonymously and with personal access tokens), checking that nothing fails with a server
error and that every answer has a status code, content type and body the schema declares;
and that requests the schema does not allow are refused with a 4xx."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import BOLTON, METRIC, bearer, token_for

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance,
               response_schema_conformance, ignored_auth]
REJECTION = [not_a_server_error, status_code_conformance, negative_data_rejection]
EXAMPLES = 20  # per operation and pass: enough to vary every filter, quick on both databases
# Parameters that name real objects, so that generated requests also reach the code that
# answers 200 (random names mostly find nothing).
KNOWN_PATH = {"slug": "greater-manchester", "key": METRIC, "code": BOLTON}
KNOWN_QUERY = {"/api/v1/values": {"metric": METRIC}, "/api/v1/areas": {"parent": "E12000002"},
               "/api/v1/metrics": {"outcome": "increase_treatment"}}


@pytest.fixture
def application():
    """Django's WSGI application, keeping the test's database connection and transaction
    across requests (as Django's test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _exercise(operation, headers, checks, **strategy):
    @given(case=operation.as_strategy(**strategy))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case):
        case.call_and_validate(headers=headers, checks=checks)

    run()


@pytest.mark.django_db
# Each caller sends the same requests to the same queries; only what they may read differs,
# decided by the same Python on either database: the PostgreSQL pass checks the schema as the
# caller who reads most (tests/api/test_api_access.py checks every caller's access there).
@pytest.mark.parametrize("who", [pytest.param("anonymous", marks=pytest.mark.one_database),
                                 pytest.param("member_a", marks=pytest.mark.one_database),
                                 "central_admin"])
def test_the_api_keeps_to_its_own_schema(world, outcomes, application, who):
    headers = {} if who == "anonymous" else {
        "Authorization": bearer(token_for(getattr(world, who)))["HTTP_AUTHORIZATION"]}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    operations = [result.ok() for result in schema.get_all_operations()]

    assert {op.method.upper() for op in operations} == {"GET"}
    assert len(operations) >= 8
    for operation in operations:
        _exercise(operation, headers, CONFORMANCE)
        names = {p.name for p in operation.path_parameters}
        if names:
            _exercise(operation, headers, CONFORMANCE,
                      path_parameters={name: KNOWN_PATH[name] for name in names})
        if operation.path in KNOWN_QUERY:
            _exercise(operation, headers, CONFORMANCE, query=KNOWN_QUERY[operation.path])
        _exercise(operation, headers, REJECTION, generation_mode=GenerationMode.NEGATIVE)

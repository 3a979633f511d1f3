"""schemathesis against /api/schema/ as every role, bounded, on PostgreSQL in CI (issue 9, "Fuzzing in CI").

The schema is the document /api/schema/ serves (the first test shows they are the same), and every
operation is called through the project's WSGI application, inside the test's transaction, once as each
role (API token of the users made by tests/conftest.py's `users_by_role`). Checks: no 5xx, every status
code answered is documented for its operation (read operations' 400/401/403/404 and the token endpoint's
429 are added by renewal/api/schema.py), and every response conforms to the schema documented for its
status code. SCHEMA_KNOWN_WRONG lists operations whose bodies are known not to match their schema (checked
for 5xx and status codes only); it is empty.
FUZZ_EXAMPLES sets the generated examples per operation (default 3; each is sent once per role).
The figures (requests, 5xx) are printed in pytest's summary.
"""

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from renewal.choices import Role
from tests.fuzz.conftest import FIGURES
from tests.services import need_postgresql

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
SCHEMA_KNOWN_WRONG: set[tuple[str, str]] = set()


def schema_document():
    """What /api/schema/ serves, built without a request (drf-spectacular's generator and JSON renderer)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


def api_schema():
    """The schema bound to the project's WSGI application. (schemathesis' lazy `from_fixture` loader, which
    could fetch /api/schema/ per test, does not run on pytest 9.)"""
    loaded = schemathesis.openapi.from_dict(schema_document())
    loaded.app = get_wsgi_application()
    return loaded


schema = api_schema()


@pytest.fixture
def role_tokens(users_by_role):
    return {role: Token.objects.get_or_create(user=user)[0].key for role, user in users_by_role.items()}


@pytest.fixture
def _requests_in_the_test_transaction():
    """Like Django's test client: the WSGI handler must not close "old" connections at the start and end
    of each request, or it would close the test's connection with its transaction."""
    need_postgresql()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.services
def test_the_fuzzed_schema_is_the_one_api_schema_serves(client, users_by_role):
    need_postgresql()
    token = Token.objects.create(user=users_by_role[Role.ADMINISTRATOR]).key
    response = client.get("/api/schema/", {"format": "json"}, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert json.loads(response.content) == schema_document()


@pytest.mark.services
@pytest.mark.usefixtures("_requests_in_the_test_transaction")
@schema.parametrize()
@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],  # no explicit phase: it would add schemathesis' long coverage phase
    suppress_health_check=list(HealthCheck),
)
def test_api_as_every_role(case, role_tokens):
    """Every generated request is sent once as each role."""
    checks = [not_a_server_error, status_code_conformance]
    if (case.method.upper(), case.operation.path) not in SCHEMA_KNOWN_WRONG:
        checks.append(response_schema_conformance)
    for role, token in role_tokens.items():
        response = case.call(headers={"Authorization": f"Token {token}"})
        FIGURES["requests"] += 1
        if response.status_code >= 500:
            FIGURES["5xx"] += 1
            FIGURES["failures"].append(f"{role} {case.method} {case.formatted_path} → {response.status_code}")
        case.validate_response(response, checks=checks)

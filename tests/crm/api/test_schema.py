import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    # given a clean warning counter
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"

    # when the schema is generated, validated and made to fail on any warning
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    # then it is OpenAPI 3 and lists every API route
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/auth/token/",
        "/api/v1/customers/",
        "/api/v1/customers/{id}/",
        "/api/v1/contacts/",
        "/api/v1/contacts/{id}/",
        "/api/v1/invoices/",
        "/api/v1/invoices/{id}/",
        "/api/v1/payments/",
        "/api/v1/payments/{id}/",
        "/api/v1/allocations/",
        "/api/v1/allocations/{id}/",
    } <= set(schema["paths"])


def test_schema_documents_money_as_decimal_strings_and_errors(tmp_path):
    # given the generated schema
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    # when the invoice components and the create operation are read
    invoice = schema["components"]["schemas"]["Invoice"]["properties"]
    request = schema["components"]["schemas"]["InvoiceRequest"]["properties"]
    responses = schema["paths"]["/api/v1/invoices/"]["post"]["responses"]

    # then amounts are read-only decimal strings, and errors use the one error body
    assert invoice["open_amount"]["type"] == "string"
    assert invoice["open_amount"]["format"] == "decimal"
    assert invoice["open_amount"]["readOnly"] is True
    assert "open_amount" not in request
    assert request["total"]["type"] == "string"
    for status in ("400", "403", "409"):
        schema_ref = responses[status]["content"]["application/json"]["schema"]["$ref"]
        assert schema_ref == "#/components/schemas/Error"


def test_schema_endpoint_and_swagger_ui_answer(client):
    # when the schema and the docs page are fetched anonymously
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    # then both answer
    assert schema.status_code == 200
    assert b"/api/v1/invoices/" in schema.content
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()

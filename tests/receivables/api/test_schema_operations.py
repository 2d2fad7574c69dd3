"""The receivables operations and reports are in the OpenAPI schema, documented."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS

pytestmark = pytest.mark.django_db

ERROR = "#/components/schemas/Error"


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker):
    with django_db_blocker.unblock():
        GENERATOR_STATS.reset()
        target = tmp_path_factory.mktemp("schema") / "schema.yaml"
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/invoices/{id}/void/", "post", {"200", "400", "403", "404", "409"}),
        ("/api/v1/allocations/{id}/unapply/", "post", {"200", "403", "404", "409"}),
        ("/api/v1/payments/{id}/apply/", "post", {"200", "400", "403", "404", "409"}),
        ("/api/v1/credit-notes/", "get", {"200", "400", "403", "404"}),
        ("/api/v1/credit-notes/", "post", {"201", "400", "403", "409"}),
        ("/api/v1/credit-notes/{id}/", "get", {"200", "403", "404"}),
        ("/api/v1/write-offs/", "get", {"200", "400", "403", "404"}),
        ("/api/v1/write-offs/", "post", {"201", "400", "403", "409"}),
        ("/api/v1/write-offs/{id}/", "get", {"200", "403", "404"}),
        ("/api/v1/disputes/", "get", {"200", "400", "403", "404"}),
        ("/api/v1/disputes/", "post", {"201", "400", "403", "409"}),
        ("/api/v1/disputes/{id}/", "get", {"200", "403", "404"}),
        ("/api/v1/disputes/{id}/resolve/", "post", {"200", "400", "403", "404", "409"}),
        ("/api/v1/promises/", "get", {"200", "400", "403", "404"}),
        ("/api/v1/promises/", "post", {"201", "400", "403"}),
        ("/api/v1/promises/{id}/", "get", {"200", "403", "404"}),
        ("/api/v1/promises/{id}/cancel/", "post", {"200", "403", "404", "409"}),
        ("/api/v1/aging/", "get", {"200", "400", "403", "404"}),
        ("/api/v1/customers/{customer_id}/statement/", "get", {"200", "403", "404"}),
    ],
)
def test_every_operation_is_documented_with_its_errors(schema, path, method, statuses):
    # when the operation is looked up
    operation = schema["paths"][path][method]

    # then it has a summary, its statuses, and every error is the one JSON error body
    assert operation["summary"]
    assert set(operation["responses"]) == statuses
    for status, response in operation["responses"].items():
        if status.startswith("4"):
            assert response["content"] == {"application/json": {"schema": {"$ref": ERROR}}}


def test_the_statement_is_a_pdf_and_the_aging_report_an_object(schema):
    # when the two reports are read
    statement = schema["paths"]["/api/v1/customers/{customer_id}/statement/"]["get"]
    aging = schema["paths"]["/api/v1/aging/"]["get"]

    # then the statement is binary PDF, and the aging report one object (not an array)
    pdf = statement["responses"]["200"]["content"]["application/pdf"]["schema"]
    assert pdf == {"type": "string", "format": "binary"}
    report = aging["responses"]["200"]["content"]["application/json"]["schema"]
    assert report == {"$ref": "#/components/schemas/AgingReport"}
    assert "text/csv" in aging["responses"]["200"]["content"]
    parameters = {parameter["name"] for parameter in aging["parameters"]}
    assert {"as_of", "group_by", "currency", "page", "page_size"} <= parameters


def test_new_money_fields_are_decimal_strings(schema):
    # given the new components
    components = schema["components"]["schemas"]

    # then every amount is a decimal string, never a number
    for name, field in [
        ("CreditNote", "amount"),
        ("CreditNoteRequest", "amount"),
        ("WriteOffRequest", "amount"),
        ("PromiseToPay", "amount_received"),
        ("PromiseToPayRequest", "amount"),
        ("PaymentApplication", "unapplied_amount"),
        ("AgingTotal", "total"),
    ]:
        assert components[name]["properties"][field]["type"] == "string", (name, field)
        assert components[name]["properties"][field]["format"] == "decimal", (name, field)
    bucket_amounts = components["AgingRow"]["properties"]["buckets"]["additionalProperties"]
    assert (bucket_amounts["type"], bucket_amounts["format"]) == ("string", "decimal")

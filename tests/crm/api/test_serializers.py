"""SharedFieldsSerializer: fields built once per class, the same JSON as DRF's own serializer."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers

from credit.api.checks import CreditCheckViewSet
from credit.models import CreditCheck
from crm.api.fields import MoneyField
from crm.api.serializers import SharedFieldsSerializer
from tests.factories.credit import CreditProfileFactory

pytestmark = pytest.mark.django_db


def _check() -> CreditCheck:
    profile = CreditProfileFactory()
    return CreditCheck.objects.create(
        customer=profile.customer, order_reference="SO-7", order_amount=Decimal("1250.50"),
        currency=profile.currency, result="fail", credit_limit=Decimal("1000.00"),
        exposure=Decimal("300.25"), available_credit=Decimal("699.75"),
        reasons=[{"code": "over_limit", "message": "The order is over the limit."}],
    )  # fmt: skip


def _plain(serializer_class: type, instance: object) -> dict:
    """What DRF's own Serializer renders from the same declared fields."""
    plain = type("Plain", (serializers.Serializer,), {})
    plain._declared_fields = serializer_class._declared_fields
    return dict(plain(instance).data)


def test_the_credit_check_answer_is_what_a_plain_serializer_renders():
    # given a stored check with a nested reason
    check = _check()
    output = CreditCheckViewSet.OutputSerializer

    # when it is rendered by the shared-fields serializer, twice
    first, second = output(check).data, output(check).data

    # then both equal DRF's plain rendering, nested reasons included
    assert dict(first) == _plain(output, check)
    assert first == second
    assert first["reasons"] == [{"code": "over_limit", "message": "The order is over the limit."}]
    assert first["order_amount"] == "1250.50"


def test_fields_are_built_once_per_class_and_many_uses_them_too():
    # given two checks
    checks = [_check(), _check()]
    output = CreditCheckViewSet.OutputSerializer

    # when rendered one by one and as a list
    one, other = output(checks[0]), output(checks[1])
    listed = output(checks, many=True).data

    # then every instance uses the same bound fields, and the list renders each
    assert one.fields is other.fields
    assert [row["id"] for row in listed] == [check.pk for check in checks]


class _Writable(SharedFieldsSerializer):
    amount = MoneyField()


class _Related(SharedFieldsSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)


class _Method(SharedFieldsSerializer):
    label = serializers.SerializerMethodField()

    def get_label(self, obj: object) -> str:
        return str(obj)


@pytest.mark.parametrize(
    ("serializer_class", "field"),
    [(_Writable, "amount"), (_Related, "customer"), (_Method, "label")],
)
def test_a_field_that_cannot_be_shared_is_refused_with_its_name(serializer_class, field):
    # when a serializer with a writable, relational or method field is used
    with pytest.raises(ImproperlyConfigured) as error:
        serializer_class(object()).data  # noqa: B018 - rendering builds the fields

    # then the error names the field and says what to use instead
    assert f"{serializer_class.__qualname__}.{field}" in str(error.value)
    assert "serializers.Serializer" in str(error.value)

"""SharedFieldsSerializer: fields built once per class, the same JSON and validation as DRF's own."""

from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

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


class _ContextValidated(SharedFieldsSerializer):
    reference = serializers.CharField(
        validators=[UniqueValidator(queryset=CreditCheck.objects.all())]
    )


class _ContextDefault(SharedFieldsSerializer):
    user = serializers.IntegerField(default=serializers.CurrentUserDefault())


class _Related(SharedFieldsSerializer):
    customer = serializers.PrimaryKeyRelatedField(read_only=True)


class _Method(SharedFieldsSerializer):
    label = serializers.SerializerMethodField()

    def get_label(self, obj: object) -> str:
        return str(obj)


@pytest.mark.parametrize(
    ("serializer_class", "field"),
    [
        (_ContextValidated, "reference"),
        (_ContextDefault, "user"),
        (_Related, "customer"),
        (_Method, "label"),
    ],
)
def test_a_field_that_cannot_be_shared_is_refused_with_its_name(serializer_class, field):
    # when a serializer with a field that needs the context (a validator, a default,
    # a relation, a method) is used
    with pytest.raises(ImproperlyConfigured) as error:
        serializer_class(object()).data  # noqa: B018 - rendering builds the fields

    # then the error names the field and says what to use instead
    assert f"{serializer_class.__qualname__}.{field}" in str(error.value)
    assert "serializers.Serializer" in str(error.value)


class _Order(SharedFieldsSerializer):
    amount = MoneyField()
    reference = serializers.CharField(max_length=8)

    def validate_reference(self, value: str) -> str:
        if value.startswith("X"):
            raise serializers.ValidationError("No X orders.")
        return value.upper()


def test_input_is_validated_per_instance_with_shared_fields():
    # when two requests are validated one after the other, a good one and a bad one
    good = _Order(data={"amount": "12.50", "reference": "so-1"})
    bad = _Order(data={"amount": 12.5, "reference": "X-123456789"})

    # then each has its own result and errors, the instance's validate_<field> ran
    assert good.is_valid(), good.errors
    assert good.validated_data == {"amount": Decimal("12.50"), "reference": "SO-1"}
    assert not bad.is_valid()
    assert set(bad.errors) == {"amount", "reference"}
    assert good.fields is bad.fields


def test_a_partial_update_is_refused():
    # when a shared-fields serializer is asked to validate a partial update
    serializer = _Order(data={"amount": "1.00"}, partial=True)

    # then it says why and what to use
    with pytest.raises(ImproperlyConfigured, match="partial update"):
        serializer.is_valid()

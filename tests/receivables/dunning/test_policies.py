import pytest

from crm.exceptions import ValidationFailed
from customers.models import Tier
from receivables.dunning.policies import dunning_levels_validate, dunning_policy_save
from receivables.models import DunningLevel, DunningPolicy

pytestmark = pytest.mark.django_db


def _level(offset, subject="Reminder {{ customer.name }}", body="{{ company_name }}"):
    return {"offset_days": offset, "subject_en": subject, "body_en": body}


def test_a_policy_is_saved_with_its_levels_in_order():
    # when
    policy = dunning_policy_save(name="Custom", levels=[_level(-2), _level(5), _level(15)])

    # then
    levels = list(policy.levels.order_by("position").values_list("position", "offset_days"))
    assert levels == [(1, -2), (2, 5), (3, 15)]


def test_offsets_must_increase_strictly_and_the_message_names_the_level():
    # given
    before = DunningLevel.objects.count()

    # when
    with pytest.raises(ValidationFailed) as error:
        dunning_policy_save(name="Bad", levels=[_level(7), _level(21), _level(21)])

    # then
    assert error.value.code == "dunning_offsets_not_increasing"
    assert "Level 3" in error.value.message
    assert not DunningPolicy.objects.filter(name="Bad").exists()
    assert DunningLevel.objects.count() == before


@pytest.mark.parametrize(
    ("offsets", "message"),
    [
        ([-3, 7, 3_000_000], "Level 3: an offset of +3000000 days is out of range"),
        ([-366, 7], "Level 1: an offset of -366 days is out of range"),
        ([3651], "Level 1: an offset of +3651 days is out of range"),
    ],
)
def test_an_offset_out_of_range_is_rejected_with_the_allowed_range(offsets, message):
    # given
    before = list(DunningLevel.objects.values_list("pk", "offset_days"))

    # when
    with pytest.raises(ValidationFailed) as error:
        dunning_policy_save(name="Typo", levels=[_level(offset) for offset in offsets])

    # then
    assert error.value.code == "dunning_offset_out_of_range"
    assert message in error.value.message
    assert "-365 to 3650 days" in error.value.message
    assert not DunningPolicy.objects.filter(name="Typo").exists()
    assert list(DunningLevel.objects.values_list("pk", "offset_days")) == before


def test_the_ends_of_the_offset_range_are_accepted():
    # when
    policy = dunning_policy_save(name="Wide", levels=[_level(-365), _level(3650)])

    # then
    assert list(policy.levels.values_list("offset_days", flat=True)) == [-365, 3650]


def test_a_template_naming_an_unknown_field_is_rejected_with_the_field_name():
    # when
    with pytest.raises(ValidationFailed) as error:
        dunning_policy_save(
            name="Typo",
            levels=[_level(7, body="{% for i in invoices %}{{ i.amount_due }}{% endfor %}")],
        )

    # then
    assert error.value.code == "dunning_template_unknown_field"
    assert "invoice.amount_due" in error.value.message
    assert "body_en" in error.value.message
    assert not DunningPolicy.objects.filter(name="Typo").exists()


def test_an_unknown_top_level_name_in_a_condition_is_rejected():
    # when
    with pytest.raises(ValidationFailed) as error:
        dunning_levels_validate([_level(7, subject="{% if cutomer %}x{% endif %}")])

    # then
    assert "'cutomer'" in error.value.message


def test_a_template_syntax_error_is_rejected():
    with pytest.raises(ValidationFailed) as error:
        dunning_levels_validate([_level(7, body="{% for i in invoices %}")])

    assert error.value.code == "dunning_template_syntax"


def test_a_second_default_for_the_same_tier_is_rejected():
    with pytest.raises(ValidationFailed) as error:
        dunning_policy_save(name="Another VIP", is_default_for_tier=Tier.VIP, levels=[_level(3)])

    assert error.value.code == "unique"
    assert not DunningPolicy.objects.filter(name="Another VIP").exists()


def test_default_policies_exist_per_tier_with_valid_bilingual_templates():
    # then
    for tier, offsets, hold_at in (
        (Tier.VIP, [7, 21, 45], None),
        (Tier.NORMAL, [-3, 7, 21, 45], 45),
        (Tier.HIGH_RISK, [-7, 1, 10, 30], 10),
    ):
        policy = DunningPolicy.objects.get(is_default_for_tier=tier)
        levels = list(policy.levels.order_by("position"))
        assert [level.offset_days for level in levels] == offsets
        holds = [level.offset_days for level in levels if level.place_credit_hold]
        assert (holds[0] if holds else None) == hold_at
        assert all(level.subject_zh and level.body_zh for level in levels)
        dunning_levels_validate(
            [
                {
                    field: getattr(level, field)
                    for field in ("offset_days", "subject_en", "body_en", "subject_zh", "body_zh")
                }
                for level in levels
            ]
        )


def test_clerks_view_and_finance_admins_change_policies():
    from django.contrib.auth.models import Group

    clerk = set(
        Group.objects.get(name="collections_clerk").permissions.values_list("codename", flat=True)
    )
    admin = set(
        Group.objects.get(name="finance_admin").permissions.values_list("codename", flat=True)
    )
    assert {"view_dunningpolicy", "view_dunningnotice"} <= clerk
    assert "change_dunningpolicy" not in clerk
    assert {"add_dunningpolicy", "change_dunninglevel"} <= admin

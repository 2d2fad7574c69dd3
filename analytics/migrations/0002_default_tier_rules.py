"""The default tier rules of DESIGN §8, written as non-overlapping boxes that cover every customer.

high-risk: grade D/E, or on hold, or any invoice more than 90 days past due;
VIP: otherwise, value percentile above 90 (top decile) and weighted days late at most 10;
normal: everything else.
"""

from decimal import Decimal

from django.db import migrations

GOOD_GRADES = ["A", "B", "C", ""]

RULES = [
    {"name": "High risk: grade D or E", "tier": "high_risk", "risk_grades": ["D", "E"]},
    {"name": "High risk: on credit hold", "tier": "high_risk", "on_hold": "on_hold"},
    {"name": "High risk: over 90 days past due", "tier": "high_risk", "days_past_due_above": 90},
    {
        "name": "VIP: top decile value, pays on time",
        "tier": "vip",
        "risk_grades": GOOD_GRADES,
        "on_hold": "not_on_hold",
        "days_past_due_at_most": 90,
        "value_percentile_above": Decimal("90"),
        "days_late_at_most": Decimal("10"),
    },
    {
        "name": "Normal: below the top decile",
        "tier": "normal",
        "risk_grades": GOOD_GRADES,
        "on_hold": "not_on_hold",
        "days_past_due_at_most": 90,
        "value_percentile_at_most": Decimal("90"),
    },
    {
        "name": "Normal: top decile but pays late",
        "tier": "normal",
        "risk_grades": GOOD_GRADES,
        "on_hold": "not_on_hold",
        "days_past_due_at_most": 90,
        "value_percentile_above": Decimal("90"),
        "days_late_above": Decimal("10"),
    },
]


def forwards(apps, schema_editor):
    tier_rule = apps.get_model("analytics", "TierRule")
    for position, rule in enumerate(RULES):
        tier_rule.objects.get_or_create(
            name=rule["name"], defaults={**rule, "position": position * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

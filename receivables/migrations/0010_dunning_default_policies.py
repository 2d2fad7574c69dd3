"""Default dunning policies, one per tier, in English and Simplified Chinese.

VIP: gentle, no hold. Normal: a reminder before due, hold at +45 days.
High risk: early reminder, early escalation, hold on the first serious delay (+10).
"""

from django.db import migrations

_LIST_EN = (
    "{% for i in invoices %}- {{ i.number }}, due {{ i.due_date|date:'Y-m-d' }}: "
    "{{ i.open_amount }} {{ i.currency }}\n{% endfor %}"
    "Total: {% for t in totals %}{{ t.amount }} {{ t.currency }} {% endfor %}\n\n"
    "{{ company_name }}"
)
_LIST_ZH = (
    "{% for i in invoices %}- {{ i.number }}，到期日 {{ i.due_date|date:'Y-m-d' }}："
    "{{ i.open_amount }} {{ i.currency }}\n{% endfor %}"
    "合计：{% for t in totals %}{{ t.amount }} {{ t.currency }} {% endfor %}\n\n"
    "{{ company_name }}"
)

_TEXTS = {
    "before": (
        "Upcoming payment reminder",
        "Dear {{ customer.name }},\n\nA friendly reminder that these invoices fall due soon:\n\n",
        "付款到期提醒",
        "尊敬的{{ customer.name }}：\n\n温馨提示，以下发票即将到期：\n\n",
    ),
    "first": (
        "Payment reminder: overdue invoices",
        "Dear {{ customer.name }},\n\nWe have not yet received payment for these "
        "invoices. If you have already paid, please ignore this message.\n\n",
        "付款提醒：发票已逾期",
        "尊敬的{{ customer.name }}：\n\n我们尚未收到以下发票的付款。如您已付款，请忽略本通知。\n\n",
    ),
    "second": (
        "Second reminder: payment overdue",
        "Dear {{ customer.name }},\n\nThese invoices are now overdue. Please arrange "
        "payment or contact us to agree a date.\n\n",
        "第二次提醒：付款已逾期",
        "尊敬的{{ customer.name }}：\n\n以下发票已逾期，请尽快安排付款或与我们联系约定付款日期。\n\n",
    ),
    "final": (
        "Final notice: overdue invoices",
        "Dear {{ customer.name }},\n\nDespite our reminders these invoices remain unpaid. "
        "Unless we receive payment, further deliveries on credit may be suspended.\n\n",
        "最后通知：发票逾期未付",
        "尊敬的{{ customer.name }}：\n\n尽管我们多次提醒，以下发票仍未付款。"
        "如未收到付款，后续赊销发货可能会暂停。\n\n",
    ),
}

# tier -> (policy name, description, [(offset, text, collector task, hold, agency)])
POLICIES = {
    "vip": (
        "VIP (gentle)",
        "Gentle cadence; a collector calls before any escalation.",
        [
            (7, "first", False, False, False),
            (21, "second", True, False, False),
            (45, "final", True, False, False),
        ],
    ),
    "normal": (
        "Standard",
        "Reminder before due, then +7, +21 and +45 days with a credit hold.",
        [
            (-3, "before", False, False, False),
            (7, "first", False, False, False),
            (21, "second", True, False, False),
            (45, "final", True, True, False),
        ],
    ),
    "high_risk": (
        "High risk",
        "Early reminder, early escalation, hold on the first serious delay.",
        [
            (-7, "before", False, False, False),
            (1, "first", True, False, False),
            (10, "second", True, True, False),
            (30, "final", True, True, True),
        ],
    ),
}


def forwards(apps, schema_editor):
    policy_model = apps.get_model("receivables", "DunningPolicy")
    level_model = apps.get_model("receivables", "DunningLevel")
    for tier, (name, description, levels) in POLICIES.items():
        if policy_model.objects.filter(is_default_for_tier=tier).exists():
            continue
        policy, _ = policy_model.objects.get_or_create(
            name=name, defaults={"description": description, "is_default_for_tier": tier}
        )
        for position, (offset, text, task, hold, agency) in enumerate(levels, start=1):
            subject_en, intro_en, subject_zh, intro_zh = _TEXTS[text]
            level_model.objects.get_or_create(
                policy=policy,
                position=position,
                defaults={
                    "offset_days": offset,
                    "channel": "email",
                    "subject_en": subject_en,
                    "body_en": intro_en + _LIST_EN,
                    "subject_zh": subject_zh,
                    "body_zh": intro_zh + _LIST_ZH,
                    "create_collector_task": task,
                    "place_credit_hold": hold,
                    "flag_for_agency": agency,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("receivables", "0009_dunning")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

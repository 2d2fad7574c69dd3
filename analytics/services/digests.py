"""One digest per sales rep per run listing their customers' tier changes (not one email each)."""

from __future__ import annotations

from collections import defaultdict

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.models import PipelineRun, TierChange
from customers.models import Tier
from notifications.services import notification_send

TIER_LABELS = dict(Tier.choices)


def tier_change_digests_send(*, run: PipelineRun) -> int:
    """Notify each sales rep once about the run's not-yet-notified changes; returns digests sent."""
    changes = list(
        TierChange.objects.filter(run=run, notified_at__isnull=True)
        .select_related("customer")
        .order_by("customer__sales_rep_id", "customer__code")
    )
    by_rep: dict[int, list[TierChange]] = defaultdict(list)
    for change in changes:
        if change.customer.sales_rep_id is not None:
            by_rep[change.customer.sales_rep_id].append(change)
    limit = settings.ANALYTICS_TIER_DIGEST_MAX_LINES
    for rep_id, rep_changes in by_rep.items():
        lines = [
            _("%(code)s %(name)s: %(old)s → %(new)s (%(rule)s)")
            % {
                "code": change.customer.code,
                "name": change.customer.name,
                "old": TIER_LABELS.get(change.old_tier, change.old_tier),
                "new": TIER_LABELS.get(change.new_tier, change.new_tier),
                "rule": change.rule_name,
            }
            for change in rep_changes[:limit]
        ]
        if len(rep_changes) > limit:
            lines.append(_("… and %(count)d more.") % {"count": len(rep_changes) - limit})
        notification_send(
            recipient_ids=[rep_id],
            kind="analytics_tier_changes",
            title=_("%(count)d of your customers changed tier") % {"count": len(rep_changes)},
            body="\n".join(lines),
            url="/admin/analytics/tierchange/",
        )
    TierChange.objects.filter(pk__in=[change.pk for change in changes]).update(
        notified_at=timezone.now()
    )
    return len(by_rep)

"""Who hears of a decided credit-limit request: the finance admins when it waits
for their second approval, else its requester and the customer's sales rep."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.translation import gettext as _

from credit.models import CreditLimitRequest, LimitRequestStatus
from crm import roles
from notifications.services import notification_send


def limit_request_decision_notify(request: CreditLimitRequest) -> None:
    """Notify after a decision, in the decision's transaction."""
    customer = request.customer
    url = reverse("credit_limits:customer-limits", args=[customer.pk])
    values = {
        "code": customer.code,
        "limit": f"{request.requested_limit} {request.currency}",
        "number": request.pk,
    }
    if request.status == LimitRequestStatus.AWAITING_SECOND_APPROVAL:
        finance_admins = get_user_model().objects.filter(
            groups__name=roles.FINANCE_ADMIN, is_active=True
        )
        notification_send(
            recipient_ids=[
                pk
                for pk in finance_admins.values_list("pk", flat=True)
                if pk not in (request.requested_by_id, request.first_decided_by_id)
            ],
            kind="credit_limit_request_second_approval",
            title=_("Limit request #%(number)s for %(code)s (%(limit)s) needs your approval")
            % values,
            body=request.reason,
            url=reverse("credit_limits:approvals"),
        )
        return
    if request.status == LimitRequestStatus.APPROVED:
        kind = "credit_limit_request_approved"
        title = _("Limit request #%(number)s approved: %(code)s now has %(limit)s") % values
    else:
        kind = "credit_limit_request_rejected"
        title = _("Limit request #%(number)s for %(code)s (%(limit)s) was rejected") % values
    notification_send(
        recipient_ids=[request.requested_by_id, customer.sales_rep_id],
        kind=kind,
        title=title,
        body=request.second_comment or request.first_comment,
        url=url,
    )

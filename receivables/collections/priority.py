"""The worklist queue: customers with an overdue balance, ranked by expected loss.

priority = overdue amount x probability of default (the customer's grade, or
CRM_WORKLIST_DEFAULT_PD when not graded) x the boost of the aging bucket of the
oldest overdue item x the broken-promise boost. Customers with a dunning
escalation after the last clerk activity (a bounced notice, a notice without a
billing address, a sent notice of a level that creates a collector task or
flags for an agency) come first. Everything is computed in SQL on the
maintained ``CustomerBalance`` rows (one per customer and currency), so the
first page reads no invoice but those of the customers shown.

Rows are per customer and currency: amounts in different currencies are
ranked side by side, never added up (there is no FX table to convert them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from customers.models import Customer
from customers.selectors import customer_visibility_q
from receivables.collections.config import WorklistConfig, worklist_config
from receivables.models import (
    MAX_AGING_BUCKETS,
    CollectionCase,
    CustomerBalance,
    DunningLevel,
    DunningNotice,
    DunningNoticeStatus,
    Invoice,
    PromiseStatus,
    PromiseToPay,
)

User = AbstractBaseUser | AnonymousUser
_FACTOR = DecimalField(max_digits=12, decimal_places=6)
_SCORE = DecimalField(max_digits=34, decimal_places=10)
_OVERDUE_BUCKETS = range(MAX_AGING_BUCKETS - 1, 0, -1)  # oldest first

ESCALATION_BOUNCED = "bounced"
ESCALATION_NO_ADDRESS = "no_address"
ESCALATION_COLLECTOR_TASK = "collector_task"
ESCALATION_AGENCY = "agency"


@dataclass(frozen=True)
class WorklistFilters:
    assigned_to_me: bool = False
    unassigned: bool = False
    tier: str = ""
    bucket: int | None = None  # the aging bucket of the oldest overdue item
    region: str = ""
    sales_rep_id: int | None = None
    follow_up_due: bool = False


@dataclass(frozen=True)
class Escalation:
    kind: str
    notice_id: int
    level_position: int
    run_date: date


@dataclass
class WorklistRow:
    """One line of the queue with every component of its priority."""

    balance: CustomerBalance
    probability_of_default: Decimal
    pd_is_default: bool
    oldest_bucket: int
    bucket_boost: Decimal
    broken_promises: int
    promise_boost: Decimal
    expected_loss: Decimal
    priority: Decimal
    days_past_due: int | None = None
    escalations: list[Escalation] = field(default_factory=list)

    @property
    def customer(self) -> Any:
        return self.balance.customer

    @property
    def case(self) -> Any:
        return getattr(self.balance.customer, "collection_case", None)


def _value(amount: Decimal) -> Value:
    return Value(amount, output_field=_FACTOR)


def _broken_promise_customers(*, today: date, config: WorklistConfig) -> QuerySet:
    since = today - timedelta(days=config.broken_promise_days)
    return PromiseToPay.objects.filter(status=PromiseStatus.BROKEN, closed_on__gte=since).values(
        "customer_id"
    )


def escalated_notices(*, today: date, config: WorklistConfig | None = None) -> QuerySet:
    """Notices that need a clerk and came after the customer's last clerk activity."""
    config = config or worklist_config()
    flagged_levels = DunningLevel.objects.filter(
        Q(create_collector_task=True) | Q(flag_for_agency=True)
    ).values("pk")
    needs_clerk = Q(status__in=[DunningNoticeStatus.BOUNCED, DunningNoticeStatus.NO_ADDRESS]) | Q(
        status=DunningNoticeStatus.SENT, level_id__in=flagged_levels
    )
    after_last_activity = Q(customer__collection_case__last_activity_at__isnull=True) | Q(
        updated_at__gt=F("customer__collection_case__last_activity_at")
    )
    return DunningNotice.objects.filter(
        needs_clerk,
        after_last_activity,
        run_date__gte=today - timedelta(days=config.escalation_days),
    )


def _oldest_bucket_q(index: int) -> Q:
    later = Q()
    for other in range(index + 1, MAX_AGING_BUCKETS):
        later &= Q(**{f"bucket_{other}": 0})
    return Q(**{f"bucket_{index}__gt": 0}) & later


def worklist_queryset(
    *,
    user: User,
    today: date,
    filters: WorklistFilters | None = None,
    config: WorklistConfig | None = None,
) -> QuerySet[CustomerBalance]:
    """The scoped, filtered and ordered queue, annotated with its components."""
    config = config or worklist_config()
    filters = filters or WorklistFilters()
    escalated_customers = escalated_notices(today=today, config=config).values("customer_id")
    oldest_bucket = Case(
        *[When(bucket_q, then=Value(index)) for index, bucket_q in _bucket_conditions()],
        default=Value(0),
        output_field=IntegerField(),
    )
    bucket_boost = Case(
        *[
            When(bucket_q, then=_value(config.bucket_boost(index)))
            for index, bucket_q in _bucket_conditions()
        ],
        default=_value(Decimal(1)),
        output_field=_FACTOR,
    )
    promise_boost = Case(
        When(
            customer_id__in=_broken_promise_customers(today=today, config=config),
            then=_value(config.broken_promise_boost),
        ),
        default=_value(Decimal(1)),
        output_field=_FACTOR,
    )
    queryset = (
        CustomerBalance.objects.filter(customer_visibility_q(user=user, prefix="customer__"))
        .filter(Q(overdue_total__gt=0) | Q(customer_id__in=escalated_customers))
        .annotate(
            # A correlated lookup rather than a join: with the overdue floor of
            # _ranked_ids only a few thousand rows need it, and a join made the
            # planner hash every customer of the portfolio.
            pd=Coalesce(
                Subquery(
                    Customer.objects.filter(pk=OuterRef("customer_id")).values(
                        "probability_of_default"
                    )[:1]
                ),
                _value(config.default_pd),
                output_field=_FACTOR,
            ),
            oldest_bucket=oldest_bucket,
            bucket_boost=bucket_boost,
            promise_boost=promise_boost,
            escalated=Case(
                When(customer_id__in=escalated_customers, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .annotate(
            priority=ExpressionWrapper(
                F("overdue_total") * F("pd") * F("bucket_boost") * F("promise_boost"),
                output_field=_SCORE,
            )
        )
    )
    queryset = _filtered(queryset, user=user, today=today, filters=filters)
    return queryset.order_by("-escalated", "-priority", "customer_id", "currency")


def _bucket_conditions() -> list[tuple[int, Q]]:
    """(index, "oldest overdue item is in bucket index"), oldest bucket first."""
    return [(index, Q(**{f"bucket_{index}__gt": 0})) for index in _OVERDUE_BUCKETS]


def _filtered(
    queryset: QuerySet[CustomerBalance], *, user: User, today: date, filters: WorklistFilters
) -> QuerySet[CustomerBalance]:
    """Each filter is an uncorrelated subquery on the customer id (hashed once by
    PostgreSQL), so that no filter joins the whole customer table back in."""
    cases = CollectionCase.objects.all()
    customers = Customer.objects.all()
    if filters.assigned_to_me:
        queryset = queryset.filter(
            customer_id__in=cases.filter(assignee=user).values("customer_id")
        )
    if filters.unassigned:
        queryset = queryset.exclude(
            customer_id__in=cases.filter(assignee__isnull=False).values("customer_id")
        )
    if filters.follow_up_due:
        queryset = queryset.filter(
            customer_id__in=cases.filter(next_follow_up_on__lte=today).values("customer_id")
        )
    if filters.tier:
        queryset = queryset.filter(customer_id__in=customers.filter(tier=filters.tier).values("pk"))
    if filters.region:
        queryset = queryset.filter(
            customer_id__in=customers.filter(region=filters.region).values("pk")
        )
    if filters.sales_rep_id is not None:
        queryset = queryset.filter(
            customer_id__in=customers.filter(sales_rep_id=filters.sales_rep_id).values("pk")
        )
    if filters.bucket is not None:
        queryset = queryset.filter(_oldest_bucket_q(filters.bucket))
    return queryset


def worklist_page(
    *,
    user: User,
    today: date,
    filters: WorklistFilters | None = None,
    page: int = 1,
    page_size: int | None = None,
) -> tuple[list[WorklistRow], bool]:
    """One page of the queue (rows with their reasons) and whether another follows.

    At most eight queries whatever the page size: the user's roles, the ranking
    (escalated rows, a sample bounding the others, the others: ids of one more
    row than shown, instead of counting the whole queue), the rows shown, and
    for their customers the oldest overdue invoice, broken promises and
    escalations.
    """
    config = worklist_config()
    size = page_size or config.page_size
    start = (max(page, 1) - 1) * size
    queue = worklist_queryset(user=user, today=today, filters=filters, config=config)
    # Rank on narrow rows (ids only), then read the page's rows in full: sorting
    # every overdue balance with all customer columns attached costs far more.
    ids = _ranked_ids(queue, today=today, config=config, need=start + size + 1)[start:]
    has_next = len(ids) > size
    ids = ids[:size]
    by_id = CustomerBalance.objects.select_related(
        "customer", "customer__sales_rep", "customer__collection_case__assignee"
    ).in_bulk(ids)
    balances = [by_id[pk] for pk in ids if pk in by_id]
    return _rows(balances, today=today, config=config), has_next


# Rows read (largest overdue first) to bound the rank of the rest; see _ranked_ids.
PRUNE_SAMPLE = 1000


def _ranked_ids(
    queue: QuerySet[CustomerBalance], *, today: date, config: WorklistConfig, need: int
) -> list[int]:
    """The ids of the first ``need`` rows of ``queue``, in its order, without
    ranking every overdue balance when the queue is long.

    Escalated customers come first, so they are read on their own. For the
    others: the ``need``-th best priority T among the PRUNE_SAMPLE largest
    overdue amounts is at most the ``need``-th best of all; since a priority is
    at most overdue x 1 (PD) x the largest boosts, a row ranked above it has an
    overdue amount of at least T / (largest boosts). Only those rows (an index
    range on the overdue amount) are ranked. Exact, not an approximation.
    """
    escalated = escalated_notices(today=today, config=config).values("customer_id")
    ids = list(queue.filter(customer_id__in=escalated).values_list("pk", flat=True)[:need])
    remaining = need - len(ids)
    if remaining <= 0:
        return ids
    # "open_total <> 0" as in the partial index on the overdue amount (implied by overdue > 0).
    others = (
        queue.exclude(customer_id__in=escalated).filter(overdue_total__gt=0).exclude(open_total=0)
    )
    sample_size = max(PRUNE_SAMPLE, 4 * remaining)
    sample = sorted(
        others.order_by("-overdue_total").values_list("priority", flat=True)[:sample_size],
        reverse=True,
    )
    if len(sample) == sample_size and sample[remaining - 1] > 0:
        largest = max(config.bucket_boosts) * config.broken_promise_boost
        floor = (Decimal(sample[remaining - 1]) / largest).quantize(
            Decimal("0.01"), rounding=ROUND_FLOOR
        ) - Decimal("0.01")
        others = others.filter(overdue_total__gte=floor)
    return ids + list(others.values_list("pk", flat=True)[:remaining])


def _oldest_bucket(balance: CustomerBalance) -> int:
    return next((index for index in _OVERDUE_BUCKETS if getattr(balance, f"bucket_{index}") > 0), 0)


def _rows(
    balances: list[CustomerBalance], *, today: date, config: WorklistConfig
) -> list[WorklistRow]:
    """The rows of ``balances`` with the components of their priority (the same
    formula as the SQL ranking), the exact days past due and the escalations."""
    if not balances:
        return []
    customer_ids = sorted({balance.customer_id for balance in balances})
    oldest = {
        (item["customer_id"], item["currency"]): item["oldest"]
        for item in Invoice.objects.filter(
            customer_id__in=customer_ids, open_amount__gt=0, due_date__lt=today
        )
        .order_by()
        .values("customer_id", "currency")
        .annotate(oldest=Min("due_date"))
    }
    broken: dict[int, int] = {}
    for customer_id in (
        _broken_promise_customers(today=today, config=config)
        .filter(customer_id__in=customer_ids)
        .values_list("customer_id", flat=True)
    ):
        broken[customer_id] = broken.get(customer_id, 0) + 1
    escalations: dict[int, list[Escalation]] = {}
    notices = (
        escalated_notices(today=today, config=config)
        .filter(customer_id__in=customer_ids)
        .order_by("customer_id", "-run_date", "-pk")
        .values_list(
            "customer_id",
            "pk",
            "status",
            "run_date",
            "level__position",
            "level__create_collector_task",
            "level__flag_for_agency",
        )
    )
    for customer_id, notice_id, status, run_date, position, collector, agency in notices:
        kind = _escalation_kind(status, collector_task=collector, agency=agency)
        escalations.setdefault(customer_id, []).append(
            Escalation(kind=kind, notice_id=notice_id, level_position=position, run_date=run_date)
        )
    rows = []
    for balance in balances:
        customer_pd = balance.customer.probability_of_default
        pd = customer_pd if customer_pd is not None else config.default_pd
        oldest_bucket = _oldest_bucket(balance)
        bucket_boost = config.bucket_boost(oldest_bucket)
        broken_promises = broken.get(balance.customer_id, 0)
        promise_boost = config.broken_promise_boost if broken_promises else Decimal(1)
        due = oldest.get((balance.customer_id, balance.currency))
        rows.append(
            WorklistRow(
                balance=balance,
                probability_of_default=pd,
                pd_is_default=customer_pd is None,
                oldest_bucket=oldest_bucket,
                bucket_boost=bucket_boost,
                broken_promises=broken_promises,
                promise_boost=promise_boost,
                expected_loss=(balance.overdue_total * pd).quantize(Decimal("0.01")),
                priority=(balance.overdue_total * pd * bucket_boost * promise_boost).quantize(
                    Decimal("0.01")
                ),
                days_past_due=(today - due).days if due else None,
                escalations=escalations.get(balance.customer_id, []),
            )
        )
    return rows


def _escalation_kind(status: str, *, collector_task: bool, agency: bool) -> str:
    if status == DunningNoticeStatus.BOUNCED:
        return ESCALATION_BOUNCED
    if status == DunningNoticeStatus.NO_ADDRESS:
        return ESCALATION_NO_ADDRESS
    if agency:
        return ESCALATION_AGENCY
    return ESCALATION_COLLECTOR_TASK

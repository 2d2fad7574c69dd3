"""Customer balances in aging buckets, kept current with the ledger.

Every service that changes an invoice's open amount calls
``balance_apply_change`` in its own transaction, after locking the invoice
(and payment): the balance row is always the last row locked, so the lock
order stays payment -> invoice -> balance. ``customer_balances_refresh``
rebuilds rows from the invoices (nightly, because buckets shift as days pass,
and whenever the bucket edges change).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from crm.db import bulk_update_rows
from crm.money import DECIMAL_PLACES, MAX_DIGITS, quantize
from receivables.models import MAX_AGING_BUCKETS, BalanceSnapshot, CustomerBalance, Invoice

_MONEY = DecimalField(max_digits=MAX_DIGITS, decimal_places=DECIMAL_PLACES)
_ZERO = Decimal("0.00")
BUCKET_FIELDS = tuple(f"bucket_{index}" for index in range(MAX_AGING_BUCKETS))


def bucket_edges() -> tuple[int, ...]:
    return tuple(getattr(settings, "CRM_AGING_BUCKET_EDGES", (30, 60, 90, 120)))


def edges_signature(edges: Iterable[int] | None = None) -> str:
    return ",".join(str(edge) for edge in (edges if edges is not None else bucket_edges()))


def bucket_index(*, due_date: date, as_of: date, edges: tuple[int, ...]) -> int:
    """0 for not yet due, then 1.. for each edge, the last one open-ended."""
    days = (as_of - due_date).days
    if days <= 0:
        return 0
    for index, edge in enumerate(edges, start=1):
        if days <= edge:
            return index
    return len(edges) + 1


# A rebuild deletes the row of a customer who no longer owes anything in a currency; a
# ledger write that waited for that row's lock then finds none and creates it. Looking
# again is bounded all the same.
_LOCK_ATTEMPTS = 10


def _locked_row(customer_id: int, currency: str) -> CustomerBalance:
    """The customer's balance row in ``currency``, locked; created when there is none."""
    for _ in range(_LOCK_ATTEMPTS):
        row = (
            CustomerBalance.objects.select_for_update()
            .filter(customer_id=customer_id, currency=currency)
            .first()
        )
        if row is not None:
            return row
        try:
            with transaction.atomic():
                CustomerBalance.objects.create(
                    customer_id=customer_id,
                    currency=currency,
                    as_of=timezone.localdate(),
                    edges=edges_signature(),
                )
        except IntegrityError:
            pass  # created at the same moment by another transaction (or a rebuild)
    raise RuntimeError(
        f"Could not lock the balance of customer {customer_id} in {currency}: it was replaced"
        f" {_LOCK_ATTEMPTS} times while waiting (balance rebuilds running back to back?)."
    )


def balance_apply_change(*, invoice: Invoice, delta: Decimal) -> None:
    """Add ``delta`` (change of the invoice's open amount) to its customer's balance."""
    if delta == 0:
        return
    with transaction.atomic():
        _balance_add(invoice, delta)


def _balance_add(invoice: Invoice, delta: Decimal) -> None:
    row = _locked_row(invoice.customer_id, invoice.currency)
    edges = tuple(int(edge) for edge in row.edges.split(",")) if row.edges else ()
    index = bucket_index(due_date=invoice.due_date, as_of=row.as_of, edges=edges)
    changes = {
        "open_total": F("open_total") + delta,
        BUCKET_FIELDS[index]: F(BUCKET_FIELDS[index]) + delta,
    }
    if invoice.due_date < row.as_of:
        changes["overdue_total"] = F("overdue_total") + delta
    CustomerBalance.objects.filter(pk=row.pk).update(**changes, updated_at=timezone.now())


def _bucket_sums(as_of: date, edges: tuple[int, ...]) -> dict[str, Coalesce]:
    def total(condition: Q) -> Coalesce:
        return Coalesce(Sum("open_amount", filter=condition), Value(_ZERO), output_field=_MONEY)

    sums = {"bucket_0": total(Q(due_date__gte=as_of))}
    low = 1
    for index, edge in enumerate(edges, start=1):
        sums[f"bucket_{index}"] = total(
            Q(due_date__lte=as_of - timedelta(days=low), due_date__gte=as_of - timedelta(days=edge))
        )
        low = edge + 1
    sums[f"bucket_{len(edges) + 1}"] = total(Q(due_date__lte=as_of - timedelta(days=low)))
    sums["overdue_total"] = total(Q(due_date__lt=as_of))
    sums["open_total"] = total(Q())
    return sums


def balances_recomputed(
    *,
    customer_ids: list[int] | None = None,
    as_of: date | None = None,
    edges: tuple[int, ...] | None = None,
) -> dict[tuple[int, str], dict]:
    """Balances rebuilt from the open invoices: {(customer_id, currency): {field: amount}}."""
    as_of = as_of or timezone.localdate()
    edges = bucket_edges() if edges is None else edges
    open_items = Invoice.objects.filter(open_amount__gt=0)
    if customer_ids is not None:
        open_items = open_items.filter(customer_id__in=customer_ids)
    rows = (
        open_items.order_by()
        .values("customer_id", "currency")
        .annotate(**_bucket_sums(as_of, edges))
    )
    result = {}
    for row in rows:
        currency = row["currency"]
        values = {
            name: quantize(row.get(name) or _ZERO, currency)
            for name in ("open_total", "overdue_total", *BUCKET_FIELDS)
        }
        result[(row["customer_id"], currency)] = values
    return result


def customer_balances_refresh(
    *, as_of: date | None = None, chunk_size: int = 5000, customer_ids: list[int] | None = None
) -> int:
    """Rebuild every customer's balance rows from the invoices; returns rows written.

    Works in chunks of customers, each in its own transaction with the chunk's
    balance rows locked, so the ledger keeps working while it runs.
    """
    as_of = as_of or timezone.localdate()
    signature = edges_signature()
    complete = customer_ids is None
    if complete:
        open_customers = Invoice.objects.filter(open_amount__gt=0).values_list(
            "customer_id", flat=True
        )
        with_rows = CustomerBalance.objects.values_list("customer_id", flat=True)
        customer_ids = sorted(set(open_customers.distinct()) | set(with_rows.distinct()))
    written = 0
    for start in range(0, len(customer_ids), chunk_size):
        with transaction.atomic():
            written += _chunk_rebuilt(customer_ids[start : start + chunk_size], as_of, signature)
    if complete:
        BalanceSnapshot.objects.update_or_create(
            pk=1, defaults={"as_of": as_of, "edges": signature}
        )
    return written


_REBUILT_FIELDS = ["as_of", "edges", "updated_at", "open_total", "overdue_total", *BUCKET_FIELDS]


def _chunk_rebuilt(chunk: list[int], as_of: date, signature: str) -> int:
    """Rebuild the balance rows of the customers in ``chunk``; returns the rows written.

    The chunk's rows are locked first (waiting for ledger writes in flight), then
    updated in place: a ledger write waiting for a row's lock goes on with the
    rebuilt row. A row whose customer no longer owes anything in its currency is
    deleted (a write that waited for it creates it again).

    A row the rebuild did not lock can appear meanwhile: a ledger write creates the
    customer's first row in a currency without waiting for the rebuild. Such rows
    (and rows missing altogether) are created if need be, locked, and their
    customers recomputed, until every row the figures need is locked: a figure is
    only written over a row that no ledger write can change before the rebuild commits.
    """
    locked = _rows_locked(chunk)
    values = balances_recomputed(customer_ids=chunk, as_of=as_of)
    attempts = 0
    while missing := values.keys() - locked.keys():
        attempts += 1
        if attempts > _LOCK_ATTEMPTS:
            raise RuntimeError(
                f"Could not lock the balance rows of {len(missing)} customer/currency pairs while"
                f" rebuilding: new ones appeared {_LOCK_ATTEMPTS} times in a row (ledger writes"
                " creating rows faster than the rebuild locks them?)."
            )
        customers = sorted({customer_id for customer_id, _currency in missing})
        CustomerBalance.objects.bulk_create(
            [
                CustomerBalance(
                    customer_id=customer_id, currency=currency, as_of=as_of, edges=signature
                )
                for customer_id, currency in sorted(missing)
            ],
            ignore_conflicts=True,  # created by a ledger write meanwhile: locked below
            batch_size=2000,
        )
        locked.update(_rows_locked(customers))
        # Recomputed with their rows locked: every write to them is now counted or waits.
        customer_set = set(customers)
        values = {key: value for key, value in values.items() if key[0] not in customer_set}
        values.update(balances_recomputed(customer_ids=customers, as_of=as_of))
    now = timezone.now()
    changed = []
    for key, figures in values.items():
        row = locked.pop(key)
        row.as_of, row.edges, row.updated_at = as_of, signature, now
        for name, value in figures.items():
            setattr(row, name, value)
        changed.append(row)
    CustomerBalance.objects.filter(pk__in=[row.pk for row in locked.values()]).delete()
    bulk_update_rows(changed, _REBUILT_FIELDS)
    return len(changed)


def _rows_locked(customer_ids: list[int]) -> dict[tuple[int, str], CustomerBalance]:
    """The customers' balance rows, locked in pk order."""
    return {
        (row.customer_id, row.currency): row
        for row in CustomerBalance.objects.select_for_update()
        .filter(customer_id__in=customer_ids)
        .order_by("pk")
    }


def balances_are_fresh(*, as_of: date | None = None) -> bool:
    """True when the last complete rebuild was for ``as_of`` with today's bucket edges:
    from then on the services keep every row current, so the rows stand for the invoices."""
    as_of = as_of or timezone.localdate()
    return BalanceSnapshot.objects.filter(pk=1, as_of=as_of, edges=edges_signature()).exists()


def balance_drift(
    *, customer_ids: list[int] | None = None
) -> list[tuple[int, str, str, Decimal, Decimal]]:
    """(customer_id, currency, field, stored, recomputed) for every balance amount that
    differs from a rebuild of the same rows (same as-of date and edges)."""
    rows = CustomerBalance.objects.all()
    if customer_ids is not None:
        rows = rows.filter(customer_id__in=customer_ids)
    drift = []
    fields = ("open_total", "overdue_total", *BUCKET_FIELDS)
    for as_of, signature in rows.values_list("as_of", "edges").distinct():
        edges = tuple(int(edge) for edge in signature.split(",")) if signature else ()
        group = rows.filter(as_of=as_of, edges=signature)
        expected = balances_recomputed(
            customer_ids=list(group.values_list("customer_id", flat=True)), as_of=as_of, edges=edges
        )
        seen = set()
        for row in group.order_by("customer_id", "currency"):
            key = (row.customer_id, row.currency)
            seen.add(key)
            values = expected.get(key, dict.fromkeys(fields, _ZERO))
            drift.extend(
                (row.customer_id, row.currency, name, getattr(row, name), values[name])
                for name in fields
                if getattr(row, name) != values[name]
            )
        for (customer_id, currency), values in expected.items():
            if (customer_id, currency) not in seen and values["open_total"] != 0:
                drift.append((customer_id, currency, "open_total", _ZERO, values["open_total"]))
    present = set(rows.values_list("customer_id", "currency"))
    open_pairs = Invoice.objects.filter(open_amount__gt=0)
    if customer_ids is not None:
        open_pairs = open_pairs.filter(customer_id__in=customer_ids)
    missing = set(open_pairs.order_by().values_list("customer_id", "currency").distinct()) - present
    if missing:
        values = balances_recomputed(
            customer_ids=sorted({customer_id for customer_id, _ in missing})
        )
        drift.extend(
            (
                customer_id,
                currency,
                "open_total",
                _ZERO,
                values[(customer_id, currency)]["open_total"],
            )
            for customer_id, currency in sorted(missing)
        )
    return drift

"""Payment allocation throughput with concurrent clients on PostgreSQL, and a check that no invariant broke.

Target (issue #3): allocations per second with 8 concurrent clients, with zero
invariant violations. Baseline: one client, measured in the same run. Works on
rows it creates in the portfolio database and deletes afterwards.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url

CUSTOMERS, INVOICES_EACH, PAYMENTS_EACH = 40, 6, 4
SECONDS = 8.0


def _make_rows(customer_ids: list[int]):
    import datetime
    from decimal import Decimal

    from receivables.models import Invoice, Payment

    today = datetime.date.today()  # noqa: DTZ011
    invoices = Invoice.objects.bulk_create(
        Invoice(customer_id=c, number=f"BENCH-{c}-{i}", issue_date=today, due_date=today, currency="USD",
                total=Decimal("100.00"), open_amount=Decimal("100.00"))
        for c in customer_ids for i in range(INVOICES_EACH)
    )  # fmt: skip
    payments = Payment.objects.bulk_create(
        Payment(customer_id=c, received_date=today, amount=Decimal("150.00"), currency="USD", reference=f"BENCH-{c}-{p}")
        for c in customer_ids for p in range(PAYMENTS_EACH)
    )  # fmt: skip
    return invoices, payments


def _drive(clients: int, invoices, payments, seconds: float) -> dict[str, int]:
    import random
    import threading
    import time

    from django.db import connections

    from crm.exceptions import ApplicationError
    from receivables.services import allocation_create

    by_customer: dict[int, tuple[list, list]] = {}
    for invoice in invoices:
        by_customer.setdefault(invoice.customer_id, ([], []))[0].append(invoice.pk)
    for payment in payments:
        by_customer[payment.customer_id][1].append(payment.pk)
    customers = sorted(by_customer)
    counts = {"ok": 0, "refused": 0}
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(number: int) -> None:
        from receivables.models import Invoice, Payment

        rng = random.Random(number)
        ok = refused = 0
        while time.perf_counter() < deadline:
            invoice_ids, payment_ids = by_customer[rng.choice(customers)]
            payment = Payment.objects.get(pk=rng.choice(payment_ids))
            invoice = Invoice.objects.get(pk=rng.choice(invoice_ids))
            try:
                allocation_create(
                    payment=payment,
                    invoice=invoice,
                    amount=f"{rng.randint(5, 40)}.{rng.randint(0, 99):02d}",
                )
                ok += 1
            except ApplicationError:
                refused += 1
        connections.close_all()
        with lock:
            counts["ok"] += ok
            counts["refused"] += refused

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def _violations(invoice_ids: list[int], payment_ids: list[int]) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT count(*) FROM receivables_invoice i
            LEFT JOIN (SELECT invoice_id, sum(amount) s FROM receivables_allocation
                       WHERE unapplied_at IS NULL GROUP BY invoice_id) a ON a.invoice_id = i.id
            WHERE i.id = ANY(%s) AND (coalesce(a.s, 0) <> i.amount_paid OR i.amount_paid > i.total
                  OR i.open_amount <> i.total - i.amount_paid - i.amount_credited - i.amount_written_off)
            """,
            [invoice_ids],
        )
        bad_invoices = cursor.fetchone()[0]
        cursor.execute(
            """
            SELECT count(*) FROM receivables_payment p
            LEFT JOIN (SELECT payment_id, sum(amount) s FROM receivables_allocation
                       WHERE unapplied_at IS NULL GROUP BY payment_id) a ON a.payment_id = p.id
            WHERE p.id = ANY(%s) AND (coalesce(a.s, 0) <> p.amount_allocated OR p.amount_allocated > p.amount)
            """,
            [payment_ids],
        )
        return bad_invoices + cursor.fetchone()[0]


def _cleanup(invoice_ids: list[int], payment_ids: list[int]) -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM receivables_allocation WHERE invoice_id = ANY(%s)", [invoice_ids]
        )
        cursor.execute("DELETE FROM receivables_invoice WHERE id = ANY(%s)", [invoice_ids])
        cursor.execute("DELETE FROM receivables_payment WHERE id = ANY(%s)", [payment_ids])


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json

    from customers.models import Customer

    results = {}
    for clients in (1, arguments["clients"]):
        customer_ids = list(
            Customer.objects.filter(currency="USD")
            .order_by("pk")
            .values_list("pk", flat=True)[:CUSTOMERS]
        )
        invoices, payments = _make_rows(customer_ids)
        invoice_ids, payment_ids = [i.pk for i in invoices], [p.pk for p in payments]
        try:
            counts = _drive(clients, invoices, payments, SECONDS)
            results[str(clients)] = {**counts, "per_second": counts["ok"] / SECONDS,
                                     "violations": _violations(invoice_ids, payment_ids)}  # fmt: skip
        finally:
            _cleanup(invoice_ids, payment_ids)
    print(json.dumps(results))


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    clients = 8
    measured = measure_in_django(Path(__file__), portfolio_url(scale), clients=clients)
    one, many = measured["1"], measured[str(clients)]
    return Result(
        name="allocations",
        scale=scale,
        figures=[
            Figure("allocations per second, 1 client (baseline)", one["per_second"], "/s"),
            Figure(
                f"allocations per second, {clients} clients",
                many["per_second"],
                "/s",
                one["per_second"],
                "1 client",
            ),
            Figure(f"refused (over-allocation or race), {clients} clients", many["refused"], ""),
            Figure(
                "invariant violations (must be 0)",
                one["violations"] + many["violations"],
                "",
                target="0",
            ),
        ],
        details=measured,
    )


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        result = run(scale=sys.argv[1] if len(sys.argv) > 1 else "small")
        print_result(result)
        save(result)

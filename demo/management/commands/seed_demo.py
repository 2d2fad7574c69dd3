"""``python manage.py seed_demo --customers 300 --seed 42``: a reproducible demo portfolio."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from crm.exceptions import ApplicationError
from demo.services import SeedSummary, portfolio_options, portfolio_seed

_FLAGS = {
    "customers": "--customers",
    "seed": "--seed",
    "as_of": "--as-of",
    "months": "--months",
    "invoices_per_customer": "--invoices-per-customer",
}
_SUMMARY_ORDER = (
    "customers",
    "customers inactive",
    "contacts",
    "customers without billing e-mail",
    "credit profiles",
    "credit profiles on hold",
    "invoices",
    "invoices open",
    "invoices partially_paid",
    "invoices paid",
    "invoices written_off",
    "invoices void",
    "invoices disputed",
    "payments",
    "payments bounced",
    "payments with unapplied cash",
    "allocations",
    "credit notes",
    "write-offs",
    "disputes",
    "disputes open",
)


class Command(BaseCommand):
    help = (
        "Fill an empty database with a realistic B2B receivables portfolio (sales reps, "
        "customers, contacts, invoices, payments, credit notes, write-offs, disputes, credit "
        "profiles). The same options always give the same portfolio."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", required=True, help="number of customers (>= 1)")
        parser.add_argument("--seed", required=True, help="random seed, e.g. 42")
        parser.add_argument("--months", default=24, help="months of history (1-120, default 24)")
        parser.add_argument(
            "--as-of", dest="as_of", default=None, help="the portfolio's today, YYYY-MM-DD"
        )
        parser.add_argument(
            "--invoices-per-customer",
            dest="invoices_per_customer",
            default=20,
            help="average invoices per customer over the whole history (default 20)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            dest="if_empty",
            help="do nothing (and succeed) when the database already has customers",
        )
        parser.add_argument("--quiet", action="store_true", help="print nothing")

    def handle(self, *args, **options) -> None:
        quiet = options["quiet"] or options["verbosity"] == 0
        try:
            portfolio = portfolio_options(
                customers=options["customers"],
                seed=options["seed"],
                as_of=options["as_of"],
                today=timezone.localdate(),
                months=options["months"],
                invoices_per_customer=options["invoices_per_customer"],
            )
            summary = portfolio_seed(
                options=portfolio,
                if_empty=options["if_empty"],
                progress=None if quiet else self._progress,
            )
        except ApplicationError as error:
            raise CommandError(_message(error)) from error
        if not quiet:
            self._report(summary)

    def _progress(self, message: str) -> None:
        self.stdout.write(f"  {message}")

    def _report(self, summary: SeedSummary) -> None:
        if not summary.created:
            self.stdout.write(
                f"The database already has {summary.existing_customers:,} customers; "
                "nothing generated (--if-empty)."
            )
            return
        o = summary.options
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo portfolio generated: seed {o.seed}, as of {o.as_of}, {o.months} months, "
                f"in {summary.seconds:.1f} s ({summary.rows:,} rows, "
                f"{summary.rows / max(summary.seconds, 1e-9):,.0f} rows/s)."
            )
        )
        self.stdout.write(
            f"  {'sales reps':<34}{summary.sales_reps:>12,}  ({summary.sales_reps_created} new)"
        )
        for key in _SUMMARY_ORDER:
            self.stdout.write(f"  {key:<34}{summary.counts.get(key, 0):>12,}")


def _message(error: ApplicationError) -> str:
    if error.code == "demo_database_not_empty":
        return (
            f"{error.message} Pass --if-empty to skip without an error when customers exist "
            "(as the README's run command does), or point DATABASE_URL at an empty database."
        )
    fields = error.extra.get("fields", {})
    if len(fields) == 1:
        (name,) = fields
        return f"{_FLAGS.get(name, name)}: {error.message}"
    return error.message

"""``python manage.py credit_score [--customer CODE ...] [--backtest] [--as-of YYYY-MM-DD]``."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit.scoring.services import credit_backtest_run, credit_scores_compute
from crm.exceptions import ApplicationError
from customers.models import Customer


class Command(BaseCommand):
    help = (
        "Score every customer (or the ones named with --customer) with the scorecard of "
        "CRM_CREDIT_SCORING; with --backtest, first re-run the backtest that estimates each "
        "grade's probability of default."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--customer",
            action="append",
            dest="customers",
            default=[],
            help="customer code (repeat for several); default: every customer",
        )
        parser.add_argument("--backtest", action="store_true", help="run the backtest first")
        parser.add_argument(
            "--as-of", dest="as_of", default=None, help="YYYY-MM-DD (default today)"
        )

    def handle(self, *args, **options) -> None:
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(
                f"--as-of {options['as_of']!r} is not a date; use YYYY-MM-DD."
            ) from error
        customer_ids = None
        if options["customers"]:
            codes = set(options["customers"])
            found = dict(Customer.objects.filter(code__in=codes).values_list("code", "pk"))
            missing = sorted(codes - set(found))
            if missing:
                raise CommandError(f"No customer with code {', '.join(missing)}; check the codes.")
            customer_ids = list(found.values())
        try:
            if options["backtest"]:
                backtest = credit_backtest_run(as_of=as_of)
                self.stdout.write(
                    f"Backtest {backtest.observation_date}..{backtest.as_of} "
                    f"({backtest.version}): {backtest.customers} customers, "
                    f"{backtest.defaults} defaults, AUC {backtest.auc}, Gini {backtest.gini}, "
                    f"KS {backtest.ks}"
                )
            result = credit_scores_compute(customer_ids=customer_ids, as_of=as_of)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Scored {result.scored} customers as of {result.as_of} with scorecard "
            f"{result.version}; {len(result.grade_changes)} grades changed."
        )

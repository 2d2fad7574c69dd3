"""Rebuild every customer's maintained balance from the invoices."""

import time

from django.core.management.base import BaseCommand

from receivables.services.balances import customer_balances_refresh


class Command(BaseCommand):
    help = (
        "Rebuild customer balances and aging buckets as of today from the open invoices. "
        "Beat runs this nightly; run it after loading invoices outside the services."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = customer_balances_refresh()
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {written} balance rows in {time.perf_counter() - started:.1f} s."
            )
        )

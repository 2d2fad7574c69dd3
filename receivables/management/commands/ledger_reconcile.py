"""Recompute every maintained ledger amount from scratch and report drift."""

from django.core.management.base import BaseCommand, CommandError

from receivables.services.reconcile import ledger_drift_list, ledger_drift_repair


class Command(BaseCommand):
    help = "Recompute invoice and payment balances from allocations, credit notes and write-offs; report drift."

    def add_arguments(self, parser):
        parser.add_argument(
            "--repair", action="store_true", help="rewrite drifting rows from the recomputation"
        )
        parser.add_argument(
            "--limit", type=int, default=50, help="how many drift lines to print (default 50)"
        )

    def handle(self, *args, repair: bool, limit: int, **options):
        if limit < 0:
            raise CommandError("--limit must be zero or more.")
        drift = ledger_drift_list()
        if not drift:
            self.stdout.write(
                self.style.SUCCESS("No drift: every maintained amount matches its recomputation.")
            )
            return
        for line in drift[:limit]:
            self.stdout.write(
                f"{line.kind} {line.object_id}: {line.field} stored {line.stored}, recomputed {line.recomputed}"
            )
        if len(drift) > limit:
            self.stdout.write(f"... and {len(drift) - limit} more")
        if repair:
            fixed = ledger_drift_repair(drift=drift)
            self.stdout.write(self.style.WARNING(f"Repaired {fixed} rows."))
            return
        raise CommandError(
            f"{len(drift)} maintained amounts drift from the ledger; rerun with --repair to fix them."
        )

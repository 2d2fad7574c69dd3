"""``manage.py kpi_snapshots_backfill --start 2026-01-01 --end 2026-06-30``"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.kpis.services import kpi_snapshots_backfill
from crm.exceptions import ApplicationError


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"{value!r} is not a date; write it as YYYY-MM-DD.") from error


class Command(BaseCommand):
    help = (
        "Take the daily portfolio KPI snapshots of a range of past days (replaces existing ones)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--start", required=True, type=_day, help="First day, YYYY-MM-DD.")
        parser.add_argument("--end", required=True, type=_day, help="Last day, YYYY-MM-DD.")

    def handle(self, *args, start: date, end: date, **options) -> None:
        try:
            stored = kpi_snapshots_backfill(start=start, end=end)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        days = (end - start).days + 1
        self.stdout.write(f"Stored {stored} KPI rows for {days} days ({start} to {end}).")

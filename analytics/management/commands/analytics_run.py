"""Run the nightly analytics pipeline now: in this process with a progress bar, or on the workers."""

from __future__ import annotations

import sys
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.services import pipeline as services
from analytics.services import pipeline_execute
from crm.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Compute RFM, CLV, profitability, churn warnings and tiers for every customer."

    def add_arguments(self, parser):
        parser.add_argument("--as-of", help="Date to compute as of (YYYY-MM-DD); default today.")
        parser.add_argument(
            "--async",
            action="store_true",
            dest="dispatch",
            help="Build the stage and do the portfolio pass here, then fan the chunks out to the workers.",
        )
        parser.add_argument(
            "--jobs",
            type=int,
            metavar="N",
            help="Chunks processed at once, each in a process forked from this one with its own"
            " database connection (default: one per CPU, at most 4, on PostgreSQL; 1 on SQLite,"
            " in this process; at most 32).",
        )
        parser.add_argument(
            "--retry-failed",
            type=int,
            metavar="RUN_ID",
            help="Process the chunks of RUN_ID that failed, then finalise it again.",
        )

    def handle(self, *args, **options):
        try:
            as_of = date.fromisoformat(options["as_of"]) if options["as_of"] else None
        except ValueError as error:
            raise CommandError(f"--as-of must be a date like 2025-06-30: {error}") from error
        if options["jobs"] is not None and (options["dispatch"] or options["retry_failed"]):
            raise CommandError(
                "--jobs sets how many chunks this process runs at once; it does not apply to"
                " --async (the workers run the chunks) or --retry-failed."
            )
        try:
            if options["retry_failed"]:
                run = pipeline_execute.pipeline_run_retry_failed(run_id=options["retry_failed"])
            elif options["dispatch"]:
                from analytics.tasks import pipeline_run_dispatch

                run = services.pipeline_run_start(
                    as_of=as_of, jobs=services.pipeline_jobs_default()
                )
                pipeline_run_dispatch(run=run)
                self.stdout.write(
                    f"Run {run.pk}: {run.chunks_total} chunk(s) of {run.customers_total}"
                    " customers sent to the workers."
                )
                return
            else:
                jobs = options["jobs"]
                run = self._run_here(
                    as_of, services.pipeline_jobs_default() if jobs is None else jobs
                )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Run {run.pk} as of {run.as_of}: {run.status}, {run.customers_done} customers,"
            f" {run.chunks_done}/{run.chunks_total} chunks, {run.tier_changes} tier change(s)."
        )
        for problem in run.problems:
            self.stdout.write(self.style.WARNING(f"- {problem}"))

    def _run_here(self, as_of, jobs):
        bar: dict[str, tqdm] = {}

        def on_start(run):
            # No monitor thread: the jobs' processes are forked from this one.
            tqdm.monitor_interval = 0
            bar["bar"] = tqdm(
                total=run.customers_total, unit="customer", file=sys.stderr, disable=None
            )

        def on_chunk(chunk):
            bar["bar"].update(chunk.customer_count)

        try:
            return pipeline_execute.pipeline_run_execute(
                as_of=as_of, on_start=on_start, on_chunk=on_chunk, jobs=jobs
            )
        finally:
            if "bar" in bar:
                bar["bar"].close()

"""The daily dunning decision run on the portfolio, and sending throughput to a local SMTP server.

Targets (issue #4): the decision run on the full portfolio (about 50,000 overdue
invoices) in at most 30 s. Baselines, measured in the same run: the bare SELECT
of the candidate invoices the run starts from (what reading them costs at
all), and plain smtplib sending the same number of messages to the same
aiosmtpd server (what the SMTP conversation costs at all).

The run happens inside a transaction that is rolled back, so the portfolio is
unchanged and every run decides the same notices. Sending goes through
``receivables.dunning.sending.dunning_notice_send`` (claim, SMTP, record), one
SMTP connection per notice as in production, without the statement PDF
(bench_statements measures PDF rendering).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import Figure, Result, print_result, save
from _portfolio import child_setup, measure_in_django, portfolio_url

SENDS = {"small": 200, "full": 500}


class _Rollback(Exception):
    pass


def _smtp_server():
    from aiosmtpd.controller import Controller

    class Counter:
        accepted = 0

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            Counter.accepted += 1
            return "250 2.0.0 Message accepted"

    port = _free_port()
    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port, Counter


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _child() -> None:
    arguments = child_setup()  # Django must be set up before models are imported
    import json
    import smtplib
    from datetime import date
    from email.message import EmailMessage

    from django.conf import settings
    from django.db import connection, transaction

    from receivables.dunning import sending
    from receivables.dunning.selectors import dunning_candidate_invoices, dunning_policy_map
    from receivables.dunning.services import dunning_run_decide
    from receivables.models import DunningNotice

    run_date = date.fromisoformat(arguments["run_date"])
    min_offset = dunning_policy_map().min_offset
    overdue = dunning_candidate_invoices(run_date=run_date, min_offset=1).count()

    def bare_select() -> int:
        candidates = dunning_candidate_invoices(run_date=run_date, min_offset=min_offset)
        return len(
            list(
                candidates.order_by("customer_id", "due_date", "pk").values_list(
                    "pk", "customer_id", "customer__tier", "due_date", "open_amount"
                )
            )
        )

    bare_select()  # warm the cache, as the run will find it
    started = time.perf_counter()
    candidates = bare_select()
    select_seconds = time.perf_counter() - started

    controller, port, counter = _smtp_server()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.CRM_DUNNING_ATTACH_STATEMENT = False
    figures: dict = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            result = dunning_run_decide(run_date=run_date, enqueue=lambda notice_id: None)
            figures["decide_seconds"] = time.perf_counter() - started
            figures.update(result.as_dict())
            sample = result.queued_ids[: arguments["sends"]]
            notices = {
                n.pk: (n.subject, n.idempotency_key)
                for n in DunningNotice.objects.filter(pk__in=sample)
            }
            started = time.perf_counter()
            statuses = [sending.dunning_notice_send(notice_id=pk) for pk in sample]
            figures["send_seconds"] = time.perf_counter() - started
            figures["sent"] = statuses.count("sent")
            figures["accepted_by_smtp"] = counter.accepted
            bodies = list(
                DunningNotice.objects.filter(pk__in=sample).values_list("to_email", "body")
            )
            started = time.perf_counter()
            for to_email, body in bodies:
                message = EmailMessage()
                message["From"], message["To"] = settings.DEFAULT_FROM_EMAIL, to_email
                message["Subject"] = "Reminder"
                message.set_content(body)
                with smtplib.SMTP("127.0.0.1", port) as smtp:
                    smtp.send_message(message)
            figures["raw_smtp_seconds"] = time.perf_counter() - started
            figures["raw_smtp_messages"] = len(bodies)
            figures["sample_notices"] = len(notices)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        controller.stop()
    print(json.dumps({
        **figures, "overdue_invoices": overdue, "candidate_rows": candidates,
        "select_seconds": select_seconds, "run_date": run_date.isoformat(),
        "database": connection.settings_dict["NAME"],
    }))  # fmt: skip


def run(*, scale: str = "small", keep_database: bool = False) -> Result:
    url = portfolio_url(scale)
    measured = measure_in_django(
        Path(__file__), url, run_date=_portfolio_as_of(scale), sends=SENDS[scale]
    )
    sent_per_second = measured["sent"] / measured["send_seconds"]
    raw_per_second = measured["raw_smtp_messages"] / measured["raw_smtp_seconds"]
    return Result(
        name="dunning",
        scale=scale,
        figures=[
            Figure("candidate SELECT (baseline)", measured["select_seconds"], "s"),
            Figure(
                "daily decision run",
                measured["decide_seconds"],
                "s",
                measured["select_seconds"],
                "candidate SELECT",
                "<= 30 s (full)",
            ),
            Figure("overdue invoices (not disputed, no promise)", measured["overdue_invoices"], ""),
            Figure("candidate invoices read by the run", measured["candidate_rows"], ""),
            Figure("notices decided", measured["notices_created"], ""),
            Figure("invoices in those notices", measured["invoices_noticed"], ""),
            Figure("plain smtplib to aiosmtpd (baseline)", raw_per_second, "msg/s"),
            Figure(
                "notices sent (claim, SMTP, record)",
                sent_per_second,
                "notices/s",
                raw_per_second,
                "plain smtplib",
            ),
        ],
        details=measured,
    )


def _portfolio_as_of(scale: str) -> str:
    """The day the portfolio was seeded as of: the run is decided on that day."""
    from _portfolio import _marker
    from bench_seed import _database

    config = _database()
    return _marker(config, f"{config['NAME']}_portfolio_{scale}")["as_of"]


if __name__ == "__main__":
    if "--child" in sys.argv:
        _child()
    else:
        result = run(scale=sys.argv[1] if len(sys.argv) > 1 else "small")
        print_result(result)
        save(result)

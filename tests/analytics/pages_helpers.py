"""Rows of the pipeline's tables for the page and API tests (the pipeline itself is
tested by its own suite); each helper writes exactly what it is given."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from analytics.models import ClvMethod, CustomerMetrics, PipelineRun, RunStatus

AS_OF = date(2026, 11, 1)


def metrics_for(customer: Any, **fields: Any) -> CustomerMetrics:
    values: dict[str, Any] = {
        "as_of": AS_OF,
        "computed_at": timezone.now(),
        "base_currency": "USD",
        "clv": Decimal("1000.00"),
        "clv_method": ClvMethod.HISTORIC,
        "rfm_segment": "loyal",
        "r_score": 4,
        "f_score": 4,
        "m_score": 3,
    }
    values.update(fields)
    return CustomerMetrics.objects.create(customer=customer, **values)


def loss_maker(customer: Any, contribution: str, **fields: Any) -> CustomerMetrics:
    return metrics_for(
        customer,
        revenue_net=Decimal("1000.00"),
        cost_of_goods=Decimal("700.00"),
        cost_to_serve=Decimal("250.00"),
        financing_cost=Decimal("100.00"),
        write_offs=Decimal("1000.00")
        - Decimal("700.00")
        - Decimal("250.00")
        - Decimal("100.00")
        - Decimal(contribution),
        contribution=Decimal(contribution),
        is_loss_making=True,
        **fields,
    )


def pipeline_run(*, status: str = RunStatus.RUNNING, done: int = 3, total: int = 4) -> PipelineRun:
    return PipelineRun.objects.create(
        as_of=AS_OF,
        status=status,
        base_currency="USD",
        chunk_size=1000,
        chunks_total=total,
        chunks_done=done,
        customers_total=total * 1000,
        customers_done=done * 1000,
        problems=["2 customers have invoices in GBP without an FX rate"],
    )

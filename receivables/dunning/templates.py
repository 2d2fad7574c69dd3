"""Rendering a level's subject and body (Django template syntax) strictly.

A template may name only the fields listed in ``TEMPLATE_FIELDS``; any other
name raises ``UnknownTemplateField`` instead of silently rendering nothing,
so a typo is caught when the policy is saved, not when customers read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.template import Context, Engine, TemplateSyntaxError

TEMPLATE_FIELDS = (
    "customer.name, customer.code, company_name, run_date, level.position, "
    "invoices (each: number, issue_date, due_date, currency, open_amount, days_past_due), "
    "totals (each: currency, amount)"
)

_ENGINE = Engine(autoescape=False)


class UnknownTemplateField(Exception):
    """A template named a field the notice does not have."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class _Fields:
    """Attribute bag whose unknown attributes raise instead of rendering empty."""

    def __init__(self, label: str, **values: Any) -> None:
        self.__dict__["_label"] = label
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise UnknownTemplateField(f"{self._label}.{name}")


class _StrictContext(Context):
    def __getitem__(self, key: str) -> Any:
        for layer in reversed(self.dicts):
            if key in layer:
                return layer[key]
        raise UnknownTemplateField(key)


@dataclass(frozen=True)
class NoticeLine:
    number: str
    issue_date: date
    due_date: date
    currency: str
    open_amount: Decimal


def notice_context(
    *,
    customer_name: str,
    customer_code: str,
    position: int,
    run_date: date,
    lines: Iterable[NoticeLine],
) -> dict[str, Any]:
    items = [
        _Fields(
            "invoice",
            number=line.number,
            issue_date=line.issue_date,
            due_date=line.due_date,
            currency=line.currency,
            open_amount=line.open_amount,
            days_past_due=max((run_date - line.due_date).days, 0),
        )
        for line in lines
    ]
    totals: dict[str, Decimal] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, Decimal("0")) + item.open_amount
    return {
        "customer": _Fields("customer", name=customer_name, code=customer_code),
        "company_name": settings.CRM_COMPANY_NAME,
        "run_date": run_date,
        "level": _Fields("level", position=position),
        "invoices": items,
        "totals": [
            _Fields("total", currency=currency, amount=amount)
            for currency, amount in sorted(totals.items())
        ],
    }


def sample_context() -> dict[str, Any]:
    """A context with every field, to check templates when they are saved."""
    return notice_context(
        customer_name="Sample Customer",
        customer_code="C-0001",
        position=1,
        run_date=date(2026, 1, 31),
        lines=[
            NoticeLine("INV-1", date(2025, 12, 1), date(2025, 12, 31), "USD", Decimal("100.00"))
        ],
    )


def render(source: str, context: Mapping[str, Any]) -> str:
    """Render ``source``; raises UnknownTemplateField or TemplateSyntaxError."""
    return _ENGINE.from_string(source).render(_StrictContext(dict(context)))


__all__ = ["TEMPLATE_FIELDS", "TemplateSyntaxError", "UnknownTemplateField", "render"]

"""Every per-customer aggregate of a run in one set-based SQL statement.

The statement reads invoices, credit notes, write-offs, dunning notices,
disputes and collector activities once for the whole id range of the run,
converts money to the base currency by joining the FX rates (a VALUES list of
parameters, so PostgreSQL's ``numeric`` keeps it exact), and returns one row
per customer with the exact (unrounded) money figures of DESIGN §8.
:mod:`analytics.pipeline.stage` stores its result for the run.

Payments applied late are not read from the allocations: the ledger keeps each
invoice's ``late_paid_amount_days`` (Σ amount × days applied after the due
date over its active allocations) in step with them, so the invoices' own
aggregate sums it. Joining the 2M allocations to their invoices for it cost
about 0.7 s of the statement (3.1-3.4 s with the join, 2.4-2.7 s without,
alternated on 2M invoices).

A currency without a rate is never taken as 1: that customer's money is NULL
and ``fx_missing`` lists the currencies (comma-separated, possibly repeated,
with empty entries).

Only table names from model metadata and fixed SQL fragments are interpolated
into the statement; every value is a query parameter.
"""

# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import Count

from analytics.pipeline import dialect
from analytics.pipeline.config import PipelineConfig
from customers.models import Customer
from receivables.models import (
    CreditNote,
    Dispute,
    DunningNotice,
    Invoice,
    InvoiceStatus,
    WriteOff,
)
from receivables.models.dunning import DunningNoticeStatus


@dataclass(frozen=True)
class Window:
    as_of: date
    start: date  # exclusive: the window is (start, as_of]

    @classmethod
    def trailing(cls, as_of: date, days: int) -> Window:
        return cls(as_of=as_of, start=as_of - timedelta(days=days))


# Money summed per customer in its currency (per currency for a customer billed in
# several), then converted and added up per customer.
MONEY_COLUMNS = [
    "margin_all",
    "revenue_12m",
    "cogs_12m",
    "late_amount_days",
    "paid_total_12m",
    "open_late_amount_days",
    "paid_late_amount_days",
    "credit_notes_12m",
    "write_offs_12m",
]

# Which source's aggregate each money column comes from (each source summed and
# converted on its own).
SOURCE_MONEY = {
    "invoices": MONEY_COLUMNS[:7],
    "credit_notes": ["credit_notes_12m"],
    "write_offs": ["write_offs_12m"],
}

# Per-customer counts and day spans of the stage (integers).
COUNT_COLUMNS = [
    "invoices_all",
    "invoices_12m",
    "max_days_past_due",
    "recency_days",
    "age_days",
    "active_days",
]

# The columns of the statement's result, in order.
STAGE_COLUMNS = [
    "customer_id",
    *COUNT_COLUMNS,
    "fx_missing",
    "dunning_notices_12m",
    "disputes_12m",
    "activities_12m",
    *MONEY_COLUMNS,
    "revenue_net",
    "margin_12m",
    "cost_to_serve",
    "financing_cost",
    "contribution",
    "weighted_days_late",
]


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict
    problems: list[str]


def customer_aggregates(
    *,
    window: Window,
    config: PipelineConfig,
    rates: dict[str, Decimal],
    first_id: int,
    last_id: int,
) -> Statement:
    """The SELECT of every customer's aggregates with ids in [first_id, last_id]."""
    params: dict = {
        "as_of": dialect.date_param(window.as_of),
        "start": dialect.date_param(window.start),
        "first_id": first_id,
        "last_id": last_id,
        "void": InvoiceStatus.VOID,
        "cogs_rate": config.cost_of_goods_rate,
        "sent": DunningNoticeStatus.SENT,
        "bounced": DunningNoticeStatus.BOUNCED,
        "cost_per_invoice": config.cost_per_invoice,
        "cost_per_notice": config.cost_per_dunning_notice,
        "cost_per_activity": config.cost_per_activity,
        "cost_per_dispute": config.cost_per_dispute,
        # The daily rate as the previous pipeline computed it (a 28-digit Decimal), so the
        # financing cost is the same to the last digit.
        "capital_per_day": config.annual_cost_of_capital / Decimal(365),
    }
    rates_sql = _rates_values(rates, params)
    activities_sql, problems = _activity_counts(window=window, config=config, params=params)
    converted = ",\n".join(
        f"{source}_converted AS ({_converted(source, columns)})"
        for source, columns in SOURCE_MONEY.items()
        if source != "invoices"
    )
    sql = f"""
        WITH {rates_sql},
        invoices AS ({_invoices(per_currency=False)}),
        invoices_mixed AS ({_invoices(per_currency=True)}),
        invoices_mixed_converted AS ({_converted("invoices_mixed", SOURCE_MONEY["invoices"])}),
        invoices_converted AS ({_invoices_converted()}),
        credit_notes AS ({_credit_notes()}),
        write_offs AS ({_write_offs()}),
        {converted},
        notices AS ({_notices()}),
        disputes AS ({_disputes()}),
        activities AS ({activities_sql}),
        base AS ({_base()}),
        costs AS (
            SELECT {", ".join(STAGE_COLUMNS[:-6])},
                   revenue_12m - credit_notes_12m AS revenue_net,
                   revenue_12m - credit_notes_12m - cogs_12m AS margin_12m,
                   {_cost_to_serve()} AS cost_to_serve,
                   {_financing()} AS financing_cost,
                   CASE WHEN paid_total_12m IS NULL OR paid_total_12m = 0 THEN NULL
                        ELSE late_amount_days / paid_total_12m END AS weighted_days_late
              FROM base{dialect.no_flattening()}
        )
        SELECT {", ".join(STAGE_COLUMNS[:-2])},
               margin_12m - cost_to_serve - financing_cost - write_offs_12m AS contribution,
               weighted_days_late
          FROM costs
    """
    return Statement(sql=sql, params=params, problems=problems)


def _rates_values(rates: dict[str, Decimal], params: dict) -> str:
    rows = []
    for index, (currency, rate) in enumerate(sorted(rates.items())):
        params[f"currency_{index}"] = currency
        params[f"rate_{index}"] = rate
        rows.append(f"(%(currency_{index})s, {dialect.exact_number(f'%(rate_{index})s')})")
    return f"rates (currency, rate) AS (VALUES {', '.join(rows)})"


def _invoices(*, per_currency: bool) -> str:
    """The invoices' aggregates: per customer, or per customer and currency.

    Per customer (``per_currency`` False) for every customer of the range, with
    its currency when it has one (``mixed`` 0) and ``mixed`` 1 when it has
    several; per customer and currency (True) only for those ``mixed``
    customers, money only (it reads the per-customer ``invoices`` CTE, so it
    comes after it in the statement). Almost every customer is billed in one
    currency: grouped by customer alone the aggregate needs no sort by currency
    (the invoices come in customer order from the index) and the conversion no
    second grouping (one half of 2M invoices: 1.52 s to 1.29 s for the stage
    statement, alternated six times).
    """
    as_of = dialect.as_date("%(as_of)s")
    cost = (
        f"(CASE WHEN i.cost_of_goods > 0 THEN i.cost_of_goods"
        f" ELSE i.total * {dialect.exact_number('%(cogs_rate)s')} END)"
    )
    in_window = "i.issue_date > %(start)s"
    paid_in_window = "i.paid_date > %(start)s AND i.paid_date <= %(as_of)s"
    overdue = f"i.open_amount > 0 AND i.due_date < {as_of}"
    late_days = dialect.positive(dialect.days_between("i.paid_date", "i.due_date"))
    # FILTER rather than CASE … ELSE 0: half the invoices are older than the window, and
    # adding their zeros to numeric sums cost 0.1-0.15 s of the stage (2M invoices).
    if per_currency:
        key = "i.customer_id, i.currency"
        counts = ""
        mixed_only = "AND i.customer_id IN (SELECT p.customer_id FROM invoices p WHERE p.mixed = 1)"
    else:
        key = "i.customer_id"
        days_past_due = dialect.days_between(as_of, "i.due_date")
        counts = f"""
               MIN(i.currency) AS currency,
               CASE WHEN MIN(i.currency) <> MAX(i.currency) THEN 1 ELSE 0 END AS mixed,
               COUNT(*) AS invoices_all,
               MIN(i.issue_date) AS first_issue,
               MAX(i.issue_date) AS last_issue,
               COUNT(*) FILTER (WHERE {in_window}) AS invoices_12m,
               COALESCE(
                   MAX({days_past_due}) FILTER (WHERE {overdue}), 0
               ) AS max_days_past_due,"""
        mixed_only = ""
    return f"""
        SELECT {key},{counts}
               SUM(i.total - {cost}) AS margin_all,
               COALESCE(SUM(i.total) FILTER (WHERE {in_window}), 0) AS revenue_12m,
               COALESCE(SUM({cost}) FILTER (WHERE {in_window}), 0) AS cogs_12m,
               COALESCE(SUM(i.total * {late_days}) FILTER (WHERE {paid_in_window}), 0)
                   AS late_amount_days,
               COALESCE(SUM(i.total) FILTER (WHERE {paid_in_window}), 0) AS paid_total_12m,
               COALESCE(
                   SUM(i.open_amount * {dialect.days_between(as_of, "i.due_date")})
                       FILTER (WHERE {in_window} AND {overdue}),
                   0
               ) AS open_late_amount_days,
               -- amount * days beyond terms of the payments applied to the window's
               -- invoices, kept by the ledger on each invoice
               COALESCE(SUM(i.late_paid_amount_days) FILTER (WHERE {in_window}), 0)
                   AS paid_late_amount_days
          FROM {Invoice._meta.db_table} i
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND i.status <> %(void)s
           AND i.issue_date <= %(as_of)s
           {mixed_only}
         GROUP BY {key}
    """


def _invoices_converted() -> str:
    """Per customer: the invoices' counts and dates, and their money in the base currency.

    A customer billed in one currency has its sums multiplied by that rate; one
    billed in several takes the sum of its per-currency conversions.
    """
    money = ",\n".join(
        f"CASE WHEN p.mixed = 1 THEN x.{column} ELSE p.{column} * r.rate END AS {column}"
        for column in SOURCE_MONEY["invoices"]
    )
    return f"""
        SELECT p.customer_id, p.invoices_all, p.first_issue, p.last_issue, p.invoices_12m,
               p.max_days_past_due,
               CASE WHEN p.mixed = 1 THEN x.has_fx_missing
                    WHEN r.rate IS NULL THEN 1 ELSE 0 END AS has_fx_missing,
               CASE WHEN p.mixed = 1 THEN x.fx_missing
                    WHEN r.rate IS NULL THEN p.currency END AS fx_missing,
               {money}
          FROM invoices p
          LEFT JOIN rates r ON r.currency = p.currency
          LEFT JOIN invoices_mixed_converted x ON x.customer_id = p.customer_id
    """


def _credit_notes() -> str:
    return f"""
        SELECT c.customer_id, c.currency, SUM(c.amount) AS credit_notes_12m
          FROM {CreditNote._meta.db_table} c
         WHERE c.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND c.issue_date > %(start)s AND c.issue_date <= %(as_of)s
         GROUP BY c.customer_id, c.currency
    """


def _write_offs() -> str:
    return f"""
        SELECT i.customer_id, i.currency, SUM(w.amount) AS write_offs_12m
          FROM {WriteOff._meta.db_table} w
          JOIN {Invoice._meta.db_table} i ON i.id = w.invoice_id
         WHERE i.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND w.written_off_on > %(start)s AND w.written_off_on <= %(as_of)s
         GROUP BY i.customer_id, i.currency
    """


def _converted(source: str, columns: list[str]) -> str:
    """Per customer: one source's money converted with the rate of its currency, and added up.

    Each source is converted on its own (rather than all of them stacked in one
    shape, zeros elsewhere, then grouped): almost every customer has one
    currency, and the stacked form summed nine numeric columns over 212,000
    rows where these sum about 700,000 values in all. A currency without a rate
    gives NULL money and is listed in ``fx_missing``.
    """
    money = ",\n".join(f"SUM(m.{column} * r.rate) AS {column}" for column in columns)
    return f"""
        SELECT m.customer_id,
               {dialect.any_true("r.rate IS NULL")} AS has_fx_missing,
               {dialect.comma_list("CASE WHEN r.rate IS NULL THEN m.currency END")}
                   AS fx_missing,
               {money}
          FROM {source} m
          LEFT JOIN rates r ON r.currency = m.currency
         GROUP BY m.customer_id
    """


def _notices() -> str:
    return f"""
        SELECT n.customer_id, COUNT(*) AS dunning_notices_12m
          FROM {DunningNotice._meta.db_table} n
         WHERE n.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND n.run_date > %(start)s AND n.run_date <= %(as_of)s
           AND n.status IN (%(sent)s, %(bounced)s)
         GROUP BY n.customer_id
    """


def _disputes() -> str:
    """Disputes opened in the window, per customer (kept on each dispute, by its index)."""
    return f"""
        SELECT d.customer_id, COUNT(*) AS disputes_12m
          FROM {Dispute._meta.db_table} d
         WHERE d.customer_id BETWEEN %(first_id)s AND %(last_id)s
           AND d.opened_on > %(start)s AND d.opened_on <= %(as_of)s
         GROUP BY d.customer_id
    """


def _activity_counts(*, window: Window, config: PipelineConfig, params: dict) -> tuple[str, list]:
    """The collector activities per customer, as SQL built by the ORM (the model is a setting).

    Returns the SELECT (an empty one when none is configured) and the problems met.
    """
    none = "SELECT CAST(NULL AS BIGINT) AS customer_id, 0 AS activities_12m WHERE 1 = 0"
    if not config.activity_model:
        return none, []
    try:
        model = apps.get_model(config.activity_model)
    except (LookupError, ValueError):
        return none, [
            f"Collector activities not counted in cost to serve: ANALYTICS_ACTIVITY_MODEL"
            f" {config.activity_model!r} is not a model."
        ]
    lookup = config.activity_date_field
    if model._meta.get_field(lookup).get_internal_type() == "DateTimeField":
        lookup += "__date"
    activities = model.objects.order_by().filter(
        customer_id__gte=params["first_id"],
        customer_id__lte=params["last_id"],
        **{f"{lookup}__gt": window.start, f"{lookup}__lte": window.as_of},
    )
    if config.activity_kinds and any(f.name == "kind" for f in model._meta.fields):
        activities = activities.filter(kind__in=config.activity_kinds)
    query = activities.values("customer_id").annotate(activities_12m=Count("pk")).query
    sql, values = query.sql_with_params()
    names = []
    for index, value in enumerate(values):
        params[f"activity_{index}"] = value
        names.append(f"%(activity_{index})s")
    # The ORM's SQL has positional placeholders ("%s", literal "%" as "%%"): make them named.
    return sql.replace("%%", "%%%%") % tuple(names), []


def _base() -> str:
    """One row per customer of the range; money NULL where a currency has no FX rate."""
    as_of = dialect.as_date("%(as_of)s")
    aliases = {"invoices": "vi", "credit_notes": "vc", "write_offs": "vw"}
    fx_missing_any = dialect.greatest(
        *(f"COALESCE({alias}.has_fx_missing, 0)" for alias in aliases.values())
    )
    fx_missing_list = " || ".join(
        f"COALESCE({alias}.fx_missing || ',', '')" for alias in aliases.values()
    )
    money = ",\n".join(
        # Customers without invoices have nothing to convert: their money is zero.
        f"CASE WHEN {fx_missing_any} = 1 THEN"
        f" (CASE WHEN COALESCE(vi.invoices_all, 0) = 0 THEN 0 END)"
        f" ELSE COALESCE({aliases[source]}.{column}, 0) END AS {column}"
        for source, columns in SOURCE_MONEY.items()
        for column in columns
    )
    joins = "\n".join(
        f"LEFT JOIN {source}_converted {alias} ON {alias}.customer_id = c.id"
        for source, alias in aliases.items()
    )
    return f"""
        SELECT c.id AS customer_id,
               COALESCE(vi.invoices_all, 0) AS invoices_all,
               COALESCE(vi.invoices_12m, 0) AS invoices_12m,
               COALESCE(vi.max_days_past_due, 0) AS max_days_past_due,
               {dialect.days_between(as_of, "vi.last_issue")} AS recency_days,
               {dialect.days_between(as_of, "vi.first_issue")} AS age_days,
               {dialect.days_between("vi.last_issue", "vi.first_issue")} AS active_days,
               NULLIF({fx_missing_list}, '') AS fx_missing,
               COALESCE(n.dunning_notices_12m, 0) AS dunning_notices_12m,
               COALESCE(d.disputes_12m, 0) AS disputes_12m,
               COALESCE(a.activities_12m, 0) AS activities_12m,
               {money}
          FROM {Customer._meta.db_table} c
          {joins}
          LEFT JOIN notices n ON n.customer_id = c.id
          LEFT JOIN disputes d ON d.customer_id = c.id
          LEFT JOIN activities a ON a.customer_id = c.id
         WHERE c.id BETWEEN %(first_id)s AND %(last_id)s
    """


def _cost_to_serve() -> str:
    number = dialect.exact_number
    return (
        f"invoices_12m * {number('%(cost_per_invoice)s')}"
        f" + dunning_notices_12m * {number('%(cost_per_notice)s')}"
        f" + activities_12m * {number('%(cost_per_activity)s')}"
        f" + disputes_12m * {number('%(cost_per_dispute)s')}"
    )


def _financing() -> str:
    return (
        f"(paid_late_amount_days + open_late_amount_days)"
        f" * {dialect.exact_number('%(capital_per_day)s')}"
    )

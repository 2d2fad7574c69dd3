"""Invariants of a generated portfolio, each an SQL query counting the rows that break it.

Sums are compared after ROUND(..., 2): SQLite keeps decimals as floats.
The queries are built from model table names only, never from input.
"""

# ruff: noqa: S608

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from credit.models import CreditProfile
from crm import roles
from customers.models import Contact, Customer
from receivables.models import Allocation, CreditNote, Dispute, Invoice, Payment, WriteOff

CUSTOMER = Customer._meta.db_table
CONTACT = Contact._meta.db_table
PROFILE = CreditProfile._meta.db_table
INVOICE = Invoice._meta.db_table
PAYMENT = Payment._meta.db_table
ALLOCATION = Allocation._meta.db_table
CREDIT_NOTE = CreditNote._meta.db_table
WRITE_OFF = WriteOff._meta.db_table
DISPUTE = Dispute._meta.db_table
MEMBERSHIP = get_user_model().groups.through._meta.db_table
GROUP = Group._meta.db_table

_ACTIVE = f"(SELECT invoice_id, payment_id, amount FROM {ALLOCATION} WHERE unapplied_at IS NULL)"
_DAYS_LATE = (
    "(a.allocated_on - i.due_date)"
    if connection.vendor == "postgresql"
    else "CAST(julianday(a.allocated_on) - julianday(i.due_date) AS INTEGER)"
)

INVARIANTS: dict[str, str] = {
    "invoice amount_paid is the sum of its active allocations": f"""
        SELECT COUNT(*) FROM {INVOICE} i
        LEFT JOIN (SELECT invoice_id, SUM(amount) AS total FROM {_ACTIVE} a GROUP BY invoice_id) s
          ON s.invoice_id = i.id
        WHERE ROUND(i.amount_paid - COALESCE(s.total, 0), 2) <> 0""",
    "payment amount_allocated is the sum of its active allocations": f"""
        SELECT COUNT(*) FROM {PAYMENT} p
        LEFT JOIN (SELECT payment_id, SUM(amount) AS total FROM {_ACTIVE} a GROUP BY payment_id) s
          ON s.payment_id = p.id
        WHERE ROUND(p.amount_allocated - COALESCE(s.total, 0), 2) <> 0""",
    "invoice amount_credited is the sum of its credit notes": f"""
        SELECT COUNT(*) FROM {INVOICE} i
        LEFT JOIN (SELECT invoice_id, SUM(amount) AS total FROM {CREDIT_NOTE}
                   WHERE invoice_id IS NOT NULL GROUP BY invoice_id) s ON s.invoice_id = i.id
        WHERE ROUND(i.amount_credited - COALESCE(s.total, 0), 2) <> 0""",
    "invoice amount_written_off is the sum of its write-offs": f"""
        SELECT COUNT(*) FROM {INVOICE} i
        LEFT JOIN (SELECT invoice_id, SUM(amount) AS total FROM {WRITE_OFF} GROUP BY invoice_id) s
          ON s.invoice_id = i.id
        WHERE ROUND(i.amount_written_off - COALESCE(s.total, 0), 2) <> 0""",
    "invoice late_paid_amount_days is amount × days late of its active allocations": f"""
        SELECT COUNT(*) FROM {INVOICE} v
        LEFT JOIN (SELECT a.invoice_id, SUM(a.amount * {_DAYS_LATE}) AS total
                     FROM {ALLOCATION} a JOIN {INVOICE} i ON i.id = a.invoice_id
                    WHERE a.unapplied_at IS NULL AND a.allocated_on > i.due_date
                    GROUP BY a.invoice_id) s ON s.invoice_id = v.id
        WHERE ROUND(v.late_paid_amount_days - COALESCE(s.total, 0), 2) <> 0""",
    "open amount is total minus paid, credited and written off": f"""
        SELECT COUNT(*) FROM {INVOICE} WHERE status <> 'void'
          AND ROUND(total - amount_paid - amount_credited - amount_written_off - open_amount, 2) <> 0""",
    "void invoices carry no amounts": f"""
        SELECT COUNT(*) FROM {INVOICE} WHERE status = 'void' AND (open_amount <> 0
          OR amount_paid <> 0 OR amount_credited <> 0 OR amount_written_off <> 0)""",
    "status follows from the amounts": f"""
        SELECT COUNT(*) FROM {INVOICE} WHERE status <> CASE
          WHEN status = 'void' THEN 'void'
          WHEN open_amount = 0 AND amount_written_off > 0 THEN 'written_off'
          WHEN open_amount = 0 THEN 'paid'
          WHEN amount_paid > 0 OR amount_credited > 0 THEN 'partially_paid'
          ELSE 'open' END""",
    "paid_date is set exactly on settled invoices": f"""
        SELECT COUNT(*) FROM {INVOICE}
        WHERE (status IN ('paid', 'written_off') AND paid_date IS NULL)
           OR (status NOT IN ('paid', 'written_off') AND paid_date IS NOT NULL)""",
    "a paid invoice is settled on the day of its last payment": f"""
        SELECT COUNT(*) FROM {INVOICE} i WHERE i.status = 'paid' AND i.paid_date <>
          (SELECT MAX(allocated_on) FROM {ALLOCATION} a
           WHERE a.invoice_id = i.id AND a.unapplied_at IS NULL)""",
    "a written-off invoice is settled on the day of its write-off": f"""
        SELECT COUNT(*) FROM {INVOICE} i WHERE i.status = 'written_off' AND i.paid_date <>
          (SELECT MAX(written_off_on) FROM {WRITE_OFF} w WHERE w.invoice_id = i.id)""",
    "is_disputed is set exactly when a dispute is open": f"""
        SELECT COUNT(*) FROM {INVOICE} i WHERE
          (i.is_disputed AND NOT EXISTS (SELECT 1 FROM {DISPUTE} d
                                         WHERE d.invoice_id = i.id AND d.status = 'open'))
          OR (NOT i.is_disputed AND EXISTS (SELECT 1 FROM {DISPUTE} d
                                            WHERE d.invoice_id = i.id AND d.status = 'open'))""",
    "open disputes are on unsettled invoices": f"""
        SELECT COUNT(*) FROM {DISPUTE} d JOIN {INVOICE} i ON i.id = d.invoice_id
        WHERE d.status = 'open' AND (i.open_amount <= 0 OR i.status IN ('void', 'written_off'))""",
    "a dispute names its invoice's customer": f"""
        SELECT COUNT(*) FROM {DISPUTE} d JOIN {INVOICE} i ON i.id = d.invoice_id
        WHERE d.customer_id <> i.customer_id""",
    "resolved disputes have a resolution after they were opened": f"""
        SELECT COUNT(*) FROM {DISPUTE} WHERE status = 'resolved'
          AND (resolved_on IS NULL OR resolved_on < opened_on OR resolution = '')""",
    "allocations stay within one customer and currency, on the payment's day": f"""
        SELECT COUNT(*) FROM {ALLOCATION} a
        JOIN {PAYMENT} p ON p.id = a.payment_id JOIN {INVOICE} i ON i.id = a.invoice_id
        WHERE p.customer_id <> i.customer_id OR p.currency <> i.currency
           OR a.allocated_on <> p.received_date OR a.allocated_on < i.issue_date""",
    "bounced payments have nothing allocated": f"""
        SELECT COUNT(*) FROM {PAYMENT} p WHERE p.status = 'bounced' AND (p.amount_allocated <> 0
          OR EXISTS (SELECT 1 FROM {ALLOCATION} a WHERE a.payment_id = p.id))""",
    "nothing is applied to void invoices": f"""
        SELECT COUNT(*) FROM {INVOICE} i WHERE i.status = 'void' AND (
          EXISTS (SELECT 1 FROM {ALLOCATION} a WHERE a.invoice_id = i.id)
          OR EXISTS (SELECT 1 FROM {CREDIT_NOTE} c WHERE c.invoice_id = i.id)
          OR EXISTS (SELECT 1 FROM {WRITE_OFF} w WHERE w.invoice_id = i.id)
          OR EXISTS (SELECT 1 FROM {DISPUTE} d WHERE d.invoice_id = i.id))""",
    "documents are in their customer's currency": f"""
        SELECT (SELECT COUNT(*) FROM {INVOICE} x JOIN {CUSTOMER} c ON c.id = x.customer_id
                WHERE x.currency <> c.currency)
             + (SELECT COUNT(*) FROM {PAYMENT} x JOIN {CUSTOMER} c ON c.id = x.customer_id
                WHERE x.currency <> c.currency)
             + (SELECT COUNT(*) FROM {CREDIT_NOTE} x JOIN {CUSTOMER} c ON c.id = x.customer_id
                WHERE x.currency <> c.currency)
             + (SELECT COUNT(*) FROM {PROFILE} x JOIN {CUSTOMER} c ON c.id = x.customer_id
                WHERE x.currency <> c.currency)""",
    "credit notes on an invoice belong to the invoice's customer": f"""
        SELECT COUNT(*) FROM {CREDIT_NOTE} n JOIN {INVOICE} i ON i.id = n.invoice_id
        WHERE n.customer_id <> i.customer_id""",
    "every customer has one credit profile with a limit in thousands": f"""
        SELECT COUNT(*) FROM {CUSTOMER} c LEFT JOIN {PROFILE} p ON p.customer_id = c.id
        WHERE p.id IS NULL OR p.credit_limit < 1000
           OR ROUND(p.credit_limit / 1000, 0) * 1000 <> p.credit_limit""",
    "holds have a reason and a start": f"""
        SELECT COUNT(*) FROM {PROFILE} WHERE (is_on_hold AND (hold_reason = '' OR hold_since IS NULL))
           OR (NOT is_on_hold AND (hold_reason <> '' OR hold_since IS NOT NULL))""",
    "customers have at most one billing contact, with an e-mail": f"""
        SELECT (SELECT COUNT(*) FROM {CONTACT} WHERE is_billing AND email = '')
             + (SELECT COUNT(*) FROM (SELECT customer_id FROM {CONTACT} WHERE is_billing
                                      GROUP BY customer_id HAVING COUNT(*) > 1) t)""",
    "customers belong to a sales rep": f"""
        SELECT COUNT(*) FROM {CUSTOMER} c WHERE c.sales_rep_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM {MEMBERSHIP} m JOIN {GROUP} g ON g.id = m.group_id
          WHERE m.user_id = c.sales_rep_id AND g.name = '{roles.SALES_REP}')""",
}

# Events dated on or after the as-of day have not happened yet.
DATED_BEFORE_AS_OF: dict[str, str] = {
    "invoices": f"SELECT COUNT(*) FROM {INVOICE} WHERE issue_date >= %s OR paid_date >= %s",
    "payments": f"SELECT COUNT(*) FROM {PAYMENT} WHERE received_date >= %s OR received_date >= %s",
    "credit notes": f"SELECT COUNT(*) FROM {CREDIT_NOTE} WHERE issue_date >= %s OR issue_date >= %s",
    "write-offs": f"SELECT COUNT(*) FROM {WRITE_OFF} WHERE written_off_on >= %s OR written_off_on >= %s",
    "disputes": f"SELECT COUNT(*) FROM {DISPUTE} WHERE opened_on >= %s OR resolved_on >= %s",
}


def count(sql: str, params: list | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return int(cursor.fetchone()[0])


def dated_on_or_after(as_of: date) -> dict[str, int]:
    return {name: count(sql, [as_of, as_of]) for name, sql in DATED_BEFORE_AS_OF.items()}

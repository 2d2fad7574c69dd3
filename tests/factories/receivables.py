import datetime
from decimal import Decimal

import factory

from receivables.models import (
    ActivityKind,
    Allocation,
    CollectionActivity,
    CollectionCase,
    CreditNote,
    CustomerDunningPolicy,
    Dispute,
    DunningLevel,
    DunningNotice,
    DunningNoticeInvoice,
    DunningNoticeStatus,
    DunningPolicy,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    PromiseToPay,
    WriteOff,
)
from receivables.services.balances import balance_apply_change
from tests.factories.customers import CustomerFactory


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An open invoice with nothing settled; use the services to settle it."""

    class Meta:
        model = Invoice
        skip_postgeneration_save = True

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"INV-{n:08d}")
    issue_date = datetime.date(2026, 9, 1)
    due_date = factory.LazyAttribute(
        lambda invoice: invoice.issue_date + datetime.timedelta(days=30)
    )
    currency = factory.LazyAttribute(lambda invoice: invoice.customer.currency)
    total = Decimal("1000.00")
    cost_of_goods = Decimal("600.00")
    open_amount = factory.LazyAttribute(lambda invoice: invoice.total)
    status = InvoiceStatus.OPEN

    @factory.post_generation
    def balance(self, create, extracted, **kwargs):
        """Keep the customer's maintained balance in step, as invoice_create does."""
        if create:
            balance_apply_change(invoice=self, delta=self.open_amount)


class PaymentFactory(factory.django.DjangoModelFactory):
    """A received payment with nothing applied yet."""

    class Meta:
        model = Payment

    customer = factory.SubFactory(CustomerFactory)
    received_date = datetime.date(2026, 10, 1)
    amount = Decimal("1000.00")
    currency = factory.LazyAttribute(lambda payment: payment.customer.currency)
    method = PaymentMethod.BANK_TRANSFER
    reference = factory.Sequence(lambda n: f"REF{n:08d}")


class AllocationFactory(factory.django.DjangoModelFactory):
    """A bare allocation row; it does not update the maintained amounts (use
    ``receivables.services.allocation_create`` for that)."""

    class Meta:
        model = Allocation

    payment = factory.SubFactory(PaymentFactory)
    invoice = factory.SubFactory(
        InvoiceFactory, customer=factory.SelfAttribute("..payment.customer")
    )
    amount = Decimal("100.00")
    allocated_on = datetime.date(2026, 10, 1)


class CreditNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditNote

    customer = factory.SubFactory(CustomerFactory)
    invoice = None
    number = factory.Sequence(lambda n: f"CN-{n:08d}")
    issue_date = datetime.date(2026, 10, 1)
    currency = factory.LazyAttribute(lambda note: note.customer.currency)
    amount = Decimal("50.00")
    reason = "Damaged goods"


class WriteOffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WriteOff

    invoice = factory.SubFactory(InvoiceFactory)
    amount = Decimal("10.00")
    written_off_on = datetime.date(2026, 11, 1)
    reason = "Uncollectable small balance"


class DisputeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dispute

    invoice = factory.SubFactory(InvoiceFactory)
    customer = factory.LazyAttribute(lambda dispute: dispute.invoice.customer)
    reason = "Quantity delivered does not match"
    opened_on = datetime.date(2026, 10, 5)


class PromiseToPayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromiseToPay

    customer = factory.SubFactory(CustomerFactory)
    amount = Decimal("500.00")
    currency = factory.LazyAttribute(lambda promise: promise.customer.currency)
    made_on = datetime.date(2026, 10, 1)
    promised_date = datetime.date(2026, 10, 15)


class DunningPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DunningPolicy

    name = factory.Sequence(lambda n: f"Policy {n}")
    description = "Test cadence"


class DunningLevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DunningLevel

    policy = factory.SubFactory(DunningPolicyFactory)
    position = 1
    offset_days = 7
    subject_en = "Reminder for {{ customer.name }}"
    body_en = "{% for i in invoices %}{{ i.number }} {{ i.open_amount }}\n{% endfor %}"


class CustomerDunningPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerDunningPolicy

    customer = factory.SubFactory(CustomerFactory)
    policy = factory.SubFactory(DunningPolicyFactory)


class DunningNoticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DunningNotice

    customer = factory.SubFactory(CustomerFactory)
    level = factory.SubFactory(DunningLevelFactory)
    run_date = datetime.date(2026, 10, 8)
    status = DunningNoticeStatus.QUEUED
    idempotency_key = factory.LazyAttribute(
        lambda notice: f"dunning:{notice.customer.pk}:{notice.level.pk}:{notice.run_date}"
    )


class DunningNoticeInvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DunningNoticeInvoice

    notice = factory.SubFactory(DunningNoticeFactory)
    invoice = factory.SubFactory(
        InvoiceFactory, customer=factory.SelfAttribute("..notice.customer")
    )
    open_amount_at_notice = Decimal("1000.00")


# --- Collections worklist (#4) ---------------------------------------------------


class CollectionCaseFactory(factory.django.DjangoModelFactory):
    """An unassigned case (claim it through the services)."""

    class Meta:
        model = CollectionCase

    customer = factory.SubFactory(CustomerFactory)
    next_follow_up_on = datetime.date(2026, 10, 15)


class CollectionActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CollectionActivity

    customer = factory.SubFactory(CustomerFactory)
    kind = ActivityKind.CALL
    outcome = "Spoke to accounts payable; payment run on Friday"

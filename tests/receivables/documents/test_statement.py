import datetime
import shutil
import subprocess
from decimal import Decimal

import pytest

from customers.models import Language
from receivables.models import PaymentStatus
from receivables.services import allocation_create
from receivables.statements import statement_data, statement_html, statement_pdf
from tests.factories.customers import ContactFactory, CustomerFactory
from tests.factories.receivables import CreditNoteFactory, InvoiceFactory, PaymentFactory

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2026, 11, 23)


def _customer(language=Language.ENGLISH):
    customer = CustomerFactory(
        name="上海示例贸易有限公司" if language != "en" else "Acme GmbH", language=language
    )
    ContactFactory(
        customer=customer,
        name="王芳" if language != "en" else "Anna Schmidt",
        email="ap@example.com",
    )
    late = InvoiceFactory(customer=customer, number="INV-LATE", total=Decimal("1500.00"),
                          issue_date=datetime.date(2026, 8, 1), due_date=datetime.date(2026, 8, 31))  # fmt: skip
    InvoiceFactory(customer=customer, number="INV-NEW", total=Decimal("200.25"),
                   issue_date=datetime.date(2026, 11, 1), due_date=datetime.date(2026, 12, 1))  # fmt: skip
    payment = PaymentFactory(customer=customer, amount=Decimal("500.00"), received_date=datetime.date(2026, 10, 15),
                             reference="WIRE-77")  # fmt: skip
    allocation_create(
        payment=payment, invoice=late, amount="500.00", allocated_on=datetime.date(2026, 10, 15)
    )
    return customer


def test_statement_data_lists_open_items_aging_and_payments_of_the_period():
    customer = _customer()
    data = statement_data(customer=customer, as_of=AS_OF)
    assert [(line.invoice.number, line.days_past_due) for line in data.lines] == [
        ("INV-LATE", 84),
        ("INV-NEW", 0),
    ]
    assert data.totals == {"USD": Decimal("1200.25")}
    assert data.overdue == {"USD": Decimal("1000.00")}
    assert dict(data.aging)["Current"] == {"USD": Decimal("200.25")}
    assert dict(data.aging)["61–90"] == {"USD": Decimal("1000.00")}
    assert [p.reference for p in data.payments] == ["WIRE-77"]


def test_english_statement_html_has_the_sections():
    html = statement_html(statement_data(customer=_customer(), as_of=AS_OF))
    for text in (
        "Statement of account",
        "Acme GmbH",
        "Anna Schmidt",
        "INV-LATE",
        "1,000.00",
        "WIRE-77",
        "How to pay",
    ):
        assert text in html


def test_chinese_statement_is_translated():
    html = statement_html(
        statement_data(customer=_customer(Language.SIMPLIFIED_CHINESE), as_of=AS_OF)
    )
    assert "对账单" in html
    assert "上海示例贸易有限公司" in html
    assert "Statement of account" not in html


def _has_cjk_font() -> bool:
    if shutil.which("fc-list") is None:
        return False
    listing = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=False)
    return bool(listing.stdout.strip())


@pytest.mark.skipif(
    shutil.which("pdffonts") is None, reason="needs poppler-utils (pdffonts) to inspect the PDF"
)
@pytest.mark.skipif(
    not _has_cjk_font(), reason="needs a CJK font: apt-get install fonts-noto-cjk (.ci/run does)"
)
def test_chinese_statement_pdf_embeds_a_cjk_font_so_glyphs_render():
    # given
    pdf = statement_pdf(
        statement_data(customer=_customer(Language.SIMPLIFIED_CHINESE), as_of=AS_OF)
    )
    # when
    fonts = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    # then: the Chinese text is set in a CJK font, not missing-glyph boxes
    assert pdf.startswith(b"%PDF")
    assert "CJK" in fonts or "WenQuanYi" in fonts, fonts
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "上海示例贸易有限公司" in text


def test_statement_download_is_a_pdf_for_visible_customers_only(client):
    from crm import roles
    from tests.factories.accounts import UserFactory

    customer = _customer()
    rep = UserFactory(roles=[roles.SALES_REP])
    client.force_login(rep)
    assert client.get(f"/receivables/customers/{customer.pk}/statement.pdf").status_code == 404
    client.force_login(UserFactory(roles=[roles.COLLECTIONS_CLERK]))
    response = client.get(f"/receivables/customers/{customer.pk}/statement.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_batch_task_stores_one_statement_per_customer(settings):
    from django.core.files.storage import default_storage

    from receivables.tasks import statements_render

    customers = [_customer(), CustomerFactory()]
    rendered = statements_render.delay(
        customer_ids=[c.pk for c in customers], as_of="2026-11-23"
    ).get()
    assert rendered == 2
    for customer in customers:
        assert (
            default_storage.open(f"statements/2026-11-23/{customer.code}.pdf")
            .read()
            .startswith(b"%PDF")
        )


def test_a_statement_for_a_past_date_shows_what_was_open_then():
    # given: the late invoice was partly paid on 2026-10-15 (see _customer)
    customer = _customer()
    # when
    before_payment = statement_data(customer=customer, as_of=datetime.date(2026, 10, 1))
    # then: the full 1500.00 was open, and the November invoice did not exist yet
    assert [(line.invoice.number, line.invoice.open_amount) for line in before_payment.lines] == [
        ("INV-LATE", Decimal("1500.00"))
    ]
    assert before_payment.totals == {"USD": Decimal("1500.00")}


def test_the_balance_due_is_the_open_items_less_the_credit_on_account():
    # given: 1200.25 open (see _customer), a payment of 300.00 of which 100.00 was
    # applied, a customer credit note of 50.00, and a bounced payment (no credit)
    customer = _customer()
    partly = PaymentFactory(customer=customer, amount=Decimal("300.00"), reference="WIRE-88",
                            received_date=datetime.date(2026, 11, 10))  # fmt: skip
    new = customer.invoices.get(number="INV-NEW")
    allocation_create(payment=partly, invoice=new, amount="100.00",
                      allocated_on=datetime.date(2026, 11, 10))  # fmt: skip
    CreditNoteFactory(customer=customer, number="CN-1", amount=Decimal("50.00"),
                      issue_date=datetime.date(2026, 11, 12))  # fmt: skip
    PaymentFactory(customer=customer, amount=Decimal("999.00"), status=PaymentStatus.BOUNCED,
                   received_date=datetime.date(2026, 11, 11))  # fmt: skip
    # when
    data = statement_data(customer=customer, as_of=AS_OF)
    # then
    assert [(c.kind, c.reference, c.amount) for c in data.credits] == [
        ("payment", "WIRE-88", Decimal("200.00")),
        ("credit_note", "CN-1", Decimal("50.00")),
    ]
    assert data.totals == {"USD": Decimal("1100.25")}
    assert data.credit_totals == {"USD": Decimal("250.00")}
    assert [(b.currency, b.balance) for b in data.balances] == [("USD", Decimal("850.25"))]
    html = statement_html(data)
    for text in ("Credit on account", "Payment not yet applied", "CN-1", "Balance due", "850.25"):
        assert text in html


def test_a_statement_for_a_past_date_counts_the_credit_as_it_stood_then():
    # given: a payment received on 2026-11-10 and applied in full on 2026-11-20
    customer = _customer()
    payment = PaymentFactory(customer=customer, amount=Decimal("200.25"),
                             received_date=datetime.date(2026, 11, 10))  # fmt: skip
    allocation_create(payment=payment, invoice=customer.invoices.get(number="INV-NEW"),
                      amount="200.25", allocated_on=datetime.date(2026, 11, 20))  # fmt: skip
    # when
    before = statement_data(customer=customer, as_of=datetime.date(2026, 11, 15))
    after = statement_data(customer=customer, as_of=AS_OF)
    # then: unapplied on the 15th, nothing on account once applied
    assert [(c.reference, c.amount) for c in before.credits] == [
        (payment.reference, payment.amount)
    ]
    assert [(b.open_total, b.credit, b.balance) for b in before.balances] == [
        (Decimal("1200.25"), Decimal("200.25"), Decimal("1000.00"))
    ]
    assert after.credits == []
    assert [(b.open_total, b.credit, b.balance) for b in after.balances] == [
        (Decimal("1000.00"), Decimal("0.00"), Decimal("1000.00"))
    ]


def test_a_customer_in_credit_reads_the_balance_in_their_favour():
    # given: nothing open, a customer credit note of 75.00
    customer = CustomerFactory()
    CreditNoteFactory(
        customer=customer, amount=Decimal("75.00"), issue_date=datetime.date(2026, 11, 1)
    )
    # when
    data = statement_data(customer=customer, as_of=AS_OF)
    # then
    line = data.balances[0]
    assert (line.balance, line.in_customers_favour, line.magnitude) == (
        Decimal("-75.00"), True, Decimal("75.00"),
    )  # fmt: skip
    assert "75.00 (in your favour)" in statement_html(data)


def test_the_chinese_statement_translates_the_credit_section():
    customer = _customer(Language.SIMPLIFIED_CHINESE)
    CreditNoteFactory(
        customer=customer, amount=Decimal("50.00"), issue_date=datetime.date(2026, 11, 1)
    )
    html = statement_html(statement_data(customer=customer, as_of=AS_OF))
    assert "账户贷方余额" in html
    assert "应付余额" in html
    assert "Credit on account" not in html

import datetime

import factory

from customers.models import Contact, Customer, CustomerStatus, Industry, Region, SalesChannel


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    code = factory.Sequence(lambda n: f"C{n:06d}")
    name = factory.Sequence(lambda n: f"Customer {n} Ltd.")
    tax_id = factory.Sequence(lambda n: f"TAX{n:08d}")
    industry = Industry.MANUFACTURING
    region = Region.EUROPE
    country = "DE"
    sales_channel = SalesChannel.DIRECT
    currency = "USD"
    payment_terms_days = 30
    status = CustomerStatus.ACTIVE
    customer_since = datetime.date(2024, 1, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    customer = factory.SubFactory(CustomerFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"billing{n}@customer.example.com")
    phone = "+49 30 1234567"
    is_billing = True

"""The back office for customers and contacts.

Built on the shared admin plumbing in ``crm.admin``: writes go through the
customer services (a refusal is shown on the form, nothing is written), rows
are scoped to the customers the user may see, and big tables are not counted
with ``COUNT(*)``. Other apps add actions to the customer list through
``crm.admin.contribute_actions`` (e.g. receivables' statements), so this module
depends on none of them.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin

from crm import roles
from crm.admin import (
    BigTableMixin,
    ImportExportPermissionsMixin,
    RowActionsMixin,
    RowScopedMixin,
    ServiceInlineMixin,
    ServiceRefused,
    ServiceWritesMixin,
    money,
)
from crm.exceptions import ApplicationError
from customers.models import Contact, Customer
from customers.resources import CustomerResource
from customers.selectors import (
    customer_list,
    customer_list_with_balances,
    customer_visibility_q,
    user_sees_all_customers,
)
from customers.services import contact_create, contact_update, customer_create, customer_update


class CustomerScopedMixin(RowScopedMixin):
    """Only rows of customers the user may see: all, or a sales rep's own.

    ``scope_path`` leads from the model to its customer (``""`` for Customer).
    """

    scope_q = staticmethod(customer_visibility_q)
    scope_path = "customer__"
    scope_model = Customer
    scope_choices = staticmethod(customer_list)


_CUSTOMER_FIELDS = (
    "code", "name", "external_id", "tax_id", "industry", "region", "country", "sales_channel",
    "currency", "payment_terms_days", "language", "sales_rep", "status", "customer_since",
)  # fmt: skip
_CUSTOMER_UPDATABLE = frozenset(_CUSTOMER_FIELDS) - {"code"}
_CONTACT_FIELDS = ("name", "job_title", "email", "phone", "is_billing")
_CONTACT_UPDATABLE = frozenset((*_CONTACT_FIELDS, "is_email_valid"))


def _contact_save(*, customer: Customer, form: forms.ModelForm) -> Contact:
    data = form.cleaned_data
    if form.instance.pk is None:
        return contact_create(
            customer=customer, **{name: data[name] for name in _CONTACT_FIELDS if name in data}
        )
    changed = {name: data[name] for name in form.changed_data if name in _CONTACT_UPDATABLE}
    return contact_update(contact=form.instance, data=changed)


class SalesRepFilter(admin.SimpleListFilter):
    title = _("sales rep")
    parameter_name = "sales_rep"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        reps = get_user_model().objects.filter(groups__name=roles.SALES_REP).order_by("username")
        return [("none", _("No sales rep")), *((str(rep.pk), rep.get_username()) for rep in reps)]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "none":
            return queryset.filter(sales_rep__isnull=True)
        if self.value() and self.value().isdigit():
            return queryset.filter(sales_rep_id=int(self.value()))
        return queryset


class ContactInline(ServiceInlineMixin, admin.TabularInline):
    model = Contact
    fields = ("name", "job_title", "email", "phone", "is_billing", "is_email_valid")
    readonly_fields = ("is_email_valid",)
    extra = 0
    can_delete = False  # there is no service to delete a contact yet
    show_change_link = True


@admin.register(Customer)
class CustomerAdmin(
    RowActionsMixin,
    ServiceWritesMixin,
    BigTableMixin,
    ImportExportPermissionsMixin,
    ImportExportModelAdmin,
):
    resource_classes = [CustomerResource]
    import_updates_rows = True
    list_display = (
        "code", "name", "region", "tier", "status", "sales_rep", "open_balance", "overdue_amount",
    )  # fmt: skip
    list_display_links = ("code", "name")
    list_filter = ("status", "tier", "region", "industry", "sales_channel", "currency")
    search_fields = ("code", "name", "=tax_id", "=external_id")
    search_help_text = _("Code or name (contains), tax id or external id (exact).")
    ordering = ("code",)
    inlines = (ContactInline,)
    fieldsets = (
        (None, {"fields": ("code", "name", "status", "sales_rep")}),
        (_("Balance"), {"fields": ("open_balance", "overdue_amount", "ledger_links")}),
        (
            _("Profile"),
            {"fields": ("industry", "region", "country", "sales_channel", "language", "tax_id")},
        ),
        (_("Terms"), {"fields": ("currency", "payment_terms_days", "customer_since")}),
        (_("Segment"), {"fields": ("tier", "tier_changed_at")}),
        (_("Record"), {"fields": ("external_id", "created_at", "updated_at")}),
    )

    def get_list_filter(self, request: HttpRequest) -> tuple:
        if user_sees_all_customers(request.user):
            return (*self.list_filter, SalesRepFilter)
        return self.list_filter

    add_fieldsets = (  # a new customer has no balance, segment or record yet
        (None, {"fields": ("code", "name", "status", "sales_rep")}),
        (
            _("Profile"),
            {"fields": ("industry", "region", "country", "sales_channel", "language", "tax_id")},
        ),
        (_("Terms"), {"fields": ("currency", "payment_terms_days", "customer_since")}),
        (_("Record"), {"fields": ("external_id",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # Scoped to the user's customers, with balances as two subqueries per page row.
        queryset = customer_list_with_balances(user=request.user, as_of=timezone.localdate())
        return queryset.order_by(*(self.get_ordering(request) or ()))

    def get_fieldsets(self, request: HttpRequest, obj: Customer | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Customer | None = None) -> tuple:
        always = ("open_balance", "overdue_amount", "ledger_links", "tier", "tier_changed_at")
        if obj is None:
            return always
        return (*always, "code", "created_at", "updated_at")

    def get_export_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        # The rows the list shows (scope, filters, search), without the balance
        # subqueries an export of every customer does not need.
        chosen = super().get_export_queryset(request)
        return Customer.objects.select_related("sales_rep").filter(pk__in=chosen.values("pk"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any):
        if db_field.name == "sales_rep":
            # Sales reps, and whoever still owns customers (so an old owner stays valid).
            owns = Exists(Customer.objects.filter(sales_rep=OuterRef("pk")))
            users = get_user_model().objects.filter(Q(groups__name=roles.SALES_REP) | Q(owns))
            kwargs["queryset"] = users.distinct().order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # customers are made inactive, not deleted

    @admin.display(description=_("open balance"), ordering="open_balance")
    def open_balance(self, customer: Customer) -> str:
        amount = getattr(customer, "open_balance", None)
        text = money(amount, customer.currency)
        if getattr(customer, "has_open_items_in_other_currencies", False):
            text += " " + str(_("(+ items in other currencies)"))
        return text

    @admin.display(description=_("overdue"), ordering="overdue_amount")
    def overdue_amount(self, customer: Customer) -> str:
        return money(getattr(customer, "overdue_amount", None), customer.currency)

    @admin.display(description=_("ledger"))
    def ledger_links(self, customer: Customer) -> str:
        if customer.pk is None or not self._ledger_registered():
            return ""
        return format_html_join(
            " · ",
            '<a href="{}?customer__id__exact={}">{}</a>',
            (
                (reverse(f"admin:receivables_{name}_changelist"), customer.pk, label)
                for name, label in (("invoice", _("Invoices")), ("payment", _("Payments")))
            ),
        )

    @staticmethod
    def _ledger_registered() -> bool:
        try:
            reverse("admin:receivables_invoice_changelist")
        except NoReverseMatch:
            return False
        return True

    def save_through_service(
        self, request: HttpRequest, obj: Customer, form: forms.ModelForm, change: bool
    ) -> Customer:
        data = form.cleaned_data
        if not change:
            return customer_create(
                **{name: data[name] for name in _CUSTOMER_FIELDS if name in data}
            )
        changed = {name: data[name] for name in form.changed_data if name in _CUSTOMER_UPDATABLE}
        return customer_update(customer=obj, data=changed)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for contact_form in formset.forms:
            if not contact_form.has_changed():
                continue
            is_new = contact_form.instance.pk is None
            try:
                contact = _contact_save(customer=form.instance, form=contact_form)
            except (ApplicationError, ValidationError) as error:
                raise ServiceRefused(contact_form.prefix, error) from error
            if is_new:
                formset.new_objects.append(contact)
            else:
                formset.changed_objects.append((contact, contact_form.changed_data))


@admin.register(Contact)
class ContactAdmin(CustomerScopedMixin, ServiceWritesMixin, BigTableMixin, admin.ModelAdmin):
    list_display = ("name", "customer", "email", "phone", "is_billing", "is_email_valid")
    list_filter = ("is_billing", "is_email_valid")
    search_fields = ("name", "email", "=customer__code")
    search_help_text = _("Name or email (contains), customer code (exact).")
    list_select_related = ("customer",)
    autocomplete_fields = ("customer",)
    ordering = ("customer__code", "name")

    def get_fields(self, request: HttpRequest, obj: Contact | None = None) -> tuple:
        return ("customer", *_CONTACT_FIELDS, "is_email_valid")

    def get_readonly_fields(self, request: HttpRequest, obj: Contact | None = None) -> tuple:
        # A contact stays with its customer; "email valid" is cleared by a bounce.
        return ("is_email_valid",) if obj is None else ("customer",)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # there is no service to delete a contact yet

    def save_through_service(
        self, request: HttpRequest, obj: Contact, form: forms.ModelForm, change: bool
    ) -> Contact:
        customer = obj.customer if change else form.cleaned_data["customer"]
        return _contact_save(customer=customer, form=form)

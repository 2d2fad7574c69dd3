"""A customer's statement as a PDF over the REST API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request

from crm.api.permissions import HasModelPermission
from crm.api.schema import error_responses
from crm.api.viewsets import ScopedViewSet
from customers.models import Customer
from customers.selectors import customer_list
from receivables.api.renderers import JsonErrorsMixin, PdfRenderer
from receivables.statements import statement_data, statement_pdf


@extend_schema(tags=["reports"])
class CustomerStatementViewSet(JsonErrorsMixin, ScopedViewSet):
    """The statement of a customer the user may see (404 for any other customer)."""

    model = Customer
    permission_classes = [HasModelPermission]
    action_permissions = {
        "list": "receivables.view_invoice",
        "metadata": "receivables.view_invoice",
    }
    renderer_classes = [JSONRenderer, PdfRenderer]
    filter_backends = []
    pagination_class = None
    lookup_url_kwarg = "customer_id"

    def scoped_queryset(self) -> QuerySet[Customer]:
        return customer_list(user=self.request.user)

    @extend_schema(
        summary="A customer's statement (PDF)",
        description=(
            "Open invoices with days past due, aging totals per currency and the payments of "
            "the last 90 days, in the customer's language. Send `Accept: application/pdf` or "
            "`*/*`; errors are JSON."
        ),
        responses={
            (200, "application/pdf"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="The statement as a PDF file."
            ),
            **error_responses(404, media_type="application/json"),
        },
    )
    def list(self, request: Request, customer_id: str | None = None) -> HttpResponse:
        customer = self.get_object()
        data = statement_data(customer=customer)
        response = HttpResponse(statement_pdf(data), content_type=PdfRenderer.media_type)
        response["Content-Disposition"] = (
            f'attachment; filename="statement-{customer.code}-{data.as_of}.pdf"'
        )
        return response

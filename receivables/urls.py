from django.urls import path

from receivables import views
from receivables.collections import kpi_views
from receivables.collections import views as worklist_views

app_name = "receivables"

urlpatterns = [
    path("aging/", views.aging, name="aging"),
    path(
        "customers/<int:customer_id>/statement.pdf",
        views.customer_statement,
        name="customer-statement",
    ),
    # Collections worklist (#4)
    path("worklist/", worklist_views.worklist, name="worklist"),
    path("worklist/kpis/", kpi_views.worklist_kpis, name="worklist-kpis"),
    path(
        "worklist/<int:customer_id>/",
        worklist_views.worklist_customer,
        name="worklist-customer",
    ),
    path("worklist/<int:customer_id>/claim/", worklist_views.worklist_claim, name="worklist-claim"),
    path(
        "worklist/<int:customer_id>/release/",
        worklist_views.worklist_release,
        name="worklist-release",
    ),
    path(
        "worklist/<int:customer_id>/assign/", worklist_views.worklist_assign, name="worklist-assign"
    ),
    path("worklist/<int:customer_id>/log/", worklist_views.worklist_log, name="worklist-log"),
    path(
        "worklist/<int:customer_id>/follow-up/",
        worklist_views.worklist_follow_up,
        name="worklist-follow-up",
    ),
    path(
        "worklist/<int:customer_id>/promise/",
        worklist_views.worklist_promise,
        name="worklist-promise",
    ),
    path(
        "worklist/<int:customer_id>/dispute/",
        worklist_views.worklist_dispute,
        name="worklist-dispute",
    ),
    path("worklist/<int:customer_id>/send/", worklist_views.worklist_send, name="worklist-send"),
]

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("pipeline/progress.json", views.pipeline_progress_json, name="pipeline-progress"),
    path("my-customers/", views.my_customers, name="my-customers"),
    path("churn-warnings/", views.churn_warnings, name="churn-warnings"),
    path("loss-makers/", views.loss_makers, name="loss-makers"),
    path("kpis/", views.kpis, name="kpis"),
    path("export/<slug:table>/", views.export, name="export"),
    path("tier-what-if/", views.tier_what_if, name="tier-what-if"),
]

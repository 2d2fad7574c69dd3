"""Routes of the analytics API, included under /api/v1/analytics/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from analytics.api.customers import ChurnWarningViewSet, CustomerMetricsViewSet, LossMakerViewSet
from analytics.api.kpis import KpiSnapshotViewSet
from analytics.api.pipeline import PipelineRunViewSet

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
router.register("kpi-snapshots", KpiSnapshotViewSet, basename="analytics-kpi-snapshot")
router.register("customer-metrics", CustomerMetricsViewSet, basename="analytics-customer-metrics")
router.register("loss-makers", LossMakerViewSet, basename="analytics-loss-maker")
router.register("churn-warnings", ChurnWarningViewSet, basename="analytics-churn-warning")
router.register("pipeline-runs", PipelineRunViewSet, basename="analytics-pipeline-run")

urlpatterns = router.urls

"""Routes of the credit scoring API, included under /api/v1/ by crm/urls.py."""

from rest_framework.routers import DefaultRouter

from credit.scoring.api import CreditBacktestViewSet, CreditScoreViewSet

router = DefaultRouter()
router.include_root_view = False
router.include_format_suffixes = False
router.register("credit-scores", CreditScoreViewSet, basename="credit-score")
router.register("credit-backtests", CreditBacktestViewSet, basename="credit-backtest")

urlpatterns = router.urls

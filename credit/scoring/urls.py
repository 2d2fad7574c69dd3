"""Pages of credit scoring, included under /credit/ by crm/urls.py."""

from django.urls import path

from credit.scoring import views

app_name = "credit_scoring"

urlpatterns = [path("backtest/", views.backtest, name="backtest")]

"""Admin registrations of the analytics app."""

# KPI snapshots (analytics-pages) live with the KPIs; importing registers them.
from analytics.kpis import admin as kpis_admin  # noqa: F401

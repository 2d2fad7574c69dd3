"""Analytics models: FX rates, pipeline runs, per-customer metrics and tier rules."""

from analytics.models.fx import FxRate
from analytics.models.kpis import KpiDimension, KpiSnapshot
from analytics.models.metrics import ClvMethod, CustomerMetrics, RfmSegment
from analytics.models.pipeline import ChunkStatus, PipelineChunk, PipelineRun, RunStatus
from analytics.models.tiering import OnHoldCondition, TierChange, TierRule

__all__ = [
    "ChunkStatus",
    "ClvMethod",
    "CustomerMetrics",
    "FxRate",
    "KpiDimension",
    "KpiSnapshot",
    "OnHoldCondition",
    "PipelineChunk",
    "PipelineRun",
    "RfmSegment",
    "RunStatus",
    "TierChange",
    "TierRule",
]

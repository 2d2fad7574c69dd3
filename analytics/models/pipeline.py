"""A run of the nightly pipeline and its chunks of customers (progress and retries)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import TimeStampedModel


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    # Finished, but some chunks failed after their retries: their customers keep
    # the metrics of the previous run and the run's problems say which.
    PARTIAL = "partial", _("Partially succeeded")
    FAILED = "failed", _("Failed")


class ChunkStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class PipelineRun(TimeStampedModel):
    as_of = models.DateField(_("as of"))
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.PENDING
    )
    base_currency = models.CharField(_("base currency"), max_length=3)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    chunk_size = models.PositiveIntegerField(_("chunk size"))
    chunks_total = models.PositiveIntegerField(_("chunks"), default=0)
    chunks_done = models.PositiveIntegerField(_("chunks done"), default=0)
    chunks_failed = models.PositiveIntegerField(_("chunks failed"), default=0)
    customers_total = models.PositiveIntegerField(_("customers"), default=0)
    customers_done = models.PositiveIntegerField(_("customers done"), default=0)
    tier_changes = models.PositiveIntegerField(_("tier changes"), default=0)
    # Portfolio-level parameters of the first pass (BG/NBD and Gamma-Gamma fits,
    # RFM quintile edges, value percentile edges), applied to every chunk.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # What could not be computed, in plain language: a list of strings.
    problems = models.JSONField(_("problems"), default=list, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        get_latest_by = "created_at"
        verbose_name = _("pipeline run")
        verbose_name_plural = _("pipeline runs")
        constraints = [
            models.CheckConstraint(
                condition=Q(chunks_done__lte=models.F("chunks_total")),
                name="pipeline_run_chunks_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"Run {self.pk} as of {self.as_of} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if not self.chunks_total:
            return 100 if self.status == RunStatus.SUCCEEDED else 0
        return int(100 * self.chunks_done / self.chunks_total)


class PipelineChunk(models.Model):
    """A contiguous range of customer ids processed (and retried) as one unit."""

    run = models.ForeignKey(
        PipelineRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="chunks"
    )
    index = models.PositiveIntegerField(_("index"))
    first_customer_id = models.BigIntegerField(_("first customer id"))
    last_customer_id = models.BigIntegerField(_("last customer id"))
    customer_count = models.PositiveIntegerField(_("customers"))
    status = models.CharField(
        _("status"), max_length=16, choices=ChunkStatus.choices, default=ChunkStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        verbose_name = _("pipeline chunk")
        verbose_name_plural = _("pipeline chunks")
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="pipeline_chunk_unique_index"),
            models.CheckConstraint(
                condition=Q(first_customer_id__lte=models.F("last_customer_id")),
                name="pipeline_chunk_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"Chunk {self.index} of run {self.run_id} ({self.status})"

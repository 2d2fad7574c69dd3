"""The nightly analytics pipeline: SQL aggregates per chunk of customers, statistics in pandas/scipy."""

"""The nightly analytics pipeline: every aggregate once per run in SQL (the stage), statistics in
pandas/scipy per chunk of customers, money exact in SQL."""

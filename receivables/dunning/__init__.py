"""Dunning: policies and their levels, the daily decision and the notice outbox."""

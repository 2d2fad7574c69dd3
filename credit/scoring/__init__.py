"""Credit scoring (DESIGN §7): the explainable 0-1000 points scorecard, grades A-E,
probability of default per grade and the backtest that justifies them.

- ``config``: the scorecard settings (``CRM_CREDIT_SCORING``), checked.
- ``inputs``: per-customer inputs aggregated in SQL as of a date (point in time).
- ``scorecard``: points, score, grade and reasons, vectorized over a frame.
- ``outcomes`` and ``metrics``: the default event and AUC / KS / grade tables.
- ``services``: scoring customers and running the backtest (the writes).
- ``selectors``, ``api``, ``views``, ``tasks``: reads and interfaces.
"""

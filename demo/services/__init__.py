from demo.services.portfolio import (
    PortfolioOptions,
    SeedSummary,
    portfolio_options,
    portfolio_seed,
)
from demo.services.users import DemoLogin, DemoLogins, demo_users_reset

__all__ = [
    "DemoLogin",
    "DemoLogins",
    "PortfolioOptions",
    "SeedSummary",
    "demo_users_reset",
    "portfolio_options",
    "portfolio_seed",
]

"""The demo portfolio generator: numpy draws the portfolio chunk by chunk, the
writers store it in bulk (COPY on PostgreSQL). Entry point:
``demo.services.portfolio_seed``."""

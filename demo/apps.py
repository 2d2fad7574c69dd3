from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo portfolio generator and demo logins; depends on every other app."""

    name = "demo"
    verbose_name = "Demo data"

from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = "Credit"

    def ready(self) -> None:
        from credit import receivers  # noqa: F401  (connects domain-event receivers)

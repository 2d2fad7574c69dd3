from django.apps import AppConfig


class CrmConfig(AppConfig):
    """The shared kernel: base model, money, errors, API plumbing, roles."""

    name = "crm"
    verbose_name = "Receivables & Credit"

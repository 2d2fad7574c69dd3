"""Settings of the Celery worker processes the real-infrastructure tests start.

The test profile, except that tasks really go through the broker, mail really
goes to the test's SMTP server, and an unacknowledged message of a killed
worker comes back within seconds instead of an hour.
"""

import os

from crm.settings.test import *  # noqa: F403
from crm.settings.test import CRM_REDIS_BROKER_TRANSPORT_OPTIONS

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_DEFAULT_QUEUE = os.environ["TEST_CELERY_QUEUE"]
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CRM_REDIS_BROKER_TRANSPORT_OPTIONS,
    "visibility_timeout": int(os.environ.get("TEST_VISIBILITY_TIMEOUT", "6")),
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
EMAIL_TIMEOUT = 30
CRM_DUNNING_ATTACH_STATEMENT = False

"""Settings shared by every profile."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from crm.settings.env import BASE_DIR, env, read, read_database_url, read_increasing_days, read_url

VAR_DIR = BASE_DIR / "var"

DEBUG = read("DEBUG", env.bool, default=False)
SECRET_KEY = read("SECRET_KEY")
ALLOWED_HOSTS = read("ALLOWED_HOSTS", env.list, default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = read("CSRF_TRUSTED_ORIGINS", env.list, default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "import_export",
    "crm",
    "notifications",
    "customers",
    "receivables",
    "credit",
    "analytics",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "crm.context_processors.company",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": read_database_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", read("CONN_MAX_AGE", env.int, default=0))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server, the worker and beat share the demo database.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ------------------------------------------------------------------
REDIS_URL = read_url("REDIS_URL", default=None, schemes=("redis", "rediss"))
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # A file cache is shared by the web server, the worker and beat on one machine.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# --- Auth -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = read("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = read("EMAIL_BACKEND", default="django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = read("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
EMAIL_HOST = read("EMAIL_HOST", default="localhost")
EMAIL_PORT = read("EMAIL_PORT", env.int, default=25)
EMAIL_HOST_USER = read("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = read("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = read("EMAIL_USE_TLS", env.bool, default=False)
EMAIL_USE_SSL = read("EMAIL_USE_SSL", env.bool, default=False)
EMAIL_TIMEOUT = read("EMAIL_TIMEOUT", env.int, default=30)
DEFAULT_FROM_EMAIL = read("DEFAULT_FROM_EMAIL", default="receivables@example.com")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = read_url(
    "CELERY_BROKER_URL",
    default="filesystem://",
    schemes=("redis", "rediss", "amqp", "filesystem", "memory"),
)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Zero-setup default: the web server, the worker and beat exchange
    # messages through a folder under var/, no broker server needed.
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = read_url(
    "CELERY_RESULT_BACKEND", default=None, schemes=("redis", "rediss", "rpc")
)
CELERY_TASK_IGNORE_RESULT = CELERY_RESULT_BACKEND is None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Every periodic task lives here; `expires` lets a lagging worker drop stale runs.
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "crm.tasks.heartbeat",
        "schedule": timedelta(seconds=60),
        "options": {"expires": 55},
    },
    "customer-balances-refresh": {
        "task": "receivables.customer_balances_refresh",
        "schedule": crontab(hour=0, minute=5),
        "options": {"expires": 6 * 3600},
    },
    "promise-to-pay-evaluate": {
        "task": "receivables.promise_to_pay_evaluate",
        "schedule": crontab(hour=5, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # After promises are evaluated, so a promise broken today re-enters dunning at once.
    "dunning-run": {
        "task": "receivables.dunning_run",
        "schedule": crontab(hour=6, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Analytics (#6): nightly metrics and tiers, before the dunning run so it uses today's tiers.
    "analytics-pipeline-run": {
        "task": "analytics.pipeline_run",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 2 * 3600},
    },
}

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated request gets 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api.permissions.DenyAll"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "crm.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api.exception_handler.handle_exception",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {"anon": "60/min"},
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Receivables & Credit API",
    "DESCRIPTION": (
        "Customers, invoices, payments and allocations for accounts receivable "
        "and credit management. Money is a decimal string with its ISO-4217 currency."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Product settings -------------------------------------------------------
CRM_BASE_CURRENCY = read("CRM_BASE_CURRENCY", default="USD")
CRM_COMPANY_NAME = read("CRM_COMPANY_NAME", default="Demo Supplies Ltd.")
CRM_COMPANY_ADDRESS = read("CRM_COMPANY_ADDRESS", default="1 Example Street, Springfield")
# Printed on statements and reminders: where and how to pay.
CRM_REMITTANCE_INSTRUCTIONS = read(
    "CRM_REMITTANCE_INSTRUCTIONS",
    default="Bank transfer to IBAN DE00 0000 0000 0000 0000 00, BIC DEMOXXXX. Quote your customer code.",
)
CRM_DEFAULT_CREDIT_LIMIT = read("CRM_DEFAULT_CREDIT_LIMIT", default="0")
# Days after the promised date before an unpaid promise to pay counts as broken.
CRM_PROMISE_GRACE_DAYS = read("CRM_PROMISE_GRACE_DAYS", env.int, default=2)
# Dunning: how often a refused notice is retried (backoff up to 5 minutes), and
# whether the customer's statement PDF goes with each notice.
CRM_DUNNING_SEND_MAX_RETRIES = read("CRM_DUNNING_SEND_MAX_RETRIES", env.int, default=5)
CRM_DUNNING_ATTACH_STATEMENT = read("CRM_DUNNING_ATTACH_STATEMENT", env.bool, default=True)
# Upper edges (days past due) of the aging buckets after "Current"; the last bucket is open-ended.
CRM_AGING_BUCKET_EDGES = read_increasing_days("CRM_AGING_BUCKET_EDGES", default=(30, 60, 90, 120))

# --- Analytics pipeline (#6) -----------------------------------------------
# Customers per chunk: the unit of memory, of progress and of retry.
ANALYTICS_CHUNK_SIZE = read("ANALYTICS_CHUNK_SIZE", env.int, default=5000)
ANALYTICS_CHUNK_MAX_RETRIES = read("ANALYTICS_CHUNK_MAX_RETRIES", env.int, default=3)
# Trailing window of RFM, profitability and weighted days late.
ANALYTICS_WINDOW_DAYS = read("ANALYTICS_WINDOW_DAYS", env.int, default=365)
# CLV: months ahead, monthly discount rate, and the least number of customers with
# a repeat invoice below which BG/NBD is not fitted (historic CLV instead).
ANALYTICS_CLV_HORIZON_MONTHS = read("ANALYTICS_CLV_HORIZON_MONTHS", env.int, default=24)
ANALYTICS_CLV_MONTHLY_DISCOUNT_RATE = read("ANALYTICS_CLV_MONTHLY_DISCOUNT_RATE", default="0.01")
ANALYTICS_CLV_MIN_REPEAT_CUSTOMERS = read("ANALYTICS_CLV_MIN_REPEAT_CUSTOMERS", env.int, default=50)
# BG/NBD and Gamma-Gamma are fitted on a seeded random sample of at most this many customers.
ANALYTICS_CLV_FIT_SAMPLE = read("ANALYTICS_CLV_FIT_SAMPLE", env.int, default=20000)
# Profitability (DESIGN §8), amounts in CRM_BASE_CURRENCY. Cost of goods is the
# invoice's own cost_of_goods when the ERP sent one, else this share of its total.
ANALYTICS_COST_OF_GOODS_RATE = read("ANALYTICS_COST_OF_GOODS_RATE", default="0.60")
ANALYTICS_COST_PER_INVOICE = read("ANALYTICS_COST_PER_INVOICE", default="5.00")
ANALYTICS_COST_PER_DUNNING_NOTICE = read("ANALYTICS_COST_PER_DUNNING_NOTICE", default="2.00")
ANALYTICS_COST_PER_ACTIVITY = read("ANALYTICS_COST_PER_ACTIVITY", default="8.00")
ANALYTICS_COST_PER_DISPUTE = read("ANALYTICS_COST_PER_DISPUTE", default="50.00")
ANALYTICS_ANNUAL_COST_OF_CAPITAL = read("ANALYTICS_ANNUAL_COST_OF_CAPITAL", default="0.08")
# Collector activities counted in cost to serve: "app_label.Model" with a customer
# foreign key and a date(time) field; blank while no activity log exists.
ANALYTICS_ACTIVITY_MODEL = read("ANALYTICS_ACTIVITY_MODEL", default="")
ANALYTICS_ACTIVITY_DATE_FIELD = read("ANALYTICS_ACTIVITY_DATE_FIELD", default="created_at")
# Churn warning: P(alive) below the threshold for a customer with at least the
# minimum number of invoices, or no invoice for more than the multiple of their usual gap.
ANALYTICS_CHURN_P_ALIVE_THRESHOLD = read("ANALYTICS_CHURN_P_ALIVE_THRESHOLD", default="0.5")
ANALYTICS_CHURN_GAP_MULTIPLE = read("ANALYTICS_CHURN_GAP_MULTIPLE", default="3")
ANALYTICS_CHURN_MIN_INVOICES = read("ANALYTICS_CHURN_MIN_INVOICES", env.int, default=3)
# Tier-change digests: at most this many customers listed per sales rep per night.
ANALYTICS_TIER_DIGEST_MAX_LINES = read("ANALYTICS_TIER_DIGEST_MAX_LINES", env.int, default=50)

# --- Analytics: portfolio KPI snapshots and pages (#6, analytics-pages) -----
# KPIs of a day look back over this many days (DSO, CEI, bad-debt ratio).
ANALYTICS_KPI_PERIOD_DAYS = read("ANALYTICS_KPI_PERIOD_DAYS", env.int, default=90)
# Countback DSO walks back at most this many calendar months of sales.
ANALYTICS_KPI_COUNTBACK_MONTHS = read("ANALYTICS_KPI_COUNTBACK_MONTHS", env.int, default=24)
# Days of daily snapshots the dashboard's DSO/CEI trend shows.
ANALYTICS_DASHBOARD_TREND_DAYS = read("ANALYTICS_DASHBOARD_TREND_DAYS", env.int, default=90)
CELERY_BEAT_SCHEDULE["analytics-kpi-snapshot"] = {
    # Yesterday's snapshot, once the day is complete.
    "task": "analytics.kpi_snapshot_take",
    "schedule": crontab(hour=0, minute=40),
    "options": {"expires": 6 * 3600},
}

# --- Logging ----------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": read("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

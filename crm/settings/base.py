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
# PostgreSQL connections are kept between requests (a new one per request costs more
# than a credit check). CONN_HEALTH_CHECKS pings a kept connection before each request
# uses it (one more round trip per request, a tenth of a credit check's time): without
# it, a web process's first request after a database restart fails and the next one
# reconnects.
_persistent = 0 if DATABASES["default"]["ENGINE"].endswith("sqlite3") else 60
DATABASES["default"].setdefault("CONN_MAX_AGE", read("CONN_MAX_AGE", env.int, default=_persistent))
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", read("CONN_HEALTH_CHECKS", env.bool, default=False)
)
# The statements every API request runs (crm.db.prepared_cursor) are planned once per
# connection. Off for a pooler in transaction mode that cannot keep them (PgBouncer
# before 1.21, or without max_prepared_statements).
_prepared = read("DATABASE_PREPARED_STATEMENTS", env.bool, default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and _prepared:
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 5)
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
# ModelBackend with the permissions and roles of a user loaded in one query (crm/auth.py).
AUTHENTICATION_BACKENDS = ["crm.auth.RoleBackend"]
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
    # Any process may publish first (a management command, a bench, a test
    # worker), so the folder exists before anyone writes to it.
    _queue_dir.mkdir(parents=True, exist_ok=True)
    (VAR_DIR / "celery" / "control").mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (worker control) messages; kombu's default is ./control.
        "control_folder": str(VAR_DIR / "celery" / "control"),
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
    # Credit scoring (#5): backtest + PD per grade, then score every customer.
    "credit-scores-nightly": {
        "task": "credit.credit_scores_nightly",
        "schedule": crontab(hour=1, minute=0),
        "options": {"expires": 6 * 3600},
    },
    # Credit scoring (#5): rescore customers with an invoice that became overdue yesterday.
    "credit-scores-newly-overdue": {
        "task": "credit.credit_scores_newly_overdue",
        "schedule": crontab(hour=0, minute=30),
        "options": {"expires": 6 * 3600},
    },
    # Analytics (#6): nightly metrics and tiers, before the dunning run so it uses today's tiers.
    "analytics-pipeline-run": {
        "task": "analytics.pipeline_run",
        "schedule": crontab(hour=3, minute=30),
        "options": {"expires": 2 * 3600},
    },
}

# --- Admin imports and exports (django-import-export) --------------------------
# A backstop for any admin without crm.admin.ImportExportPermissionsMixin: import
# needs the model's add permission and export its view permission (the library's
# default lets every staff user import).
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- REST API ---------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated request gets 401 with WWW-Authenticate.
        "crm.api.authentication.TokenAuthentication",
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
# A promise to pay may be dated at most this many days after the day it is made.
CRM_PROMISE_MAX_DAYS = read("CRM_PROMISE_MAX_DAYS", env.int, default=365)
# Dunning: how often a refused notice is retried (backoff up to 5 minutes), and
# whether the customer's statement PDF goes with each notice.
CRM_DUNNING_SEND_MAX_RETRIES = read("CRM_DUNNING_SEND_MAX_RETRIES", env.int, default=5)
CRM_DUNNING_ATTACH_STATEMENT = read("CRM_DUNNING_ATTACH_STATEMENT", env.bool, default=True)
# Upper edges (days past due) of the aging buckets after "Current"; the last bucket is open-ended.
CRM_AGING_BUCKET_EDGES = read_increasing_days("CRM_AGING_BUCKET_EDGES", default=(30, 60, 90, 120))

# --- Credit scoring (issue #5, credit/scoring/) -------------------------------
# The scorecard of DESIGN §7. Each component scores max_points times the
# fraction read off its curve ([value, fraction] pairs, values increasing,
# straight lines between them, flat beyond the ends); if_missing is the
# fraction for a customer without the data (no paid invoices, no limit...).
# Change anything and bump "version": every stored score names its version.
# Override from the environment with CRM_CREDIT_SCORING_JSON (a JSON object
# whose top-level keys replace these) or in a python settings module.
CRM_CREDIT_SCORING = {
    # 2026.12-1: retuned for the backtest population without the customers already in
    # default at T (docs/credit-scoring.md, "Tuning"): the curves follow the default rate
    # of each component's bands on a 20,000-customer demo portfolio, the weights were
    # chosen on it and checked on three portfolios of other seeds.
    "version": "2026.12-1",
    "components": {
        # Amount-weighted days late of invoices paid in the last 12 months.
        "days_late": {
            "max_points": 140,
            "curve": [
                [0, 1.0],
                [2, 1.0],
                [6, 0.82],
                [16, 0.68],
                [22, 0.55],
                [30, 0.28],
                [50, 0.08],
                [70, 0.0],
            ],
            "if_missing": 0.7,
        },
        # Share of invoices paid in the last 12 months that were paid more than 30 days late.
        "paid_over_30_late": {
            "max_points": 180,
            "curve": [[0, 1.0], [0.02, 0.72], [0.2, 0.68], [0.4, 0.4], [0.75, 0.1], [1, 0.0]],
            "if_missing": 0.7,
        },
        # Share of the open balance that is more than 60 days past due.
        "open_over_60": {
            "max_points": 200,
            "curve": [[0, 1.0], [0.05, 0.4], [0.25, 0.0]],
            "if_missing": 1.0,
        },
        # Exposure (open AR) divided by the credit limit: owing anything at all is most of
        # the signal; a full or overdrawn limit costs the rest.
        "utilization": {
            "max_points": 220,
            "curve": [[0, 1.0], [0.05, 0.2], [1.0, 0.1], [2.0, 0.0]],
            # Owing money without a limit scores as a full limit, never better than a
            # customer using a granted one.
            "if_missing": 0.1,
        },
        # Days since the customer relationship began.
        "tenure": {
            "max_points": 60,
            "curve": [[0, 0.0], [180, 0.3], [730, 0.8], [1825, 1.0]],
            "if_missing": 0.0,
        },
        # Disputes opened per invoice issued, last 12 months.
        "dispute_rate": {
            "max_points": 90,
            "curve": [[0, 1.0], [0.02, 0.2], [0.05, 0.0]],
            "if_missing": 1.0,
        },
        # Payments that bounced in the last 12 months.
        "bounced_payments": {
            "max_points": 50,
            "curve": [[0, 1.0], [1, 0.4], [3, 0.0]],
            "if_missing": 1.0,
        },
        # Amount-weighted days late of the last 3 months minus those of the 9 before: a
        # change either way (a payer turned erratic) costs points.
        "trend": {
            "max_points": 60,
            "curve": [[-15, 0.0], [-5, 0.5], [0, 1.0], [5, 0.6], [15, 0.0]],
            "if_missing": 0.8,
        },
    },
    # Lowest score of each grade, best first; the last grade takes everything below.
    "grades": [["A", 800], ["B", 650], ["C", 500], ["D", 350], ["E", 0]],
    # Backtest and probability of default: scores as of observation_months ago
    # against "an invoice default_days_past_due+ days past due" since then.
    "observation_months": 6,
    "default_days_past_due": 60,
    # PD per grade = (defaults + k * portfolio rate) / (customers + k), at least the floor.
    "pd_smoothing_customers": 20,
    "pd_floor": "0.0010",
}
CRM_CREDIT_SCORING = {
    **CRM_CREDIT_SCORING,
    **read("CRM_CREDIT_SCORING_JSON", env.json, default={}),
}

# --- Credit operations (holds, credit check, reviews; issue #5) ---------------
# Automatic holds, each rule on its own: a dunning level that escalates to a hold,
# exposure over a (non-zero) limit when an invoice is posted, a new risk grade E.
CRM_CREDIT_AUTO_HOLD_ON_DUNNING = read("CRM_CREDIT_AUTO_HOLD_ON_DUNNING", env.bool, default=True)
CRM_CREDIT_AUTO_HOLD_OVER_LIMIT = read("CRM_CREDIT_AUTO_HOLD_OVER_LIMIT", env.bool, default=True)
CRM_CREDIT_AUTO_HOLD_GRADE_E = read("CRM_CREDIT_AUTO_HOLD_GRADE_E", env.bool, default=True)
# The credit check also fails an order when the customer's overdue balance is above
# this amount (in the customer's currency), or an open invoice is more than this many
# days past due.
CRM_CREDIT_CHECK_MAX_OVERDUE_AMOUNT = read("CRM_CREDIT_CHECK_MAX_OVERDUE_AMOUNT", default="0.00")
CRM_CREDIT_CHECK_MAX_OVERDUE_DAYS = read("CRM_CREDIT_CHECK_MAX_OVERDUE_DAYS", env.int, default=30)
# Days between periodic credit reviews by risk grade: high risk (D, E), medium (C),
# low (A, B), and customers without a grade yet. The queue shows reviews due within
# CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS days.
CRM_CREDIT_REVIEW_DAYS_HIGH_RISK = read("CRM_CREDIT_REVIEW_DAYS_HIGH_RISK", env.int, default=30)
CRM_CREDIT_REVIEW_DAYS_MEDIUM_RISK = read("CRM_CREDIT_REVIEW_DAYS_MEDIUM_RISK", env.int, default=91)
CRM_CREDIT_REVIEW_DAYS_LOW_RISK = read("CRM_CREDIT_REVIEW_DAYS_LOW_RISK", env.int, default=365)
CRM_CREDIT_REVIEW_DAYS_UNGRADED = read("CRM_CREDIT_REVIEW_DAYS_UNGRADED", env.int, default=182)
CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS = read("CRM_CREDIT_REVIEW_DUE_WITHIN_DAYS", env.int, default=7)
CELERY_BEAT_SCHEDULE["credit-review-schedules-ensure"] = {
    "task": "credit.credit_review_schedules_ensure",
    "schedule": crontab(hour=4, minute=30),
    "options": {"expires": 6 * 3600},
}
# --- Collections worklist (#4) ---------------------------------------------
# Probability of default used for customers the credit scoring has not graded yet.
CRM_WORKLIST_DEFAULT_PD = read("CRM_WORKLIST_DEFAULT_PD", default="0.05")
# Boost of the expected loss by the aging bucket of the oldest overdue item:
# one factor per overdue bucket (1-30, 31-60, ...); the last repeats for older buckets.
CRM_WORKLIST_BUCKET_BOOSTS = read("CRM_WORKLIST_BUCKET_BOOSTS", default="1,1.25,1.5,1.75,2")
# Boost when a promise to pay was broken within the last N days.
CRM_WORKLIST_BROKEN_PROMISE_BOOST = read("CRM_WORKLIST_BROKEN_PROMISE_BOOST", default="1.25")
CRM_WORKLIST_BROKEN_PROMISE_DAYS = read("CRM_WORKLIST_BROKEN_PROMISE_DAYS", env.int, default=90)
# Dunning escalations (bounced / no address / collector task / agency) of the last N
# days put the customer at the top of the queue until a clerk logs an activity.
CRM_WORKLIST_ESCALATION_DAYS = read("CRM_WORKLIST_ESCALATION_DAYS", env.int, default=60)
CRM_WORKLIST_PAGE_SIZE = read("CRM_WORKLIST_PAGE_SIZE", env.int, default=50)
# Clerk KPIs: a payment counts as "collected after contact" within N days of a logged contact.
CRM_WORKLIST_COLLECTED_AFTER_CONTACT_DAYS = read(
    "CRM_WORKLIST_COLLECTED_AFTER_CONTACT_DAYS", env.int, default=14
)
# --- Analytics pipeline (#6) -----------------------------------------------
# Customers per chunk: the unit of memory, of progress and of retry. Each chunk costs
# 40-50 ms besides its customers (statements, pandas, a commit): measured on 100,000
# customers, 20 chunks took 0.5 s longer than 10 and 0.6 s longer than 5.
ANALYTICS_CHUNK_SIZE = read("ANALYTICS_CHUNK_SIZE", env.int, default=10000)
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
# foreign key and a date(time) field (blank: not counted), and the values of its
# `kind` field that are a collector's work (notices have their own rate).
ANALYTICS_ACTIVITY_MODEL = read(
    "ANALYTICS_ACTIVITY_MODEL", default="receivables.CollectionActivity"
)
ANALYTICS_ACTIVITY_DATE_FIELD = read("ANALYTICS_ACTIVITY_DATE_FIELD", default="created_at")
ANALYTICS_ACTIVITY_KINDS = read(
    "ANALYTICS_ACTIVITY_KINDS", env.list, default=["call", "email", "note", "promise", "dispute"]
)
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

# --- Credit-limit requests and audit history (issue #5 item 7) ------------------
# django-pghistory writes the history of limits, holds and limit requests with
# PostgreSQL triggers (pgtrigger installs them in migrations; on SQLite there are none).
INSTALLED_APPS += ["pgtrigger", "pghistory"]
# A request whose requested limit is above the threshold of its currency needs a
# second approval by a finance admin. Amounts are in the customer's currency (there
# is no FX table to convert to a base currency); a currency not listed here always
# needs a second approval. Format: "USD=100000,EUR=100000,JPY=15000000".
CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE = read(
    "CRM_CREDIT_LIMIT_SECOND_APPROVAL_ABOVE",
    env.dict,
    default={
        "USD": "100000", "EUR": "100000", "GBP": "80000", "CHF": "100000", "CNY": "700000",
        "HKD": "800000", "JPY": "15000000", "SGD": "130000", "AUD": "150000", "CAD": "135000",
    },
)  # fmt: skip
# Approved limits with an expiry date fall back to CRM_DEFAULT_CREDIT_LIMIT the night after.
CELERY_BEAT_SCHEDULE["credit-limits-expire"] = {
    "task": "credit.credit_limits_expire",
    "schedule": crontab(hour=0, minute=30),
    "options": {"expires": 6 * 3600},
}
# --- Dunning reliability (issue #4): broker outages, send leases, outbox drain ---
# Enqueueing after commit must never hang a web request when the broker is down:
# connect and publish give up within about a second, the failure is logged and the
# outbox row stays queued for the drain below (see crm/enqueue.py).
CELERY_BROKER_CONNECTION_TIMEOUT = read("CELERY_BROKER_CONNECTION_TIMEOUT", env.float, default=1.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 5
CRM_REDIS_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": read("CELERY_BROKER_SOCKET_CONNECT_TIMEOUT", env.float, default=0.5),
    "socket_timeout": read("CELERY_BROKER_SOCKET_TIMEOUT", env.float, default=1.5),
    # An unacknowledged message (acks_late, worker killed) is delivered again
    # after this long; it must exceed the longest countdown (300 s).
    "visibility_timeout": read("CELERY_BROKER_VISIBILITY_TIMEOUT", env.int, default=3600),
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = CRM_REDIS_BROKER_TRANSPORT_OPTIONS
# The admin's periodic tasks (django-celery-beat) are the schedule: the entries
# above seed it once and later admin edits are kept across beat restarts.
CELERY_BEAT_SCHEDULER = "crm.beat:SeedOnceDatabaseScheduler"
CELERY_BEAT_SCHEDULE["dunning-outbox-drain"] = {
    "task": "receivables.dunning_outbox_drain",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 240},
}
CELERY_BEAT_SCHEDULE["notifications-email-drain"] = {
    "task": "notifications.email_drain",
    "schedule": timedelta(minutes=5),
    "options": {"expires": 240},
}
# Notification emails (limit decisions, holds, tier changes): the drain enqueues an
# email the broker never got after the first delay (seconds), one it got but that
# is still unsent after the second, and gives up on emails older than the hours.
CRM_NOTIFICATION_DRAIN_AFTER_SECONDS = read(
    "CRM_NOTIFICATION_DRAIN_AFTER_SECONDS", env.int, default=120
)
CRM_NOTIFICATION_REQUEUE_LOST_AFTER_SECONDS = read(
    "CRM_NOTIFICATION_REQUEUE_LOST_AFTER_SECONDS", env.int, default=3600
)
CRM_NOTIFICATION_EMAIL_MAX_AGE_HOURS = read(
    "CRM_NOTIFICATION_EMAIL_MAX_AGE_HOURS", env.int, default=48
)
# How long a worker's claim on a notice lasts (longer than one SMTP send); when a
# worker dies mid-send the notice is sent again after it, with the same Message-ID.
CRM_DUNNING_SEND_LEASE_SECONDS = read("CRM_DUNNING_SEND_LEASE_SECONDS", env.int, default=300)
# Retry backoff of a failed send: doubling from the base, capped (seconds).
CRM_DUNNING_RETRY_BASE_SECONDS = read("CRM_DUNNING_RETRY_BASE_SECONDS", env.int, default=10)
CRM_DUNNING_RETRY_MAX_SECONDS = read("CRM_DUNNING_RETRY_MAX_SECONDS", env.int, default=300)
# The drain enqueues queued notices the broker never got after this many seconds,
# and ones it got but that are still queued (a lost message) after the second.
CRM_DUNNING_DRAIN_AFTER_SECONDS = read("CRM_DUNNING_DRAIN_AFTER_SECONDS", env.int, default=120)
CRM_DUNNING_REQUEUE_LOST_AFTER_SECONDS = read(
    "CRM_DUNNING_REQUEUE_LOST_AFTER_SECONDS", env.int, default=3600
)

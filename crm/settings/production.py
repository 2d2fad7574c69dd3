"""Production profile: every secret is required, HTTPS is enforced.

Passes ``python manage.py check --deploy`` with no warnings once SECRET_KEY and
ALLOWED_HOSTS are set.
"""

import os

from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DEBUG", "false")

from crm.settings.base import *  # noqa: F403
from crm.settings.base import ALLOWED_HOSTS, DEBUG, SECRET_KEY
from crm.settings.env import env, read

if DEBUG:
    raise ImproperlyConfigured("Environment variable DEBUG must be false in production.")
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured(
        "Environment variable SECRET_KEY is too weak: use at least 50 random characters, "
        'e.g. python -c "import secrets; print(secrets.token_urlsafe(50))".'
    )
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "Environment variable ALLOWED_HOSTS must list the host names the site is served "
        "under, e.g. ALLOWED_HOSTS=ar.example.com."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = read("SECURE_SSL_REDIRECT", env.bool, default=True)
SECURE_HSTS_SECONDS = read("SECURE_HSTS_SECONDS", env.int, default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

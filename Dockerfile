# syntax=docker/dockerfile:1
# Production image: gunicorn serves crm.wsgi, WhiteNoise serves the static files.
# The same image runs the Celery worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=crm.settings.production

# WeasyPrint (PDF statements) needs Pango and HarfBuzz; Noto CJK renders Chinese.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libfontconfig1 fonts-noto-cjk \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system --gid 1000 app \
    && useradd --system --uid 1000 --gid app --home-dir /app --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first (pinned by constraints.txt), so code changes reuse this layer.
COPY pyproject.toml constraints.txt ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/requirements.txt \
    && pip install -c constraints.txt -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
# Editable, because the settings find templates/, static/ and var/ next to the code.
RUN pip install --no-deps -c constraints.txt -e . \
    && SECRET_KEY=build-only-throwaway-key-never-used-at-run-time-0123456789abcdefghij \
       ALLOWED_HOSTS=build.invalid \
       python manage.py collectstatic --noinput --verbosity 0 \
    && mkdir -p var/log var/media var/mail var/cache \
    && chown -R app:app var

USER app
EXPOSE 8000
# gunicorn.conf.py sets the sync workers from WEB_WORKERS (default 2): about one per core
# when PostgreSQL runs on the same machine, two per core when it has its own
# (docs/operations.md, "Scaling notes").
CMD ["gunicorn", "crm.wsgi", "--bind", "0.0.0.0:8000", "--access-logfile", "-", "--forwarded-allow-ips", "*"]

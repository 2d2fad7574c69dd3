"""Start-up with each settings profile, in a fresh Python process with a clean
environment, as an operator would start it.

The failure cases run against a copy of the ``crm`` package in a temporary
folder, so a developer's own ``.env`` and ``var/secret_key`` play no part.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
PRODUCTION = "crm.settings.production"
LOCAL = "crm.settings.local"
READ_SECRET_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def _clean_env(**variables: str) -> dict[str, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    env.update(variables)
    return env


def _strong_secret_key() -> str:
    return secrets.token_urlsafe(50)


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """The settings code (crm/) and manage.py copied to a folder of their own:
    there ``BASE_DIR`` is that folder, with no ``.env`` and no ``var/``."""
    shutil.copytree(REPO / "crm", tmp_path / "crm", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "manage.py", tmp_path / "manage.py")
    (tmp_path / "static").mkdir()
    (tmp_path / "templates").mkdir()
    return tmp_path


def _run(folder: Path, args: list[str], **variables: str) -> subprocess.CompletedProcess[str]:
    """Run the venv's Python in ``folder``; the project's other apps come from the repo."""
    env = _clean_env(PYTHONPATH=os.pathsep.join([str(folder), str(REPO)]), **variables)
    return subprocess.run(
        [sys.executable, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _error_line(result: subprocess.CompletedProcess[str]) -> str:
    """The last line of the traceback: the message the operator reads."""
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def test_production_without_secret_key_stops_naming_secret_key(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        ALLOWED_HOSTS="ar.example.com",
    )

    # then
    assert result.returncode != 0
    message = _error_line(result)
    assert "ImproperlyConfigured" in message
    assert "SECRET_KEY" in message
    assert "required" in message


def test_production_with_a_weak_secret_key_stops_naming_secret_key(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY="changeme",
        ALLOWED_HOSTS="ar.example.com",
    )

    # then
    assert result.returncode != 0
    assert "SECRET_KEY" in _error_line(result)


def test_production_without_allowed_hosts_stops_naming_allowed_hosts(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=_strong_secret_key(),
        ALLOWED_HOSTS="*",
    )

    # then
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in _error_line(result)


def test_production_refuses_debug(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=_strong_secret_key(),
        ALLOWED_HOSTS="ar.example.com",
        DEBUG="true",
    )

    # then
    assert result.returncode != 0
    assert "DEBUG" in _error_line(result)


@pytest.mark.parametrize(
    "database_url",
    [
        "mysql://crm@127.0.0.1:3306/crm",
        "not a url",
        "postgres://crm@127.0.0.1:notaport/crm",
    ],
)
def test_bad_database_url_stops_naming_database_url(project_copy, database_url):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=LOCAL,
        DATABASE_URL=database_url,
    )

    # then
    assert result.returncode != 0
    message = _error_line(result)
    assert "ImproperlyConfigured" in message
    assert "DATABASE_URL" in message


@pytest.mark.parametrize("broker_url", ["kafka://127.0.0.1:9092", "127.0.0.1:6379"])
def test_bad_celery_broker_url_stops_naming_celery_broker_url(project_copy, broker_url):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=LOCAL,
        CELERY_BROKER_URL=broker_url,
    )

    # then
    assert result.returncode != 0
    message = _error_line(result)
    assert "ImproperlyConfigured" in message
    assert "CELERY_BROKER_URL" in message


def test_bad_integer_setting_stops_naming_it(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=LOCAL,
        EMAIL_PORT="twenty-five",
    )

    # then
    assert result.returncode != 0
    assert "EMAIL_PORT" in _error_line(result)


def test_local_profile_generates_a_secret_key_file_once(project_copy):
    # given
    key_file = project_copy / "var" / "secret_key"
    assert not key_file.exists()

    # when
    first = _run(project_copy, ["-c", READ_SECRET_KEY], DJANGO_SETTINGS_MODULE=LOCAL)
    second = _run(project_copy, ["-c", READ_SECRET_KEY], DJANGO_SETTINGS_MODULE=LOCAL)

    # then
    assert first.returncode == 0, first.stderr
    assert key_file.is_file()
    key = key_file.read_text().strip()
    assert len(key) >= 50
    assert first.stdout.strip() == key
    assert second.stdout.strip() == key


def test_local_profile_prefers_secret_key_from_the_environment(project_copy):
    # when
    result = _run(
        project_copy,
        ["-c", READ_SECRET_KEY],
        DJANGO_SETTINGS_MODULE=LOCAL,
        SECRET_KEY="from-the-environment",
    )

    # then
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "from-the-environment"
    assert not (project_copy / "var" / "secret_key").exists()


def test_production_profile_passes_check_deploy_without_warnings(project_copy):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE=PRODUCTION,
        SECRET_KEY=_strong_secret_key(),
        ALLOWED_HOSTS="ar.example.com",
    )

    # then
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "WARNINGS" not in output
    assert "System check identified no issues" in output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DATABASE_URL", "postgres://crm:s3cr3t-pw@127.0.0.1:notaport/crm"),
        ("DATABASE_URL", "mysql://crm:s3cr3t-pw@127.0.0.1:3306/crm"),
        ("CELERY_BROKER_URL", "kafka://crm:s3cr3t-pw@127.0.0.1:9092"),
        ("REDIS_URL", "memcached://crm:s3cr3t-pw@127.0.0.1:11211"),
    ],
)
def test_a_bad_url_error_names_the_variable_but_hides_its_password(project_copy, name, value):
    # when
    result = _run(
        project_copy, ["manage.py", "check"], DJANGO_SETTINGS_MODULE=LOCAL, **{name: value}
    )

    # then
    assert result.returncode != 0
    assert name in _error_line(result)
    assert "s3cr3t-pw" not in result.stdout + result.stderr


_PRINT_DATABASE = (
    "import django; django.setup(); from django.conf import settings; "
    "db = settings.DATABASES['default']; "
    "print(db['CONN_HEALTH_CHECKS'], db.get('OPTIONS', {}).get('prepare_threshold'))"
)


@pytest.mark.parametrize(
    ("variables", "printed"),
    [
        ({}, "False 5"),
        ({"DATABASE_PREPARED_STATEMENTS": "false"}, "False None"),
        ({"CONN_HEALTH_CHECKS": "true"}, "True 5"),
    ],
)
def test_postgresql_connection_options_follow_their_variables(project_copy, variables, printed):
    # when the local profile starts on a PostgreSQL URL with the variables given
    result = _run(
        project_copy,
        ["-c", _PRINT_DATABASE],
        DJANGO_SETTINGS_MODULE=LOCAL,
        DATABASE_URL="postgres://app@db.example:5432/ar",
        **variables,
    )

    # then health checks are off and prepared statements on unless the variables say otherwise
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == printed


@pytest.mark.parametrize("name", ["DATABASE_PREPARED_STATEMENTS", "CONN_HEALTH_CHECKS"])
def test_a_bad_connection_switch_stops_naming_it(project_copy, name):
    # when
    result = _run(
        project_copy,
        ["manage.py", "check"],
        DJANGO_SETTINGS_MODULE=LOCAL,
        DATABASE_URL="postgres://app@db.example:5432/ar",
        **{name: "sometimes"},
    )

    # then
    assert result.returncode != 0
    assert name in _error_line(result)


def test_a_misspelt_switch_stops_instead_of_reading_as_false(project_copy):
    # when a boolean setting is neither true nor false
    result = _run(
        project_copy, ["manage.py", "check"], DJANGO_SETTINGS_MODULE=LOCAL, EMAIL_USE_TLS="ture"
    )

    # then start-up stops naming the variable and the words it takes
    assert result.returncode != 0
    assert "EMAIL_USE_TLS" in _error_line(result)
    assert "use true or false" in _error_line(result)

"""Production settings: clean `check --deploy`, and a clear error naming each missing secret."""

import os
import subprocess
import sys
from pathlib import Path

from config.settings.base import database_config, default_broker_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "x" * 40 + "-production-test-only-8f2a9c7d1e",
    "DJANGO_ALLOWED_HOSTS": "modelgate.example.com",
    "DATABASE_URL": "postgres://modelgate@127.0.0.1:5432/modelgate",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "MODELGATE_TOKEN_PEPPER": "production-test-pepper-4c1d9e",
}


def run_manage(*args, env):
    ours = ("DJANGO_", "DATABASE_URL", "CELERY_", "MODELGATE_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_name_every_missing_secret():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in ("DJANGO_SECRET_KEY", "CELERY_BROKER_URL")}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "CELERY_BROKER_URL" in result.stderr
    assert "DATABASE_URL" not in result.stderr.split("ImproperlyConfigured")[-1]


def test_a_socket_database_url_connects_through_the_socket_directory():
    config = database_config("postgresql://postgres@/modelgate?host=/work/.data/postgres")
    assert config["HOST"] == "/work/.data/postgres"
    assert config["NAME"] == "modelgate"
    assert "host" not in config.get("OPTIONS", {})
    assert config["CONN_MAX_AGE"] > 0 and config["CONN_HEALTH_CHECKS"] is True


def test_without_a_broker_url_celery_uses_the_same_postgresql():
    assert (
        default_broker_url("postgresql://postgres@/modelgate?host=/s")
        == "sqla+postgresql+psycopg://postgres@/modelgate?host=/s"
    )


def test_every_environment_variable_the_settings_read_is_in_the_readme():
    import re

    readme = (ROOT / "README.md").read_text()
    source = "\n".join(p.read_text() for p in (ROOT / "config").rglob("*.py"))
    variables = set(re.findall(r'env(?:\.\w+)?\("([A-Z][A-Z0-9_]+)"', source))
    variables |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', source))
    assert variables, "the settings read no variable at all?"
    missing = sorted(v for v in variables if f"`{v}`" not in readme)
    assert not missing, f"undocumented: {missing}"

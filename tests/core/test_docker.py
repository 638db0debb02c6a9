"""Docker cannot run here, so the compose file is checked by reading it: every service's command must exist in
the project and every variable it reads must be documented for the operator."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
README = (ROOT / "README.md").read_text()
ENV_EXAMPLE = (ROOT / "docker" / ".env.example").read_text()


def app_services():
    return {name: svc for name, svc in COMPOSE["services"].items() if "build" in svc}


def test_the_stack_has_every_service_with_health_checks():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], name


def test_every_app_command_names_something_the_project_has():
    pyproject = (ROOT / "pyproject.toml").read_text()
    for name, svc in app_services().items():
        command = svc["command"]
        program = command[0]
        if program == "python":
            assert command[1] == "manage.py" and (ROOT / "manage.py").exists()
            from django.core.management import get_commands

            assert command[2] in get_commands(), f"{name}: no management command {command[2]}"
        elif program == "gunicorn":
            assert "gunicorn" in pyproject
            assert command[1:3] == ["-c", "python:config.gunicorn"], f"{name}: not started with config/gunicorn.py"
            assert (ROOT / "config" / "gunicorn.py").exists()
            module = command[3].replace(".", "/") + ".py"
            assert (ROOT / module).exists(), f"{name}: {module} missing"
        elif program == "celery":
            assert command[1:3] == ["-A", "config"] and (ROOT / "config" / "celery_app.py").exists()
        else:
            raise AssertionError(f"{name}: unknown program {program}")


def test_every_variable_the_stack_reads_is_documented():
    text = (ROOT / "docker" / "compose.yaml").read_text()
    interpolated = set(re.findall(r"\$\{([A-Z_]+)", text))
    passed_to_app = set(COMPOSE["x-app"]["environment"])
    for variable in interpolated:
        assert re.search(rf"^{variable}=", ENV_EXAMPLE, re.M), f"{variable} missing from docker/.env.example"
    for variable in interpolated | passed_to_app:
        if variable == "POSTGRES_PASSWORD":
            continue  # the database container's own variable, documented in .env.example
        assert f"`{variable}`" in README, f"{variable} missing from README's configuration table"


def test_the_image_runs_as_a_non_root_user_with_gunicorn():
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert re.search(r"^USER modelgate$", dockerfile, re.M)
    assert "gunicorn" in dockerfile.splitlines()[-1]
    assert dockerfile.count("FROM ") >= 2, "multi-stage build"

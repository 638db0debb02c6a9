import json
import logging

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_says_alive_without_touching_anything(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_when_database_and_broker_answer(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["ok"] is True


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_readyz_is_503_and_names_the_broker_when_it_is_unreachable(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True


def test_readyz_reports_a_worker_that_has_never_run_as_not_ok(client):
    body = client.get("/readyz").json()
    assert body["background"]["worker_and_beat"] == {"ok": False, "last_seen": None}


def test_request_id_is_echoed_when_the_caller_sends_one(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="gateway-abc.123")
    assert response["X-Request-ID"] == "gateway-abc.123"


def test_request_id_is_generated_when_missing_or_unsafe(client):
    generated = client.get("/healthz")["X-Request-ID"]
    replaced = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nwith newline")["X-Request-ID"]
    assert len(generated) == 32
    assert replaced != "bad id\nwith newline"
    assert len(replaced) == 32


def test_json_log_lines_carry_the_request_id(client, caplog):
    from pythonjsonlogger.json import JsonFormatter

    from core.logging import RequestIdFilter

    captured = []

    class Capture(logging.Handler):
        def emit(self, record):
            captured.append(self.format(record))

    handler = Capture()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter("%(levelname)s %(name)s %(message)s %(request_id)s"))
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        client.get("/no-such-page", HTTP_X_REQUEST_ID="trace-42")
    finally:
        logger.removeHandler(handler)
    lines = [json.loads(line) for line in captured]
    assert any(line["request_id"] == "trace-42" and "Not Found" in line["message"] for line in lines), lines

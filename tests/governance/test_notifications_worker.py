"""End to end with a real Celery worker: a committed approval reaches a webhook receiver, signed, and its email is
sent, with no call from the test other than the approval itself (the outbox's on-commit kick does the rest)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from core.models import OutboxMessage
from governance.models import WebhookDelivery
from governance.services.requests import request_create, request_submit
from governance.services.webhooks import webhook_subscription_create
from tests.factories.governance import TeamFactory, UseCaseFactory, member
from tests.governance.conftest import make_model
from tests.worker import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


class Receiver(BaseHTTPRequestHandler):
    """A webhook receiver on 127.0.0.1 that keeps what it was sent."""

    received: list[tuple[dict, bytes]] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_an_approval_is_delivered_by_the_worker_signed_and_once(celery_worker_process, receiver):
    team = TeamFactory(slug="e2e")
    admin = member(team, role="admin")
    _subscription, secret = webhook_subscription_create(
        actor=admin, team=team, url=receiver, events=["request.approved"]
    )
    requester = member(team)
    request = request_create(
        actor=requester, team=team, model=make_model(), use_case=UseCaseFactory(team=team, risk_tier="minimal"),
        data_classification="public", justification="End to end.",
    )  # fmt: skip
    request_submit(request=request, actor=requester)

    wait_for(lambda: WebhookDelivery.objects.filter(delivered_at__isnull=False).exists(), timeout=60,
             message="webhook delivered by the worker")  # fmt: skip
    headers, body = Receiver.received[0]
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Modelgate-Signature"], expected)
    assert json.loads(body)["data"]["id"] == request.pk
    email = wait_for(
        lambda: OutboxMessage.objects.filter(topic="notify.email.request_approved", status="delivered").first(),
        timeout=60,
        message="approval email sent by the worker",
    )
    assert set(email.payload["to"]) == {requester.email, admin.email}  # the requester and the team admin
    assert len(Receiver.received) == 1

"""A catalog source misbehaves: it answers 429, 503, 404, too slowly, or with malformed JSON.

The real litellm connector fetches ``MODELGATE_LITELLM_URL`` from an HTTP server thread on 127.0.0.1 that first
serves a good price map (the last good catalog) and then fails one way. The task runs eagerly in this process, so
its retries run at once and the test records the backoff each retry was scheduled with instead of waiting for it.
What a platform team wants: transient failures retried a bounded number of times with growing, capped backoff,
permanent ones not retried; every attempt a failed SyncRun with a message that says what happened; the catalog as
it was; the source flagged stale.

tests/catalog/test_tasks.py proves the retry count and the no-retry case with stub connectors that raise; here the
failures come over HTTP, through the production connector and fetch code.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from catalog.choices import SyncStatus
from catalog.models import Source, SyncRun
from catalog.tasks import SYNC_MAX_RETRIES, SYNC_RETRY_BACKOFF, SYNC_RETRY_BACKOFF_MAX, sync_source
from core.models import AuditEvent
from tests.catalog.conftest import catalog_state

pytestmark = pytest.mark.django_db

# Three entries in litellm's own format (USD per token, as floats): the last good catalog.
PRICE_MAP = {
    "gpt-4o": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 2.5e-06,
               "output_cost_per_token": 1e-05, "max_input_tokens": 128000, "max_output_tokens": 16384},
    "gpt-4o-mini": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1.5e-07,
                    "output_cost_per_token": 6e-07, "max_input_tokens": 128000, "max_output_tokens": 16384},
    "text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-08,
                               "max_input_tokens": 8191},
}  # fmt: skip
SLOW_SECONDS = 3.0
CLIENT_READ_TIMEOUT = 0.5  # the connector's 30 s read timeout, scaled down so a slow source costs seconds


class FlakySource:
    """Serves the price map in one of several moods, counting the requests it got."""

    def __init__(self):
        self.mood = "ok"
        self.hits = 0
        source = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                source.hits += 1
                status, body, headers = source.answer()
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the slow mood): what a real server sees too

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.block_on_close = False  # a slow answer still sleeping must not hold up the test's end
        self.url = f"http://127.0.0.1:{self.server.server_port}/model_prices_and_context_window.json"

    def answer(self) -> tuple[int, bytes, dict]:
        json_type = {"Content-Type": "application/json"}
        if self.mood == "ok":
            return 200, json.dumps(PRICE_MAP).encode(), json_type
        if self.mood == "rate-limited":
            return 429, b'{"message": "API rate limit exceeded"}', {**json_type, "Retry-After": "60"}
        if self.mood == "unavailable":
            return 503, b"<html><body>503 Service Unavailable</body></html>", {"Content-Type": "text/html"}
        if self.mood == "gone":
            return 404, b"404: Not Found", {"Content-Type": "text/plain"}
        if self.mood == "slow":
            time.sleep(SLOW_SECONDS)
            return 200, json.dumps(PRICE_MAP).encode(), json_type
        if self.mood == "malformed":
            return 200, json.dumps(PRICE_MAP).encode()[:-40], json_type  # cut off mid-document
        raise AssertionError(self.mood)


@pytest.fixture
def source(settings, monkeypatch):
    flaky = FlakySource()
    thread = threading.Thread(target=flaky.server.serve_forever, daemon=True)
    thread.start()
    settings.MODELGATE_LITELLM_URL = flaky.url
    monkeypatch.setattr("catalog.connectors._common.fetching.HTTP_TIMEOUT", httpx.Timeout(CLIENT_READ_TIMEOUT))
    yield flaky
    flaky.server.shutdown()
    flaky.server.server_close()


@pytest.fixture
def countdowns(monkeypatch) -> dict[int, float]:
    """Retry number -> the countdown the task scheduled it with (eager mode runs the retry at once, ignoring it).
    The call after the last retry, which gives up instead of scheduling, is left out."""
    recorded: dict[int, float] = {}
    schedule_retry = sync_source.retry

    def retry(*args, **kwargs):
        if sync_source.request.retries < sync_source.max_retries:
            recorded[sync_source.request.retries] = kwargs.get("countdown")
        return schedule_retry(*args, **kwargs)

    monkeypatch.setattr(sync_source, "retry", retry)
    return recorded


@pytest.mark.parametrize(
    ("mood", "transient", "message"),
    [
        pytest.param("rate-limited", True, "answered HTTP 429"),
        pytest.param("unavailable", True, "answered HTTP 503"),
        pytest.param("slow", True, "timed out"),
        pytest.param("gone", False, "answered HTTP 404"),
        pytest.param("malformed", False, "is not valid JSON"),
    ],
)
def test_a_failing_source_is_retried_only_when_it_may_pass_and_the_last_good_catalog_stays(
    source, countdowns, mood, transient, message
):
    first = sync_source.apply(args=["litellm"], kwargs={"trigger": "test"})
    assert first.successful() and SyncRun.objects.get().status == SyncStatus.SUCCEEDED
    good = catalog_state()
    assert good["models"], "the good price map loaded nothing"
    events_before = AuditEvent.objects.count()
    source.mood, source.hits = mood, 0

    result = sync_source.apply(args=["litellm"], kwargs={"trigger": "test"})

    attempts = 1 + SYNC_MAX_RETRIES if transient else 1
    assert source.hits == attempts  # bounded: the source is asked this often, then left alone
    # A transient failure fails the task once its retries are spent; a permanent one is recorded, not raised.
    assert result.failed() is transient
    failed = SyncRun.objects.filter(status=SyncStatus.FAILED).order_by("pk")
    assert failed.count() == attempts
    assert all(run.message.startswith("fetch failed: ") and message in run.message for run in failed), [
        run.message for run in failed
    ]
    assert catalog_state() == good  # the last good catalog, unchanged
    assert AuditEvent.objects.count() == events_before  # a failed run changed nothing worth an audit event
    assert Source.objects.get(slug="litellm").is_stale
    # Exponential backoff with full jitter, capped: retry n waits at most min(60 s * 2^n, 30 min).
    assert sorted(countdowns) == list(range(SYNC_MAX_RETRIES if transient else 0))
    for retries, countdown in countdowns.items():
        assert 0 <= countdown <= min(SYNC_RETRY_BACKOFF * 2**retries, SYNC_RETRY_BACKOFF_MAX)


def test_a_source_that_recovers_clears_the_stale_flag(source):
    sync_source.apply(args=["litellm"], kwargs={"trigger": "test"})
    source.mood = "malformed"
    sync_source.apply(args=["litellm"], kwargs={"trigger": "test"})
    assert Source.objects.get(slug="litellm").is_stale

    source.mood = "ok"
    assert sync_source.apply(args=["litellm"], kwargs={"trigger": "test"}).successful()

    assert not Source.objects.get(slug="litellm").is_stale
    assert SyncRun.objects.order_by("-pk").first().status == SyncStatus.SUCCEEDED

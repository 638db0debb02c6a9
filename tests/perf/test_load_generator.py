"""bench/load.py, the load generator behind `make bench`: it stops at its caps, reads the server's own timing,
counts errors, reuses keep-alive connections, and refuses any address that is not loopback. No timing is asserted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load import Target, closed_loop, open_loop, percentile, sequential


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a gateway's client would use it
    status = 200
    connections: list = []

    def setup(self):
        super().setup()
        Handler.connections.append(self.client_address)

    def do_GET(self):
        body = b'{"ok": true}'
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Server-Timing", "app;dur=1.250, decide;dur=0.5")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    Handler.connections = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_a_closed_loop_stops_at_its_request_cap_and_reads_server_timing(server):
    result = closed_loop(Target(server), connections=3, max_requests=25, max_seconds=30)

    assert (result.completed, result.errors, result.stopped_by) == (25, 0, "request cap")
    assert result.statuses == {200: 25}
    assert result.server_ms["app"] == [1.25] * 25 and result.server_ms["decide"] == [0.5] * 25
    assert len(Handler.connections) <= 3, "keep-alive connections are reused, not reopened per request"


def test_an_open_loop_sends_its_schedule_and_measures_every_request(server):
    result = open_loop(Target(server), rate=400, max_requests=20, max_seconds=30)

    assert (result.completed, result.late, result.stopped_by) == (20, 0, "request cap")
    assert len(result.latencies_ms) == 20
    assert result.summary()["server_ms"]["app"]["p99"] == 1.25


def test_a_time_cap_stops_a_loop_that_the_request_cap_would_not(server):
    result = closed_loop(Target(server), connections=1, max_requests=10**9, max_seconds=0.2)

    assert result.stopped_by == "time cap"
    assert 0 < result.completed < 10**9


def test_error_answers_are_counted(server, monkeypatch):
    monkeypatch.setattr(Handler, "status", 500)

    result = sequential(Target(server), max_requests=4)

    assert result.statuses == {500: 4} and result.errors == 4


def test_an_unreachable_server_is_an_error_not_a_crash():
    result = sequential(Target("http://127.0.0.1:9/"), max_requests=3)  # the discard port: nothing listens

    assert (result.completed, result.errors) == (0, 3)


@pytest.mark.parametrize("url", ["http://example.com/", "https://127.0.0.1/", "http://10.0.0.1:8000/"])
def test_only_plain_http_on_loopback_is_accepted(url):
    with pytest.raises(ValueError, match="loopback"):
        Target(url)


def test_percentiles_are_observed_values():
    values = [float(v) for v in range(1, 101)]

    assert (percentile(values, 50), percentile(values, 99), percentile(values, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) is None


def test_the_command_line_that_the_component_benches_call_prints_its_summary(server):
    """bench/decision_endpoint.py runs `python -m bench.load` in a process of its own and reads its JSON."""
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", server, "--connections", "1", "--requests", "3", "--seconds", "10"],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["statuses"] == {"200": 3}

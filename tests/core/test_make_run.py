"""`make run` as a new user runs it: no DATABASE_URL, no broker, nothing running. The script must bring up the
embedded PostgreSQL, serve the portal with a worker and beat, and leave no process behind on Ctrl-C."""

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    import json

    try:
        with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - loopback URL built by the test
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
    except OSError:
        return None, None


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout}s")


def descendants_alive(pid):
    try:
        return [p for p in psutil.Process(pid).children(recursive=True) if p.is_running()]
    except psutil.NoSuchProcess:
        return []


def postgres_processes_for(data_dir: Path):
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if str(data_dir) in cmdline:
            found.append(proc)
    return found


@pytest.mark.timeout(900)
def test_make_run_serves_with_worker_and_beat_and_ctrl_c_stops_everything(tmp_path):
    data_dir = tmp_path / "data"
    port = free_port()
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(MODELGATE_DATA_DIR=str(data_dir), PORT=str(port), CELERY_TASK_DEFAULT_QUEUE=f"run-test-{port}")
    log = (tmp_path / "run.log").open("w")
    # A new session, as a terminal would have: Ctrl-C goes to the whole foreground process group.
    proc = subprocess.Popen(["./scripts/run.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    try:
        _status, body = wait_until(
            lambda: (r := get_json(f"http://127.0.0.1:{port}/readyz"))[0] == 200 and r, 300, "/readyz 200"
        )
        assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
        # Beat schedules the heartbeat every 30 s and the worker runs it: both are alive.
        wait_until(
            lambda: get_json(f"http://127.0.0.1:{port}/readyz")[1]["background"]["worker_and_beat"]["ok"],
            90,
            "worker and beat heartbeat",
        )
        output = (tmp_path / "run.log").read_text()
        assert f"http://127.0.0.1:{port}" in output
        assert "rob.requester" in output and "modelgate-requester" in output
        assert postgres_processes_for(data_dir), "the embedded PostgreSQL should be running from the data dir"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(330)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        log.close()
    wait_until(lambda: not postgres_processes_for(data_dir), 300, "embedded PostgreSQL stopped")
    assert not descendants_alive(proc.pid)
    assert get_json(f"http://127.0.0.1:{port}/healthz")[0] is None, "nothing serves any more"
    assert "Stopping the embedded PostgreSQL" in (tmp_path / "run.log").read_text()

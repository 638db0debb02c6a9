"""config/gunicorn.py, the settings every deployment's web process starts with (Dockerfile, compose, bench)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own: freezing the garbage collector of the test session would outlive this test.
PROBE = """
import gc, sys
import django
django.setup()
import config.gunicorn as conf
assert gc.get_freeze_count() == 0
assert "governance.api.views.decisions" not in sys.modules
conf.post_worker_init(worker=None)
print(gc.get_freeze_count(), "governance.api.views.decisions" in sys.modules)
"""


def test_a_worker_loads_every_view_before_its_first_request_then_freezes_what_it_loaded():
    run = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": str(ROOT)},
    )

    assert run.returncode == 0, run.stderr[-2000:]
    frozen, views_loaded = run.stdout.split()
    assert int(frozen) > 10_000  # Django, DRF and the app: out of every later collection's way
    assert views_loaded == "True"  # the URL conf and the views it names, imported before the first request

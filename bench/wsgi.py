"""WSGI entry point of the benchmark server: the project's application, timed.

Every response gets ``Server-Timing: app;dur=<ms>``: the time from the moment gunicorn hands the request to Django
until Django returns the response (every middleware, the view, the database). It is added the same way to every
endpoint measured (the decision endpoint, the bare view, the raw SQL view, the catalog), so their server-side
times compare; the decision endpoint adds its own ``decide;dur`` (the decision alone) beside it.
"""

import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application

django_application = get_wsgi_application()


def application(environ, start_response):
    started = time.perf_counter()
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["response"] = (status, headers, exc_info)
        return lambda data: None  # Django never uses the legacy write() callable

    body = django_application(environ, capture)
    status, headers, exc_info = captured["response"]
    timing = f"app;dur={(time.perf_counter() - started) * 1000:.3f}"
    headers = [*headers, ("Server-Timing", timing)]
    start_response(status, headers, exc_info)
    return body

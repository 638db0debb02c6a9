"""gunicorn settings shared by every deployment of the web process (docker/Dockerfile, docker/compose.yaml, and the
benchmark server in bench/server.py): ``gunicorn -c python:config.gunicorn config.wsgi``.

Command-line options still win over these (the bind address and worker count are set where the process runs).
"""

import gc

worker_class = "sync"


def post_worker_init(worker):
    """Finish loading the application before the first request, then take it out of the garbage collector's reach.

    Django imports the URL conf, and through it every view, on the first request; doing it here keeps that
    request from paying for it. ``gc.freeze()`` then moves everything allocated so far (Django, DRF, the app's
    modules: hundreds of thousands of objects that live as long as the process) to a generation the collector
    never scans, so an occasional full collection walks only what requests allocate. Without it, such a
    collection stalled a decision request for milliseconds: the p99 tail of bench/README.md."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - the import is the point
    gc.collect()
    gc.freeze()

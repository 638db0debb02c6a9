from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.worker import WorkerProcess

# `make test-slow` (CI runs it after `make test`): suites that each take tens of seconds to minutes because they
# run whole systems (a live server, a worker, a browser, `make run`, a broker or PostgreSQL restarted) or a
# thousand generated workflows. `make test` leaves them out to stay near ten minutes on two cores.
TESTS = Path(__file__).resolve().parent
SLOW = (
    TESTS / "reliability",
    TESTS / "browser",
    TESTS / "property",
    TESTS / "security" / "test_schemathesis.py",
    TESTS / "core" / "test_make_run.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.fspath)
        if any(path == slow or slow in path.parents for slow in SLOW):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """One real worker for the session, on the test database and this session's own queue."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    worker = WorkerProcess(database_name, queue=settings.CELERY_TASK_DEFAULT_QUEUE).start()
    yield worker
    worker.stop()

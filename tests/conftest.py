import pytest
from django.conf import settings
from django.db import connection

from tests.worker import WorkerProcess


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """One real worker for the session, on the test database and this session's own queue."""
    with django_db_blocker.unblock():
        database_name = connection.settings_dict["NAME"]
    worker = WorkerProcess(database_name, queue=settings.CELERY_TASK_DEFAULT_QUEUE).start()
    yield worker
    worker.stop()

import pytest

from governance.decisions import decision_listener_stop


@pytest.fixture(autouse=True)
def _fresh_decision_cache():
    """Each test starts with an empty cache, and no listener thread outlives it (the test database is dropped at
    the end of the session and PostgreSQL refuses while a connection is open)."""
    decision_listener_stop()
    yield
    decision_listener_stop()

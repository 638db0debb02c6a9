import pytest

from governance.decisions import cache, decision_listener_stop


@pytest.fixture(autouse=True)
def _fresh_decision_cache(monkeypatch):
    """Each test starts with an empty cache and may run the listener thread (off by default under the test
    settings), and no listener outlives its test: the test database is dropped at the end of the session and
    PostgreSQL refuses while a connection is open. (monkeypatch, not the ``settings`` fixture: overriding a
    setting hides settings.SETTINGS_MODULE, which core reads when a connection opens.)"""
    monkeypatch.setattr(cache, "listener_enabled", lambda: True)
    decision_listener_stop()
    yield
    decision_listener_stop()

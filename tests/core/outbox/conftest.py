import pytest

from core.outbox import registry


@pytest.fixture
def handlers(monkeypatch):
    """A private copy of the handler registry: tests register what they need and leave no trace."""
    monkeypatch.setattr(registry, "_handlers", dict(registry._handlers))
    return registry


class Recorder:
    """A handler that remembers what it delivered, and can be told to fail the next N calls."""

    def __init__(self, fail_times: int = 0, error: Exception | None = None):
        self.delivered: list[tuple[str, str, dict]] = []
        self.fail_times = fail_times
        self.error = error or ConnectionError("mail server refused the connection")

    def __call__(self, message):
        if self.fail_times:
            self.fail_times -= 1
            raise self.error
        self.delivered.append((message.topic, message.key, message.payload))


@pytest.fixture
def recorder():
    return Recorder


@pytest.fixture
def no_relay_kick(monkeypatch):
    """For committing tests whose handlers exist only in this process: keep a session worker (if one is running)
    from relaying their messages, since it has no such handler and would postpone them."""
    from core.tasks import outbox_relay_task

    kicks = []
    monkeypatch.setattr(outbox_relay_task, "apply_async", lambda **kwargs: kicks.append(kwargs))
    return kicks

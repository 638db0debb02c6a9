"""Which function delivers which topic. Handlers are registered at import time (an AppConfig.ready()), so every
process that runs the relay (the worker) knows the same ones."""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[object], None]

_handlers: dict[str, Handler] = {}


def register_handler(topic_prefix: str, handler: Handler) -> None:
    """Deliver messages whose topic starts with ``topic_prefix`` by calling ``handler(message)``.

    The longest matching prefix wins. Raising from the handler means "not delivered, retry later"; the handler must
    be idempotent (a message can arrive twice) and can use ``message.key`` to drop duplicates. Registering the same
    handler twice is harmless; registering a different one for a taken prefix is an error, not a silent override.
    """
    if not topic_prefix:
        raise ValueError("topic_prefix must not be empty")
    existing = _handlers.get(topic_prefix)
    if existing is not None and existing is not handler:
        raise ValueError(f"topic prefix {topic_prefix!r} already has a handler: {existing!r}")
    _handlers[topic_prefix] = handler


def handler_for(topic: str) -> Handler | None:
    matches = [prefix for prefix in _handlers if topic.startswith(prefix)]
    return _handlers[max(matches, key=len)] if matches else None

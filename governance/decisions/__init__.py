"""The decision service: may team X use model Y now? See ``decide``."""

from governance.decisions.decision import Decision
from governance.decisions.service import decide, decision_cache_clear, decision_listener_ready, decision_listener_stop

__all__ = ["Decision", "decide", "decision_cache_clear", "decision_listener_ready", "decision_listener_stop"]

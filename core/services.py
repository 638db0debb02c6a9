"""Writes of the shared kernel."""

from __future__ import annotations

import socket

from django.utils import timezone

from core.models import Heartbeat


def heartbeat_record(*, component: str) -> Heartbeat:
    """Upsert the component's heartbeat: one row per component, whatever the number of replicas."""
    heartbeat, _ = Heartbeat.objects.update_or_create(
        component=component, defaults={"last_seen": timezone.now(), "hostname": socket.gethostname()}
    )
    return heartbeat

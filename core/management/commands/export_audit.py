"""Export audit events as CSV (for spreadsheets) or JSON (exact, re-verifiable), filtered."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import dateparse, timezone

from core.audit import audit_events, audit_export_csv, audit_export_json

WRITERS = {"csv": audit_export_csv, "json": audit_export_json}


def parse_moment(value: str, option: str) -> datetime.datetime:
    """An ISO date (midnight) or datetime; without an offset it is read in the server's time zone."""
    try:
        moment = dateparse.parse_datetime(value)
        if moment is None:
            day = dateparse.parse_date(value)
            moment = datetime.datetime.combine(day, datetime.time.min) if day else None
    except ValueError:
        moment = None
    if moment is None:
        raise CommandError(f"{option} {value!r} is not a date or datetime like 2026-01-31 or 2026-01-31T12:00:00Z")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


class Command(BaseCommand):
    help = "Export audit events. --since is inclusive, --until exclusive; dates mean midnight."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=sorted(WRITERS), default="csv")
        parser.add_argument("--since", help="ISO date or datetime, inclusive")
        parser.add_argument("--until", help="ISO date or datetime, exclusive")
        parser.add_argument("--action", help="exact action, or a prefix ending in * (approval_request.*)")
        parser.add_argument("--actor", help="username or actor label (system, sync:litellm, token:...)")
        parser.add_argument("--team", help="team slug recorded in the events' context")
        parser.add_argument("--target-type", help="app_label.model, e.g. catalog.model")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, **options):
        # Everything is validated before the output file is opened, so bad input never truncates an old export.
        events = audit_events(
            actor=options["actor"] or None,
            action=options["action"] or None,
            target_type=options["target_type"] or None,
            since=parse_moment(options["since"], "--since") if options["since"] else None,
            until=parse_moment(options["until"], "--until") if options["until"] else None,
            team=options["team"] or None,
        )
        write = WRITERS[options["format"]]
        if not options["output"]:
            self.stdout.ending = ""  # the writers end their own lines
            count = write(events, self.stdout)
        else:
            with open(options["output"], "w", encoding="utf-8", newline="") as stream:
                count = write(events, stream)
        self.stderr.write(f"exported {count} event(s)")

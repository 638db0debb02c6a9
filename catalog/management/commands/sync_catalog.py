"""`python manage.py sync_catalog`: refresh catalog sources now and print what each run did."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from catalog.choices import SyncStatus
from catalog.connectors import ConnectorUnavailableError, connector_class, embedded_payload, payload_from_file
from catalog.models import Source, SyncRun
from catalog.services import SourceUnavailableError, source_ensure, source_sync, sources_ensure_all
from core.exceptions import ApplicationError

ERRORS_SHOWN = 10


class Command(BaseCommand):
    help = (
        "Sync catalog sources: one (--source) or every enabled source in precedence order. Exits non-zero when a "
        "run failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", help="source slug, e.g. litellm (default: every enabled source)")
        parser.add_argument("--from-file", dest="from_file", help="read this file instead of fetching (needs --source)")
        parser.add_argument("--embedded", action="store_true", help="read each connector's embedded snapshot")
        parser.add_argument("--dry-run", action="store_true", help="compute and report the changes, write nothing")
        parser.add_argument("--force", action="store_true", help="reconcile even a payload that is already loaded")

    def handle(self, *args, source=None, from_file=None, embedded=False, dry_run=False, force=False, **options):
        if from_file and not source:
            raise CommandError("--from-file needs --source: which connector parses the file?")
        try:
            sources = [source_ensure(slug=source)] if source else sources_ensure_all()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        runs = []
        for item in sources:
            run = self._sync(item, from_file=from_file, embedded=embedded, dry_run=dry_run, force=force)
            if run is None:
                self.stdout.write(f"{item.slug}: no embedded snapshot, skipped (its scheduled sync fetches it)")
            else:
                runs.append(run)
        self._report(runs)
        failed = [run.source.slug for run in runs if run.status == SyncStatus.FAILED]
        if failed:
            raise CommandError(f"{len(failed)} source(s) failed: {', '.join(failed)}")

    def _sync(self, source: Source, *, from_file: str | None, embedded: bool, dry_run: bool, force: bool
              ) -> SyncRun | None:  # fmt: skip
        try:
            payload = self._payload(source, from_file=from_file, embedded=embedded)
        except (OSError, ConnectorUnavailableError) as exc:
            raise CommandError(f"{source.slug}: cannot read the payload: {exc}") from exc
        if embedded and payload is None:
            return None
        try:
            return source_sync(source_slug=source.slug, payload=payload, dry_run=dry_run, trigger="command",
                               force=force)  # fmt: skip
        except SourceUnavailableError as exc:  # recorded as failed; the scheduled task would retry it
            return exc.run

    @staticmethod
    def _payload(source: Source, *, from_file: str | None, embedded: bool):
        if not (from_file or embedded):
            return None  # the connector fetches
        cls = connector_class(source.connector or source.slug)
        return payload_from_file(cls, from_file) if from_file else embedded_payload(cls)

    def _report(self, runs: list[SyncRun]) -> None:
        header = f"{'source':<14} {'status':<10} {'created':>8} {'updated':>8} {'unchanged':>9} {'retired':>8} " \
                 f"{'rejected':>8} {'seconds':>8}"  # fmt: skip
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for run in runs:
            seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else 0.0
            status = f"{run.status}{' (dry)' if run.dry_run else ''}"
            line = (
                f"{run.source.slug:<14} {status:<10} {run.created:>8} {run.updated:>8} {run.unchanged:>9} "
                f"{run.retired:>8} {run.rejected:>8} {seconds:>8.1f}"
            )
            styles = {SyncStatus.FAILED: self.style.ERROR, SyncStatus.SKIPPED: self.style.WARNING}
            self.stdout.write(styles.get(run.status, str)(line))
            if run.message:
                self.stdout.write(f"  {run.message}")
            for error in run.errors[:ERRORS_SHOWN]:
                self.stdout.write(f"  rejected {error['record']}: {error['error']}")
            if len(run.errors) > ERRORS_SHOWN:
                self.stdout.write(f"  ... and {len(run.errors) - ERRORS_SHOWN} more rejections (SyncRun {run.pk})")

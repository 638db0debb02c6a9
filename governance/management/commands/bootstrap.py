"""First-start setup for `make run`: load the catalog and the demo organisation. Safe to run on every start."""

from django.core.management.base import BaseCommand

from catalog.models import AIModel
from catalog.services.embedded import catalog_load_embedded
from governance import demo


class Command(BaseCommand):
    help = "Load the catalog (when empty) and, with --demo, the demo organisation. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="create the demo teams, users and requests")

    def handle(self, *args, **options):
        self._catalog()
        if options["demo"]:
            logins = demo.demo_organisation_ensure(log=self.stdout.write)
            self.stdout.write("Demo logins:")
            for login in logins:
                self.stdout.write(f"  {login.username:<16} {login.password:<22} {login.role}")

    def _catalog(self) -> None:
        """Load the catalog from the snapshots shipped with the project, once: when it has no model yet."""
        if AIModel.objects.exists():
            self.stdout.write(f"Catalog: {AIModel.objects.count()} models already loaded.")
            return
        runs = catalog_load_embedded(trigger="bootstrap")
        failed = [run.source.slug for run in runs if run.status == "failed"]
        rejected = sum(run.rejected for run in runs)
        self.stdout.write(
            f"Catalog: loaded {AIModel.objects.count()} models from {len(runs) - len(failed)} sources"
            f" ({rejected} records rejected{'; failed: ' + ', '.join(failed) if failed else ''})."
        )

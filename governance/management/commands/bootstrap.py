"""First-start setup for `make run`: load the catalog and the demo organisation. Safe to run on every start."""

from django.core.management.base import BaseCommand

from governance import demo


class Command(BaseCommand):
    help = "Load the catalog (when empty) and, with --demo, the demo organisation. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="create the demo teams, users and requests")

    def handle(self, *args, demo_org: bool = False, **options):
        if options["demo"]:
            logins = demo.demo_users_ensure()
            self.stdout.write("Demo logins:")
            for login in logins:
                self.stdout.write(f"  {login.username:<16} {login.password:<22} {login.role}")

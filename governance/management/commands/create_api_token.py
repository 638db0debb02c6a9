"""Issue an API token from the command line and print it once."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.exceptions import ApplicationError
from governance.models import Team
from governance.services.tokens import api_token_create


class Command(BaseCommand):
    help = "Create an API token: --user U --scopes a,b [--team T] [--name N] [--expires-days D]. Printed once."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="username issuing the token (owner unless --team)")
        parser.add_argument("--scopes", required=True, help="comma-separated: catalog:read,requests:write,...")
        parser.add_argument("--team", help="team slug: the token acts as the team's service account")
        parser.add_argument("--name", default="cli token")
        parser.add_argument("--expires-days", type=int, default=None)

    def handle(self, *args, **options):
        User = get_user_model()
        try:
            user = User.objects.get(username=options["user"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user '{options['user']}'.") from exc
        team = None
        if options["team"]:
            team = Team.objects.filter(slug=options["team"]).first()
            if team is None:
                raise CommandError(f"No team '{options['team']}'.")
        expires_at = None
        if options["expires_days"]:
            expires_at = timezone.now() + dt.timedelta(days=options["expires_days"])
        scopes = [s.strip() for s in options["scopes"].split(",") if s.strip()]
        try:
            token, secret = api_token_create(
                actor=user, name=options["name"], scopes=scopes, team=team, expires_at=expires_at
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(secret)
        self.stderr.write(f"Token {token.prefix} ({', '.join(token.scopes)}). Store it now: it is not shown again.")

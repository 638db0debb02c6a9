"""The demo organisation that `make run` creates on first start, so a new user sees the workflow at once.

Idempotent: every object is looked up by its natural key first, so a second start changes nothing.
The passwords are public on purpose (printed by `make run`, listed in README.md); the demo is created only by
`python manage.py bootstrap --demo`, never in production.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    is_superuser: bool = False


DEMO_LOGINS = (
    DemoLogin("admin", "modelgate-admin", "administrator (Django admin, governance admin)", is_superuser=True),
    DemoLogin("rita.reviewer", "modelgate-reviewer", "security reviewer"),
    DemoLogin("rob.requester", "modelgate-requester", "requester in team Search Platform"),
)


@transaction.atomic
def demo_users_ensure() -> list[DemoLogin]:
    """Create the demo users that do not exist yet; never reset a password someone changed."""
    User = get_user_model()
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"is_staff": login.is_superuser, "is_superuser": login.is_superuser},
        )
        if created:
            user.set_password(login.password)
            user.save(update_fields=["password"])
    return list(DEMO_LOGINS)

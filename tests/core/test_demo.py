import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def catalog_already_loaded(db):
    """The first-start catalog load has its own test (tests/catalog); here it would only cost time."""
    from tests.factories.catalog import AIModelFactory

    AIModelFactory()


def test_bootstrap_demo_creates_the_printed_logins_once(capsys):
    call_command("bootstrap", "--demo")
    call_command("bootstrap", "--demo")
    out = capsys.readouterr().out
    User = get_user_model()
    assert User.objects.filter(username__in=["admin", "rita.reviewer", "rob.requester"]).count() == 3
    from governance import demo

    assert User.objects.count() == len(demo.DEMO_LOGINS + demo.DEMO_ORG_LOGINS)
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("modelgate-admin")
    assert "rob.requester" in out and "modelgate-requester" in out


def test_bootstrap_never_resets_a_password_someone_changed():
    call_command("bootstrap", "--demo")
    User = get_user_model()
    user = User.objects.get(username="rita.reviewer")
    user.set_password("a-new-secret-of-hers")
    user.save()
    call_command("bootstrap", "--demo")
    user.refresh_from_db()
    assert user.check_password("a-new-secret-of-hers")

"""The reviewer inbox says when the reviewers of an overdue review were last reminded of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.models import StageReview
from governance.services.reviews import reviews_remind_overdue
from tests.governance.conftest import make_model
from tests.governance.views.conftest import submitted

pytestmark = pytest.mark.django_db


def test_an_overdue_review_shows_when_its_reviewers_were_reminded(
    client, requester, team, review_use_case, security_reviewer
):
    overdue = submitted(requester, team, make_model("acme/overdue"), review_use_case)
    StageReview.objects.filter(request=overdue).update(due_at=timezone.now() - dt.timedelta(days=2))
    client.force_login(security_reviewer)
    assert "reminded" not in client.get(reverse("governance:reviews")).content.decode()

    reviews_remind_overdue(now=timezone.now() - dt.timedelta(hours=3))

    page = client.get(reverse("governance:reviews")).content.decode()
    assert "reminded 3\xa0hours ago" in page

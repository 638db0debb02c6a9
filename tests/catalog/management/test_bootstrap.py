"""First start (`manage.py bootstrap`, run by `make run`): the catalog is loaded from the snapshots shipped with
the project when it has no model yet, once, with a one-line summary."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command

from catalog.choices import SyncStatus
from catalog.models import AIModel, Source, SyncRun

pytestmark = pytest.mark.django_db


def bootstrap() -> str:
    out = StringIO()
    call_command("bootstrap", stdout=out)
    return out.getvalue()


def test_the_first_start_loads_the_catalog_and_the_next_ones_leave_it_alone():
    first = bootstrap()

    summary = re.fullmatch(r"Catalog: loaded (\d+) models from (\d+) sources \((\d+) records rejected\)\.\n", first)
    assert summary, first
    assert int(summary[1]) == AIModel.objects.count() >= 2000
    runs = SyncRun.objects.filter(trigger="bootstrap")
    assert int(summary[2]) == runs.count() >= 2 and {run.status for run in runs} == {SyncStatus.SUCCEEDED}
    # licences first: the precedence order of the sources
    assert runs.order_by("started_at").first().source.slug == Source.objects.order_by("precedence").first().slug

    second = bootstrap()

    assert second == f"Catalog: {AIModel.objects.count()} models already loaded.\n"
    assert SyncRun.objects.count() == runs.count()

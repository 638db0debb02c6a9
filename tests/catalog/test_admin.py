"""The catalog admin: every catalog table is listed and searchable within a query budget; what syncs write is
read-only; a person's edit becomes ChangeEvents and an audit event like a sync's; "Sync now" runs the source's
task on a real worker."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.choices import AliasResolution, ChangeSignal, SyncStatus
from catalog.models import (
    AIModel,
    Benchmark,
    BenchmarkResult,
    ChangeEvent,
    FieldObservation,
    License,
    LineageEdge,
    ModelAlias,
    Offering,
    Organization,
    Price,
    ProvenanceClaim,
    Source,
    SyncRun,
)
from core.models import AuditEvent
from tests.catalog.conftest import gpt4o_snapshot, sync
from tests.catalog.stubs import FILE_STUB, snapshot_json, stub_reset
from tests.factories.catalog import AIModelFactory, LicenseFactory, ModelAliasFactory
from tests.factories.governance import UserFactory
from tests.worker import wait_for

CATALOG_MODELS = [AIModel, ModelAlias, FieldObservation, LineageEdge, Organization, License, Offering, Price,
                  Benchmark, BenchmarkResult, ProvenanceClaim, Source, SyncRun, ChangeEvent]  # fmt: skip
READ_ONLY = [FieldObservation, Offering, Price, SyncRun, ChangeEvent]


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def url(model, view="changelist", *args):
    return reverse(f"admin:catalog_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
def test_every_catalog_table_is_in_the_admin():
    assert all(site.is_registered(model) for model in CATALOG_MODELS)


@pytest.mark.django_db
@pytest.mark.parametrize("model", CATALOG_MODELS, ids=lambda m: m.__name__)
def test_every_list_page_renders_and_searches_within_a_query_budget(admin_client, make_source, model):
    sync(make_source("feed-a"), gpt4o_snapshot())
    AIModelFactory.create_batch(5)  # more rows must not mean more queries

    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url(model), {"q": "gpt"})

    assert response.status_code == 200
    assert len(queries) <= 20, [q["sql"][:100] for q in queries.captured_queries]


@pytest.mark.django_db
def test_the_model_page_shows_current_prices_aliases_and_conflicts(admin_client, make_source):
    sync(make_source("primary", precedence=20), gpt4o_snapshot(context_window=128_000))
    sync(make_source("secondary", precedence=30), gpt4o_snapshot(context_window=200_000, output_usd="12"))
    model = AIModel.objects.get()

    page = admin_client.get(url(AIModel, "change", model.pk)).content.decode()

    assert "gpt-4o &middot; output_token" in page and "&middot; 12 <small>(secondary)</small>" in page
    assert "<b>context_window</b>: primary=128000, secondary=200000" in page
    assert "openai/gpt-4o" in page  # the alias inline


@pytest.mark.django_db
@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_what_syncs_write_cannot_be_added_or_edited_by_hand(admin_client, make_source, model):
    sync(make_source("feed-a"), gpt4o_snapshot())
    row = model.objects.first()

    assert admin_client.get(url(model, "add")).status_code == 403
    assert admin_client.post(url(model, "change", row.pk), {}).status_code == 403
    assert admin_client.post(url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.filter(pk=row.pk).exists()


@pytest.mark.django_db
def test_a_persons_edit_of_a_model_is_a_change_event_per_field_and_an_audit_event(admin_client):
    model = AIModelFactory(slug="acme/widget", context_window=8_000, lifecycle="ga")
    license_ = LicenseFactory(key="acme-community")
    form = {
        "slug": model.slug, "display_name": model.display_name, "publisher": model.publisher_id, "family": "",
        "version": "", "description": "", "lifecycle": "deprecated", "architecture": "unknown",
        "context_window": 32_000, "license": license_.pk, "input_modalities": "text", "output_modalities": "text",
        "task_types": "chat", "capabilities": "",
        **{f"{prefix}-{key}": value for prefix in ("aliases", "offerings", "provenance_claims")
           for key, value in (("TOTAL_FORMS", 0), ("INITIAL_FORMS", 0))},
    }  # fmt: skip

    response = admin_client.post(url(AIModel, "change", model.pk), form)

    assert response.status_code == 302, response.content.decode()[:2000]
    events = {e.field: e for e in ChangeEvent.objects.filter(model=model)}
    assert set(events) == {"lifecycle", "context_window", "license", "family", "max_output_tokens"}
    assert (events["context_window"].old_value, events["context_window"].new_value) == (8_000, 32_000)
    assert events["lifecycle"].signal == ChangeSignal.DEPRECATION_ANNOUNCED
    assert events["license"].signal == ChangeSignal.LICENSE_CHANGED
    audit = AuditEvent.objects.get(action="catalog.model.edit")
    assert audit.actor_username == "root" and audit.after["context_window"] == 32_000


@pytest.mark.django_db
def test_moving_an_alias_marks_it_resolved_by_a_person(admin_client):
    alias = ModelAliasFactory(name="widget-latest", resolution=AliasResolution.RULE)
    target = AIModelFactory(slug="acme/widget-2")

    response = admin_client.post(url(ModelAlias, "change", alias.pk), {"name": "widget-latest", "model": target.pk})

    assert response.status_code == 302
    alias.refresh_from_db()
    assert (alias.model, alias.resolution, alias.reviewed_by.username) == (target, AliasResolution.MANUAL, "root")
    moved = ChangeEvent.objects.get(object_type="alias", field="model")
    assert moved.new_value == target.pk


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sync_now_runs_the_source_on_a_real_worker(celery_worker_process, admin_client, make_source):
    directory = stub_reset()
    source = make_source("feed-admin", connector=FILE_STUB)
    (directory / "payload.json").write_bytes(snapshot_json(gpt4o_snapshot(input_usd="3")))

    response = admin_client.post(url(Source), {"action": "sync_now", "_selected_action": [source.pk]}, follow=True)

    assert "Sync queued for feed-admin" in response.content.decode()
    run = wait_for(lambda: SyncRun.objects.filter(source=source, trigger="admin").exclude(status="running").first(),
                   timeout=60, message="the admin's sync run")  # fmt: skip
    assert run.status == SyncStatus.SUCCEEDED, run.message
    assert Price.objects.get(unit="input_token").usd == Decimal("3")
    assert AuditEvent.objects.filter(action="catalog.source.sync_requested", actor_username="root").exists()

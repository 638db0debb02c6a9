"""Identity resolution: a source's name for a model finds the model other sources already named, by an explicit
rule, and a name no rule resolves becomes its own model flagged for review, never a silent duplicate."""

from __future__ import annotations

import pytest

from catalog.choices import AliasResolution
from catalog.connectors.base import Snapshot
from catalog.models import AIModel, ModelAlias, Offering
from catalog.services.identity import RULES, base_name, rewritten_forms, unresolved_slug
from tests.catalog.conftest import gpt4o_snapshot, model, offering, price, sync


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("azure/gpt-4o", "gpt-4o"),
        ("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", "claude-3-5-sonnet-20240620"),
        ("eu.anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"),
        ("vertex_ai/claude-3-5-sonnet@20240620", "claude-3-5-sonnet-20240620"),
        ("gemini/gemini-1.5-pro@001", "gemini-1.5-pro"),
        ("openrouter/meta-llama/llama-3-8b-instruct:free", "meta-llama/llama-3-8b-instruct"),
        # never folded: a dated snapshot is another model, and an owner that is not a channel is kept
        ("gpt-4o-2024-08-06", "gpt-4o-2024-08-06"),
        ("someuser/llama-3-8b", "someuser/llama-3-8b"),
    ],
)
def test_rules_remove_routing_decoration_only(name, expected):
    assert base_name(name) == expected


def test_every_rule_is_documented_by_an_example_it_really_performs():
    for rule in RULES:
        before, after = (part.strip() for part in rule.example.split("->"))
        assert rule.rewrite(before) == after, rule.name
        assert after in rewritten_forms(before)


def test_an_unresolved_slug_keeps_an_owner_only_when_the_name_has_one():
    assert unresolved_slug("azure/my-deployment", None) == "unknown/my-deployment"
    assert unresolved_slug("azure/my-deployment", "contoso") == "contoso/my-deployment"
    assert unresolved_slug("SomeUser/Llama-3-8B-Finetune", None) == "someuser/llama-3-8b-finetune"


@pytest.mark.django_db
def test_routing_names_of_another_source_resolve_by_rule_to_the_known_model(make_source):
    vendor, cloud = make_source("vendor", precedence=20), make_source("cloud", precedence=40)
    sync(vendor, gpt4o_snapshot())
    snapshot = Snapshot(
        models=[model("azure/gpt-4o", publisher=None), model("openrouter/openai/gpt-4o:free", publisher=None)],
        offerings=[
            offering("azure/gpt-4o", "azure/gpt-4o", price("input_token", "2.75"), provider="azure", channel="azure"),
            offering("openrouter/openai/gpt-4o:free", "openrouter/openai/gpt-4o:free", provider="openrouter",
                     channel="openrouter"),
        ],
    )  # fmt: skip

    run = sync(cloud, snapshot)

    assert AIModel.objects.count() == 1
    gpt4o = AIModel.objects.get(slug="openai/gpt-4o")
    assert set(Offering.objects.filter(model=gpt4o).values_list("external_id", flat=True)) == {
        "gpt-4o", "azure/gpt-4o", "openrouter/openai/gpt-4o:free",
    }  # fmt: skip
    assert ModelAlias.objects.get(name="azure/gpt-4o").resolution == AliasResolution.RULE
    assert ModelAlias.objects.get(name="azure/gpt-4o").source == cloud
    assert run.message == "organization +2; model ~1; offering +2"  # no model created


@pytest.mark.django_db
def test_bedrock_and_vertex_names_find_the_vendors_dated_model(make_source):
    vendor, clouds = make_source("vendor"), make_source("clouds", precedence=40)
    sync(vendor, Snapshot(models=[model("claude-3-5-sonnet-20240620", slug="anthropic/claude-3-5-sonnet-20240620",
                                        publisher="anthropic")]))  # fmt: skip

    sync(clouds, Snapshot(models=[
        model("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", publisher=None),
        model("vertex_ai/claude-3-5-sonnet@20240620", publisher=None),
    ]))  # fmt: skip

    assert list(AIModel.objects.values_list("slug", flat=True)) == ["anthropic/claude-3-5-sonnet-20240620"]
    assert ModelAlias.objects.filter(resolution=AliasResolution.RULE).count() == 2


@pytest.mark.django_db
def test_an_alias_is_matched_whatever_its_case(make_source):
    vendor, other = make_source("vendor"), make_source("other", precedence=40)
    sync(vendor, gpt4o_snapshot())

    sync(other, Snapshot(models=[model("GPT-4o", "GPT-4o", publisher=None)]))

    assert AIModel.objects.count() == 1
    assert ModelAlias.objects.filter(name="gpt-4o").count() == 1


@pytest.mark.django_db
def test_a_name_no_rule_resolves_is_its_own_unresolved_model_and_stays_one(make_source):
    vendor, cloud = make_source("vendor"), make_source("cloud", precedence=40)
    sync(vendor, gpt4o_snapshot())
    snapshot = Snapshot(models=[model("azure/contoso-finetune-7", publisher=None)])

    sync(cloud, snapshot)
    sync(cloud, snapshot)

    new = AIModel.objects.get(is_unresolved=True)
    assert new.slug == "unknown/contoso-finetune-7"
    alias = ModelAlias.objects.get(model=new)
    assert (alias.name, alias.resolution) == ("azure/contoso-finetune-7", AliasResolution.UNRESOLVED)
    assert AIModel.objects.count() == 2  # the resync found it again by its alias


@pytest.mark.django_db
def test_decorated_names_in_one_snapshot_share_one_new_model(make_source):
    cloud = make_source("cloud", precedence=40)

    sync(cloud, Snapshot(models=[
        model("bedrock/eu.acme.widget-large-v1:0", publisher="acme"),
        model("bedrock/us.acme.widget-large-v1:0", publisher="acme"),
        model("widget-large", publisher="acme"),
    ]))  # fmt: skip

    assert list(AIModel.objects.values_list("slug", "is_unresolved")) == [("acme/widget-large", True)]
    assert ModelAlias.objects.count() == 3


@pytest.mark.django_db
def test_someone_elses_finetune_and_a_dated_snapshot_are_never_merged(make_source):
    vendor, hub = make_source("vendor"), make_source("hub", precedence=50)
    sync(vendor, Snapshot(models=[model("llama-3-8b", slug="meta/llama-3-8b", publisher="meta"), model(
        "gpt-4o", slug="openai/gpt-4o")]))  # fmt: skip

    sync(hub, Snapshot(models=[
        model("someuser/llama-3-8b", slug="someuser/llama-3-8b", publisher="someuser"),
        model("gpt-4o-2024-08-06", publisher="openai"),
    ]))  # fmt: skip

    slugs = set(AIModel.objects.values_list("slug", flat=True))
    assert slugs == {"meta/llama-3-8b", "openai/gpt-4o", "someuser/llama-3-8b", "openai/gpt-4o-2024-08-06"}


@pytest.mark.django_db
def test_a_source_that_knows_the_identity_confirms_an_unresolved_model(make_source):
    cloud, vendor = make_source("cloud", precedence=40), make_source("vendor", precedence=20)
    sync(cloud, Snapshot(models=[model("azure/widget-large", publisher="acme")]))
    assert AIModel.objects.get().is_unresolved

    sync(vendor, Snapshot(models=[model("widget-large", slug="acme/widget-large", publisher="acme")]))

    confirmed = AIModel.objects.get()
    assert (confirmed.slug, confirmed.is_unresolved) == ("acme/widget-large", False)

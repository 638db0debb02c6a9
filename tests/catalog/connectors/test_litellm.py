"""litellm's price map: routing keys become offerings of one model each, with exact per-1M prices."""

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.choices import Capability, Channel, DeploymentType, Modality, OfferingStatus, PriceUnit, TaskType
from catalog.connectors._common import identify
from catalog.connectors.base import ConnectorError, Payload, Rejection, Snapshot
from catalog.connectors.litellm import SNAPSHOT_DIR, SNAPSHOT_FILE, LiteLLMConnector
from catalog.connectors.models_dev import ModelsDevConnector

FIXTURE = Path(__file__).parent / "fixtures" / "litellm_prices.json"
FETCHED = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
URL = "https://prices.example.com/model_prices_and_context_window.json"
CLAUDE_KEYS = [
    "claude-3-5-sonnet-20240620",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0",
    "bedrock/us-gov-west-1/anthropic.claude-3-5-sonnet-20240620-v1:0",
    "vertex_ai/claude-3-5-sonnet@20240620",
]


def payload(body: bytes | None = None) -> Payload:
    return Payload(body=FIXTURE.read_bytes() if body is None else body, origin="fixture", fetched_at=FETCHED)


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return LiteLLMConnector().parse(payload())


def offering(snapshot, key):
    return next(item for item in snapshot.offerings if item.external_id == key)


def model(snapshot, key):
    return next(item for item in snapshot.models if item.external_id == key)


def price(item, unit, tier="", variant="standard"):
    found = [p.usd for p in item.prices if (p.unit, p.tier, p.variant) == (unit, tier, variant)]
    assert len(found) == 1, f"{item.external_id}: {unit}/{tier}/{variant} in {item.prices}"
    return found[0]


def test_per_token_floats_become_exact_decimals_per_million(snapshot):
    gpt_4o = offering(snapshot, "gpt-4o")
    # 2.5e-06 * 1e6 in binary floating point is 2.4999999999999996: the connector never does that.
    assert price(gpt_4o, PriceUnit.INPUT_TOKEN) == Decimal("2.5")
    assert str(price(gpt_4o, PriceUnit.INPUT_TOKEN)) == "2.5"
    assert price(gpt_4o, PriceUnit.OUTPUT_TOKEN) == Decimal("10")
    assert price(gpt_4o, PriceUnit.CACHED_INPUT_TOKEN) == Decimal("1.25")
    assert price(offering(snapshot, "azure/eu/gpt-4o-2024-08-06"), PriceUnit.CACHED_INPUT_TOKEN) == Decimal("1.375")
    assert price(offering(snapshot, "claude-3-5-sonnet-20240620"), PriceUnit.CACHE_WRITE_TOKEN) == Decimal("3.75")
    assert all(isinstance(p.usd, Decimal) for item in snapshot.offerings for p in item.prices)


def test_batch_and_priority_prices_are_variants(snapshot):
    gpt_4o = offering(snapshot, "gpt-4o")
    assert price(gpt_4o, PriceUnit.INPUT_TOKEN, variant="batch") == Decimal("1.25")
    assert price(gpt_4o, PriceUnit.OUTPUT_TOKEN, variant="batch") == Decimal("5")
    assert price(gpt_4o, PriceUnit.INPUT_TOKEN, variant="priority") == Decimal("4.25")
    assert price(gpt_4o, PriceUnit.OUTPUT_TOKEN, variant="priority") == Decimal("17")


def test_long_context_prices_are_a_tier(snapshot):
    gemini = offering(snapshot, "gemini/gemini-2.5-pro")
    assert price(gemini, PriceUnit.INPUT_TOKEN) == Decimal("1.25")
    assert price(gemini, PriceUnit.INPUT_TOKEN, tier="above_200k") == Decimal("2.5")
    assert price(gemini, PriceUnit.OUTPUT_TOKEN, tier="above_200k") == Decimal("15")
    assert price(gemini, PriceUnit.CACHED_INPUT_TOKEN, tier="above_200k") == Decimal("0.25")
    assert price(gemini, PriceUnit.INPUT_TOKEN, tier="above_200k", variant="batch") == Decimal("1.25")
    assert [price(gemini, PriceUnit.WEB_SEARCH, tier=size) for size in ("low", "medium", "high")] == [
        Decimal("0.035")
    ] * 3


def test_per_second_prices_of_a_transcription_model(snapshot):
    whisper = offering(snapshot, "whisper-1")
    assert price(whisper, PriceUnit.AUDIO_SECOND, tier="input") == Decimal("0.0001")
    assert model(snapshot, "whisper-1").task_types == [TaskType.TRANSCRIPTION]
    assert model(snapshot, "whisper-1").input_modalities == [Modality.AUDIO]


def test_keys_of_one_model_propose_the_same_slug(snapshot):
    assert {model(snapshot, key).slug for key in CLAUDE_KEYS} == {"anthropic/claude-3-5-sonnet-20240620"}
    assert {model(snapshot, key).publisher for key in CLAUDE_KEYS} == {"anthropic"}
    assert model(snapshot, "gpt-4o").slug == model(snapshot, "azure/gpt-4o").slug == "openai/gpt-4o"
    llama = {
        model(snapshot, key).slug
        for key in ("vertex_ai/meta/llama-3.3-70b-instruct-maas", "meta.llama3-3-70b-instruct-v1:0")
    }
    assert llama == {"meta/llama-3.3-70b-instruct"}


def test_dated_snapshots_and_variants_stay_distinct_models(snapshot):
    # gpt-4o-2024-08-06 is priced differently from gpt-4o; Together's "Turbo" is its own quantised build.
    assert model(snapshot, "azure/eu/gpt-4o-2024-08-06").slug == "openai/gpt-4o-2024-08-06"
    assert model(snapshot, "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo").slug == (
        "meta/llama-3.3-70b-instruct-turbo"
    )


@pytest.mark.parametrize(
    ("name", "host", "slug", "quantization"),
    [
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", "amazon", "anthropic/claude-3-5-sonnet-20241022", ""),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "amazon", "anthropic/claude-sonnet-4-5-20250929", ""),
        ("mistral.mistral-7b-instruct-v0:2", "amazon", "mistral/mistral-7b-instruct-v0.2", ""),
        ("amazon.titan-embed-text-v2:0", "amazon", "amazon/titan-embed-text-v2", ""),
        ("openai.gpt-oss-120b-1:0", "amazon", "openai/gpt-oss-120b", ""),
        ("mistral-large@2407", "google", "mistral/mistral-large-2407", ""),
        ("anthropic/claude-3.5-sonnet", "openrouter", "anthropic/claude-3-5-sonnet", ""),
        (
            "accounts/fireworks/models/qwen2p5-coder-32b-instruct",
            "fireworks-ai",
            "alibaba/qwen2.5-coder-32b-instruct",
            "",
        ),
        ("zai-org/GLM-4.6-FP8", "baseten", "zai/glm-4.6", "fp8"),
        ("llama-4-maverick-17b-128e-instruct-fp8", "lambda", "meta/llama-4-maverick-17b-128e-instruct", "fp8"),
        ("@cf/meta/llama-3.1-8b-instruct", "cloudflare", "meta/llama-3.1-8b-instruct", ""),
        ("gpt-35-turbo", "microsoft", "openai/gpt-3.5-turbo", ""),
        ("nova-3", "deepgram", "deepgram/nova-3", ""),  # Deepgram's own model, not Amazon Nova
        ("gryphe/mythomax-l2-13b", "openrouter", "gryphe/mythomax-l2-13b", ""),
        ("search", "tavily", None, ""),  # no publisher known: the sync leaves it for a person to review
    ],
)
def test_routing_names_propose_a_publisher_and_canonical_name(name, host, slug, quantization):
    identity = identify(name, host=host)
    assert (identity.slug, identity.quantization) == (slug, quantization)


def test_names_carry_the_key_and_the_underlying_model_name(snapshot):
    names = model(snapshot, "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0").names
    assert names[0] == "bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0"
    assert "us.anthropic.claude-3-5-sonnet-20240620-v1:0" in names
    assert "claude-3-5-sonnet-20240620" in names
    assert model(snapshot, "azure/gpt-4o").names == ["azure/gpt-4o", "gpt-4o"]


@pytest.mark.parametrize(
    ("key", "provider", "channel", "deployment", "regions"),
    [
        ("gpt-4o", "openai", Channel.VENDOR_API, DeploymentType.SERVERLESS, []),
        ("azure/gpt-4o", "microsoft", Channel.AZURE, DeploymentType.SERVERLESS, []),
        ("azure/eu/gpt-4o-2024-08-06", "microsoft", Channel.AZURE, DeploymentType.DATA_ZONE, ["eu"]),
        ("anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon", Channel.BEDROCK, DeploymentType.SERVERLESS, []),
        ("bedrock/us.anthropic.claude-3-5-sonnet-20240620-v1:0", "amazon", Channel.BEDROCK, "data_zone", ["us"]),
        (CLAUDE_KEYS[3], "amazon", Channel.BEDROCK, DeploymentType.REGIONAL, ["us-gov-west-1"]),
        ("vertex_ai/claude-3-5-sonnet@20240620", "google", Channel.VERTEX, DeploymentType.SERVERLESS, []),
        ("vertex_ai/meta/llama-3.3-70b-instruct-maas", "google", Channel.VERTEX, "serverless", ["us-central1"]),
        ("gemini/gemini-2.5-pro", "google", Channel.VENDOR_API, DeploymentType.SERVERLESS, []),
        ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together-ai", Channel.OTHER, "serverless", []),
    ],
)
def test_provider_channel_and_regions_come_from_the_key(snapshot, key, provider, channel, deployment, regions):
    item = offering(snapshot, key)
    assert (item.provider, item.channel, item.deployment_type, item.regions) == (
        provider,
        channel,
        deployment,
        regions,
    )


def test_a_malformed_entry_is_rejected_by_key_and_the_rest_still_parse(snapshot):
    rejected = {rejection.record: rejection.error for rejection in snapshot.rejected}
    assert set(rejected) == {"openai/negative-price-model", "openai/text-price-model", "openai/not-an-object"}
    assert "input_cost_per_token" in rejected["openai/negative-price-model"]
    assert "negative" in rejected["openai/negative-price-model"]
    assert "not a number" in rejected["openai/text-price-model"]
    assert "not an object" in rejected["openai/not-an-object"]
    keys = {item.external_id for item in snapshot.offerings}
    assert keys.isdisjoint(rejected)
    # sample_spec documents the format and claude-sonnet-latest is a floating alias: neither is a model.
    assert "sample_spec" not in keys and "claude-sonnet-latest" not in keys
    assert len(keys) == 13 == len(snapshot.models)
    assert snapshot.complete is True


def test_capabilities_modalities_and_limits(snapshot):
    gpt_4o = model(snapshot, "gpt-4o")
    assert set(gpt_4o.capabilities) == {
        Capability.TOOLS,
        Capability.VISION,
        Capability.STRUCTURED_OUTPUT,
        Capability.PROMPT_CACHING,
    }
    assert gpt_4o.input_modalities == [Modality.TEXT, Modality.IMAGE, Modality.PDF]
    assert (gpt_4o.context_window, gpt_4o.max_output_tokens, gpt_4o.task_types) == (128000, 16384, [TaskType.CHAT])
    gemini = model(snapshot, "gemini/gemini-2.5-pro")
    assert set(gemini.input_modalities) == {Modality.TEXT, Modality.IMAGE, Modality.AUDIO, Modality.VIDEO}
    assert {Capability.REASONING, Capability.WEB_SEARCH, Capability.AUDIO_INPUT} <= set(gemini.capabilities)
    # A key that says nothing about capabilities says "unknown", not "none".
    assert model(snapshot, "meta.llama3-3-70b-instruct-v1:0").capabilities is None


def test_deprecation_date_successor_and_status(snapshot):
    gpt_4o = model(snapshot, "gpt-4o")
    assert (gpt_4o.deprecation_date, gpt_4o.successor) == (dt.date(2027, 1, 14), "gpt-5")
    assert offering(snapshot, "gpt-4o").status == OfferingStatus.ACTIVE  # announced, still served
    assert offering(snapshot, "claude-3-5-sonnet-20240620").status == OfferingStatus.DEPRECATED  # date passed


def test_organizations_of_providers_and_publishers(snapshot):
    organizations = {organization.slug: organization for organization in snapshot.organizations}
    assert {"openai", "anthropic", "microsoft", "amazon", "google", "meta", "together-ai"} <= set(organizations)
    assert organizations["together-ai"].is_provider and not organizations["together-ai"].is_publisher
    assert organizations["anthropic"].is_publisher and organizations["anthropic"].country == "US"
    assert organizations["google"].parent == "alphabet" and "alphabet" in organizations


@pytest.mark.parametrize("body", [b"", b"{not json", b"[1, 2]", b"\xff\xfe", b'"a string"'])
def test_an_unusable_document_is_a_connector_error(body):
    with pytest.raises(ConnectorError, match="litellm price map"):
        LiteLLMConnector().parse(payload(body))


def test_fetch_without_a_url_reads_the_shipped_snapshot(monkeypatch):
    monkeypatch.delenv("MODELGATE_LITELLM_URL", raising=False)
    fetched = LiteLLMConnector().fetch()
    origin = json.loads((SNAPSHOT_DIR / "ORIGIN.json").read_text())
    assert fetched.body == SNAPSHOT_FILE.read_bytes()
    assert fetched.meta["sha256"] == hashlib.sha256(fetched.body).hexdigest() == origin["sha256"]
    assert fetched.meta["version"] == origin["version"] not in {"1.82.7", "1.82.8"}  # compromised releases
    assert fetched.origin == f"litellm=={origin['version']}:litellm/model_prices_and_context_window_backup.json"
    notice = (SNAPSHOT_DIR / "NOTICE").read_text()
    assert "MIT License" in notice and "Berri AI" in notice


@respx.mock
def test_fetch_gets_the_configured_url(monkeypatch):
    monkeypatch.setenv("MODELGATE_LITELLM_URL", URL)
    respx.get(URL).mock(return_value=httpx.Response(200, content=FIXTURE.read_bytes()))
    fetched = LiteLLMConnector().fetch()
    assert (fetched.origin, fetched.body) == (URL, FIXTURE.read_bytes())
    assert len(LiteLLMConnector().parse(fetched).offerings) == 13


@respx.mock
@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(503), "HTTP 503"),
        (httpx.Response(200, content=b"<html>rate limited</html>"), "not valid JSON"),
        (httpx.Response(200, content=b"[]"), "not an object"),
    ],
)
def test_fetch_fails_clearly_on_http_errors_and_bad_json(monkeypatch, response, message):
    monkeypatch.setenv("MODELGATE_LITELLM_URL", URL)
    respx.get(URL).mock(return_value=response)
    with pytest.raises(ConnectorError, match=message):
        LiteLLMConnector().fetch()


@respx.mock
def test_fetch_fails_clearly_when_the_network_does(monkeypatch):
    monkeypatch.setenv("MODELGATE_LITELLM_URL", URL)
    respx.get(URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(ConnectorError, match="failed"):
        LiteLLMConnector().fetch()


def test_full_shipped_sources_parse_at_scale_and_deterministically():
    litellm, models_dev = LiteLLMConnector(), ModelsDevConnector()
    prices, catalog = litellm.embedded_payload(), models_dev.embedded_payload()
    first = [litellm.parse(prices), models_dev.parse(catalog)]
    offerings = [item for snap in first for item in snap.offerings]
    slugs = {record.slug for snap in first for record in snap.models if record.slug}
    providers = {item.provider for item in offerings}
    assert len(offerings) >= 4000
    assert len(slugs) >= 2000
    assert len(providers) >= 50
    # The real files are clean: only a handful of impossible dates upstream, each reported and kept.
    assert len(first[0].rejected) == 0
    assert all("#" in rejection.record for rejection in first[1].rejected)
    assert [litellm.parse(prices), models_dev.parse(catalog)] == first


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "litellm_provider",
        "mode",
        "input_cost_per_token",
        "output_cost_per_token_batches",
        "cache_read_input_token_cost_above_200k_tokens",
        "output_cost_per_image_1024",
        "max_input_tokens",
        "supports_vision",
        "supported_regions",
        "supported_modalities",
        "deprecation_date",
        "search_context_cost_per_query",
        "tiered_pricing",
        "off_peak_pricing",
        "alias_of",
        "successor_model",
    ]
)
ENTRY = st.dictionaries(FIELDS | st.text(max_size=10), JSON_VALUES, max_size=8)
PROVIDER_ENTRY = st.fixed_dictionaries(
    {"litellm_provider": st.sampled_from(["openai", "bedrock", "azure", "vertex_ai-x", "acme"])}, optional={}
).flatmap(lambda base: ENTRY.map(lambda extra: {**extra, **base}))
KEYS = st.sampled_from(["gpt-4o", "bedrock/us.x.y-v1:0", "azure/eu/a", "a/b/c", ""]) | st.text(max_size=40)
DOCUMENTS = st.dictionaries(KEYS, ENTRY | PROVIDER_ENTRY | JSON_VALUES, max_size=6) | JSON_VALUES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, raw=st.binary(max_size=40), use_raw=st.booleans())
def test_hostile_json_yields_only_rejections_or_a_connector_error(document, raw, use_raw):
    body = raw if use_raw else json.dumps(document).encode()
    try:
        snapshot = LiteLLMConnector().parse(payload(body))
    except ConnectorError:
        return
    assert all(isinstance(rejection, Rejection) for rejection in snapshot.rejected)
    assert all(isinstance(p.usd, Decimal) and p.usd >= 0 for item in snapshot.offerings for p in item.prices)
    assert len(snapshot.offerings) == len(snapshot.models)

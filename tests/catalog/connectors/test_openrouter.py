"""OpenRouter connector: hand-made payloads in OpenRouter's real formats (list and per-model endpoints)."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from catalog.connectors.base import ConnectorError, Payload
from catalog.connectors.openrouter import API_ROOT, OpenRouterConnector, TransientFetchError

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = Path("/work/shared/reference/openrouter")
MODELS_URL = f"{API_ROOT}/models"
MIXTRAL = "mistralai/mixtral-8x7b-instruct"


def payload(body: bytes | None = None, parts: dict[str, bytes] | None = None) -> Payload:
    body = (FIXTURES / "openrouter_models.json").read_bytes() if body is None else body
    return Payload(body=body, origin=MODELS_URL, fetched_at=dt.datetime(2025, 5, 23, tzinfo=dt.UTC), parts=parts or {})


def endpoints() -> bytes:
    return (FIXTURES / "openrouter_endpoints_mixtral-8x7b-instruct.json").read_bytes()


@pytest.fixture
def snapshot():
    return OpenRouterConnector(endpoint_models=[]).parse(payload(parts={MIXTRAL: endpoints()}))


def by_id(records, attribute="external_id"):
    return {getattr(record, attribute): record for record in records}


def prices(offering):
    return {(price.unit, price.tier): price.usd for price in offering.prices}


def test_token_prices_become_exact_decimals_per_million_and_unit_prices_stay_per_unit(snapshot):
    sonnet = by_id(snapshot.offerings)["anthropic/claude-sonnet-4"]
    assert prices(sonnet) == {
        ("input_token", ""): Decimal("3"),
        ("output_token", ""): Decimal("15"),
        ("cached_input_token", ""): Decimal("0.3"),
        ("cache_write_token", ""): Decimal("3.75"),
        ("image", ""): Decimal("0.0048"),  # per image, not multiplied
        ("web_search", ""): Decimal("0.01"),
    }
    assert all(isinstance(price.usd, Decimal) for price in sonnet.prices)
    # A per-token price below a cent per million stays exact, with no float rounding.
    mixtral = by_id(snapshot.offerings)[MIXTRAL]
    assert prices(mixtral) == {("input_token", ""): Decimal("0.08"), ("output_token", ""): Decimal("0.24")}


def test_zero_means_free_for_prompt_and_completion_but_not_billed_separately_elsewhere(snapshot):
    free = by_id(snapshot.offerings)[f"{MIXTRAL}:free"]
    assert prices(free) == {("input_token", ""): Decimal(0), ("output_token", ""): Decimal(0)}
    sonnet_units = {price.unit for price in by_id(snapshot.offerings)["anthropic/claude-sonnet-4"].prices}
    assert "reasoning_token" not in sonnet_units  # internal_reasoning "0": billed as output, not free
    assert "request" not in sonnet_units


def test_minus_one_and_missing_prices_are_unknown_not_free(snapshot):
    auto = by_id(snapshot.offerings)["openrouter/auto"]
    assert auto.prices == []
    lunaris = by_id(snapshot.offerings)["sao10k/l3-lunaris-8b"]
    assert prices(lunaris) == {("input_token", ""): Decimal("0.02")}  # no completion price given: none recorded


def test_an_entry_lacking_todays_required_fields_is_read_fully(snapshot):
    mixtral = by_id(snapshot.models)[MIXTRAL]
    assert "canonical_slug" not in json.loads(payload().body)["data"][1]  # the fixture really lacks it
    assert mixtral.display_name == "Mixtral 8x7B Instruct"
    assert mixtral.publisher == "mistral"
    assert mixtral.slug == "mistral/mixtral-8x7b-instruct"
    assert mixtral.context_window == 32768
    assert mixtral.max_output_tokens == 16384
    assert mixtral.release_date == dt.date(2023, 12, 10)
    assert mixtral.open_weights is True
    assert mixtral.capabilities == ["tools"]
    assert {MIXTRAL, f"openrouter/{MIXTRAL}", "mistralai/Mixtral-8x7B-Instruct-v0.1"} <= set(mixtral.names)


def test_variants_are_offerings_of_one_model_that_keeps_the_plain_entrys_facts(snapshot):
    models = by_id(snapshot.models)
    assert f"{MIXTRAL}:free" not in models
    assert models[MIXTRAL].context_window == 32768  # not the free variant's 8192
    assert f"{MIXTRAL}:free" in models[MIXTRAL].names
    free = by_id(snapshot.offerings)[f"{MIXTRAL}:free"]
    assert (free.model_ref, free.channel, free.provider, free.context_window) == (
        MIXTRAL,
        "openrouter",
        "openrouter",
        8192,
    )


def test_modalities_capabilities_and_dates_of_a_current_entry(snapshot):
    sonnet = by_id(snapshot.models)["anthropic/claude-sonnet-4"]
    assert sonnet.display_name == "Claude Sonnet 4"
    assert sonnet.input_modalities == ["image", "text", "pdf"]
    assert sonnet.output_modalities == ["text"]
    assert sonnet.capabilities == ["prompt_caching", "reasoning", "structured_output", "tools", "vision"]
    assert sonnet.task_types == ["chat", "reasoning"]
    assert sonnet.knowledge_cutoff == dt.date(2025, 3, 1)
    assert sonnet.release_date == dt.date(2025, 5, 22)
    assert "anthropic/claude-4-sonnet-20250522" in sonnet.names
    assert sonnet.open_weights is None  # no Hugging Face id proves nothing
    gemini = by_id(snapshot.models)["google/gemini-2.5-pro-preview"]
    assert "audio_input" in gemini.capabilities


def test_an_announced_expiry_marks_the_listing_deprecated(snapshot):
    offerings = by_id(snapshot.offerings)
    assert offerings["google/gemini-2.5-pro-preview"].status == "deprecated"
    assert offerings["anthropic/claude-sonnet-4"].status == "active"


def test_malformed_entries_are_rejected_by_name_and_the_others_kept(snapshot):
    rejected = by_id(snapshot.rejected, "record")
    assert set(rejected) == {"broken/model-x", "data[7]", f"{MIXTRAL} endpoints[2]"}
    assert "pricing.prompt" in rejected["broken/model-x"].error
    assert "id is missing" in rejected["data[7]"].error
    assert "provider_name" in rejected[f"{MIXTRAL} endpoints[2]"].error
    assert "broken/model-x" not in by_id(snapshot.models)
    assert len(snapshot.models) == 5
    assert snapshot.complete is True


def test_each_provider_endpoint_is_its_own_offering_with_quantization_prices_and_data_policy(snapshot):
    offerings = by_id(snapshot.offerings)
    deepinfra = offerings[f"{MIXTRAL}@deepinfra/fp8"]
    together = offerings[f"{MIXTRAL}@together"]
    assert (deepinfra.provider, deepinfra.quantization, deepinfra.model_ref) == ("deepinfra", "fp8", MIXTRAL)
    assert prices(deepinfra) == {("input_token", ""): Decimal("0.08"), ("output_token", ""): Decimal("0.24")}
    assert prices(together) == {("input_token", ""): Decimal("0.6"), ("output_token", ""): Decimal("0.6")}
    assert (together.quantization, together.max_output_tokens) == ("fp16", 2048)
    assert (deepinfra.zero_data_retention, deepinfra.data_retention_days, deepinfra.trains_on_prompts) == (
        True,
        0,
        False,
    )
    assert (together.zero_data_retention, together.data_retention_days) == (False, 30)
    organizations = by_id(snapshot.organizations, "slug")
    assert organizations["deepinfra"].is_provider and organizations["together-ai"].is_provider
    assert organizations["mistral"].is_publisher and organizations["openrouter"].is_provider


def test_endpoints_for_a_model_missing_from_the_list_are_rejected():
    snapshot = OpenRouterConnector(endpoint_models=[]).parse(payload(parts={"acme/ghost": endpoints()}))
    assert [(r.record, r.error) for r in snapshot.rejected if "ghost" in r.record] == [
        ("acme/ghost endpoints", "no such model in the model list")
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [(b"{not json", "not valid JSON"), (b'{"models": []}', "'data' list"), (b"[]", "'data' list")],
)
def test_an_unusable_document_is_a_connector_error(body, message):
    with pytest.raises(ConnectorError, match=message):
        OpenRouterConnector(endpoint_models=[]).parse(payload(body=body))


@respx.mock
def test_fetch_reads_the_list_and_the_chosen_models_endpoints():
    respx.get(MODELS_URL).mock(return_value=httpx.Response(200, content=payload().body))
    respx.get(f"{MODELS_URL}/{MIXTRAL}/endpoints").mock(return_value=httpx.Response(200, content=endpoints()))
    respx.get(f"{MODELS_URL}/acme/gone/endpoints").mock(return_value=httpx.Response(404))
    fetched = OpenRouterConnector(endpoint_models=[MIXTRAL, "acme/gone"]).fetch()
    assert fetched.origin == MODELS_URL
    assert set(fetched.parts) == {MIXTRAL}  # a model without endpoints any more is skipped, not an error
    assert f"{MIXTRAL}@together" in by_id(OpenRouterConnector(endpoint_models=[]).parse(fetched).offerings)


@respx.mock
@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_transient(status):
    respx.get(MODELS_URL).mock(return_value=httpx.Response(status))
    with pytest.raises(TransientFetchError, match=str(status)):
        OpenRouterConnector(endpoint_models=[]).fetch()


@respx.mock
def test_a_network_failure_is_transient_and_a_client_error_is_not():
    respx.get(MODELS_URL).mock(side_effect=httpx.ConnectTimeout("timed out"))
    with pytest.raises(TransientFetchError):
        OpenRouterConnector(endpoint_models=[]).fetch()
    respx.get(MODELS_URL).mock(return_value=httpx.Response(401))
    with pytest.raises(ConnectorError) as error:
        OpenRouterConnector(endpoint_models=[]).fetch()
    assert not isinstance(error.value, TransientFetchError)


@respx.mock
def test_a_malformed_body_fails_the_fetch_clearly():
    respx.get(MODELS_URL).mock(return_value=httpx.Response(200, content=b"<html>maintenance</html>"))
    with pytest.raises(ConnectorError, match="not valid JSON"):
        OpenRouterConnector(endpoint_models=[]).fetch()


def test_endpoint_models_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MODELGATE_OPENROUTER_ENDPOINT_MODELS", f" {MIXTRAL}, ,anthropic/claude-sonnet-4")
    assert OpenRouterConnector().endpoint_models == [MIXTRAL, "anthropic/claude-sonnet-4"]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the shared reference payloads are not on this machine")
def test_the_recorded_real_responses_import_without_rejections():
    body = (REFERENCE / "openrouter_api_v1_models_2025-05-23.json").read_bytes()
    parts = {
        "google/gemini-2.5-pro-preview": (
            REFERENCE / "openrouter_api_v1_models_google_gemini-2.5-pro-preview_endpoints_2025-05-23.json"
        ).read_bytes()
    }
    snapshot = OpenRouterConnector(endpoint_models=[]).parse(payload(body=body, parts=parts))
    assert snapshot.rejected == []
    assert len(snapshot.offerings) == len(json.loads(body)["data"]) + 2
    opus = by_id(snapshot.offerings)["anthropic/claude-opus-4"]
    assert prices(opus)[("input_token", "")] == Decimal("15")
    assert prices(opus)[("output_token", "")] == Decimal("75")
    assert by_id(snapshot.offerings)["google/gemini-2.5-pro-preview@google-vertex"].max_output_tokens == 65535

"""Hostile input into the OpenRouter, Hugging Face and curated parsers: they answer with a snapshot (bad records
rejected by name) or a ConnectorError, never another exception, and what they do return is within Modelgate's
rules (choices, non-negative finite prices, references that resolve)."""

import datetime as dt
import json
from decimal import Decimal

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.choices import Capability, Channel, LineageRelation, Modality, PriceUnit, SourceTier
from catalog.connectors.base import ConnectorError, Payload
from catalog.connectors.curated import SECTIONS, CuratedConnector
from catalog.connectors.huggingface import HuggingFaceConnector
from catalog.connectors.openrouter import PRICE_KEYS, OpenRouterConnector

# database=None: no example database written into the working tree.
FUZZ = settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["-1", "0", "1e400", "NaN", "0.000001", "-0", "1_000", " 7 ", "2025-02-30", "2025-05-22"])
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def keyed(keys, extra=values):
    """Mappings that use the parser's own keys (so parsing gets deep), with hostile values."""
    return st.dictionaries(st.sampled_from(sorted(keys)), extra, max_size=len(keys))


def payload(body: bytes, parts: dict[str, bytes] | None = None) -> Payload:
    return Payload(body=body, origin="fuzz", fetched_at=NOW, parts=parts or {})


def parse_or_refuse(connector, data: Payload):
    try:
        return connector.parse(data)
    except ConnectorError:
        return None


def assert_prices_are_sane(snapshot):
    for offering in snapshot.offerings:
        assert offering.channel in Channel.values
        for price in offering.prices:
            assert isinstance(price.usd, Decimal) and price.usd.is_finite() and 0 <= price.usd <= Decimal("1e9")
            assert price.unit in PriceUnit.values


openrouter_models = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=30) | values,
        "name": values,
        "created": values,
        "context_length": values,
        "hugging_face_id": values,
        "canonical_slug": values,
        "expiration_date": values,
        "knowledge_cutoff": values,
        "supported_parameters": st.lists(st.sampled_from(["tools", "reasoning", "structured_outputs"])) | values,
        "pricing": keyed(set(PRICE_KEYS) | {"discount"}, scalars) | values,
        "architecture": keyed({"input_modalities", "output_modalities"}, st.lists(st.text(max_size=6)) | values),
        "top_provider": keyed({"max_completion_tokens", "context_length"}, scalars),
    },
)


@FUZZ
@given(
    entries=st.lists(openrouter_models | values, max_size=6),
    endpoints=st.dictionaries(st.text(max_size=12), values, max_size=2),
    raw=st.binary(max_size=64),
)
def test_openrouter_parse_survives_hostile_json(entries, endpoints, raw):
    connector = OpenRouterConnector(endpoint_models=[])
    body = json.dumps({"data": entries}).encode()
    parts = {key: json.dumps({"data": {"endpoints": value}}).encode() for key, value in endpoints.items()}
    parts["raw/bytes"] = raw
    snapshot = parse_or_refuse(connector, payload(body, parts))
    assert snapshot is not None  # the document itself is well-formed: only records may be rejected
    assert_prices_are_sane(snapshot)
    model_ids = {model.external_id for model in snapshot.models}
    assert all(offering.model_ref in model_ids for offering in snapshot.offerings)
    for model in snapshot.models:
        assert set(model.capabilities or []) <= set(Capability.values)
        assert set(model.input_modalities or []) <= set(Modality.values)
    assert all(rejection.record for rejection in snapshot.rejected)
    parse_or_refuse(connector, payload(raw))  # arbitrary bytes: a snapshot or a ConnectorError


card_keys = ["license", "license_name", "base_model", "base_model_relation", "datasets", "tags", "model-index"]
model_index = st.lists(
    st.fixed_dictionaries(
        {"name": values, "results": st.lists(keyed({"dataset", "metrics", "source"}, values) | values, max_size=3)}
    )
    | values,
    max_size=2,
)


@FUZZ
@given(
    front_matter=st.dictionaries(st.sampled_from(card_keys), values | model_index, max_size=5),
    raw_card=st.text(max_size=80),
    record=keyed({"id", "author", "tags", "createdAt", "lastModified", "safetensors", "config", "cardData"}, values),
    raw_record=st.binary(max_size=40),
)
def test_huggingface_parse_survives_hostile_cards_and_records(front_matter, raw_card, record, raw_record):
    card = f"---\n{yaml.safe_dump(front_matter, allow_unicode=True)}---\n# card\n".encode()
    parts = {
        "a/one/README.md": card,
        "a/one/record.json": json.dumps(record).encode(),
        "b/two/README.md": f"---\n{raw_card}\n---\n".encode(),
        "c/three/record.json": raw_record,
    }
    body = json.dumps({"repos": ["a/one", "b/two", "c/three", "d/four"]}).encode()
    snapshot = parse_or_refuse(HuggingFaceConnector(repos=[]), payload(body, parts))
    assert snapshot is not None
    assert snapshot.complete is False
    assert {edge.relation for edge in snapshot.lineage} <= set(LineageRelation.values)
    for result in snapshot.benchmark_results:
        assert result.score.is_finite() and result.source_tier in SourceTier.values
    assert "d/four" in {rejection.record for rejection in snapshot.rejected}  # nothing fetched for it


curated_fields = [
    "slug", "name", "names", "sources", "architecture", "total_parameters", "active_parameters", "license",
    "release_date", "id", "model", "topic", "values", "teachers", "statement", "source_kind", "source_url",
    "stated_on", "score", "benchmark", "measured_on", "relation", "base", "country", "website",
]  # fmt: skip


@FUZZ
@given(
    document=st.dictionaries(
        st.sampled_from([*SECTIONS, "schema_version"]),
        st.lists(st.dictionaries(st.sampled_from(curated_fields), values, max_size=8) | values, max_size=4)
        | st.just(1)
        | values,
        max_size=7,
    ),
    raw=st.text(max_size=120),
)
def test_curated_parse_survives_hostile_yaml(document, raw):
    connector = CuratedConnector()
    document.setdefault("schema_version", 1)
    snapshot = parse_or_refuse(connector, payload(yaml.safe_dump(document, allow_unicode=True).encode()))
    if snapshot is not None:
        for model in snapshot.models:
            if model.active_parameters and model.total_parameters:
                assert model.active_parameters <= model.total_parameters
        for claim in snapshot.claims:
            assert claim.source_url.startswith(("https://", "http://")) and isinstance(claim.stated_on, dt.date)
    parse_or_refuse(connector, payload(raw.encode()))

"""Curated provenance file: the shipped file, a hand-made file with a bad entry, and every validation rule."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from catalog.connectors.base import ConnectorError, Payload
from catalog.connectors.curated import SHIPPED_FILE, CuratedConnector

FIXTURE = Path(__file__).parent / "fixtures" / "curated_provenance.yaml"

GOOD_MODEL = {
    "slug": "acme-labs/falcon-moe",
    "architecture": "moe",
    "total_parameters": 46_700_000_000,
    "active_parameters": 12_900_000_000,
    "sources": [
        {"url": "https://acme-labs.example/news", "stated_on": dt.date(2024, 2, 1), "supports": ["architecture"]}
    ],
}
GOOD_CLAIM = {
    "id": "falcon-moe/origin",
    "model": "acme-labs/falcon-moe",
    "topic": "origin",
    "values": ["from_scratch"],
    "statement": "Trained from scratch.",
    "source_kind": "vendor_statement",
    "source_url": "https://acme-labs.example/news",
    "stated_on": dt.date(2024, 2, 1),
}
GOOD_RESULT = {
    "id": "falcon-moe/swe",
    "model": "acme-labs/falcon-moe",
    "benchmark": "swe-bench-verified",
    "score": 41.3,
    "source_name": "Acme Labs",
    "source_url": "https://acme-labs.example/news",
    "measured_on": dt.date(2024, 2, 1),
}


def parse_document(document: dict):
    body = yaml.safe_dump({"schema_version": 1, **document}).encode()
    return CuratedConnector().parse(Payload(body=body, origin="upload.yaml", fetched_at=dt.datetime.now(dt.UTC)))


def by(records, attribute):
    return {getattr(record, attribute): record for record in records}


def test_the_shipped_file_parses_without_a_single_rejection():
    connector = CuratedConnector()
    snapshot = connector.parse(connector.fetch())
    assert snapshot.rejected == []
    assert len(snapshot.models) >= 8 and snapshot.claims and snapshot.benchmark_results
    mixtral = by(snapshot.models, "slug")["mistral/mixtral-8x7b-instruct"]
    assert (mixtral.total_parameters, mixtral.active_parameters) == (46_700_000_000, 12_900_000_000)
    assert by(snapshot.models, "slug")["deepseek/deepseek-v3"].active_parameters == 37_000_000_000
    opus = by(snapshot.benchmark_results, "external_id")["claude-opus-4/swe-bench-verified"]
    assert (opus.score, opus.source_tier, opus.measured_on) == (Decimal("72.5"), "vendor_claimed", dt.date(2025, 5, 22))
    assert all(claim.source_url.startswith("https://") and claim.stated_on for claim in snapshot.claims)
    assert all(result.source_url.startswith("https://") for result in snapshot.benchmark_results)
    assert {org.slug for org in snapshot.organizations} >= {model.publisher for model in snapshot.models}


def test_fetch_reads_the_file_with_its_checksum():
    payload = CuratedConnector().fetch()
    assert payload.origin == str(SHIPPED_FILE)
    assert payload.meta["sha256"] == payload.sha256  # no parts: the file's own digest
    assert CuratedConnector.embedded_payload().body == payload.body


def test_a_bad_entry_is_rejected_by_name_and_field_and_the_rest_is_kept():
    connector = CuratedConnector(path=FIXTURE)
    snapshot = connector.parse(connector.fetch())
    assert [(rejection.record, rejection.error) for rejection in snapshot.rejected] == [
        (
            "models[1] acme-labs/falcon-dense",
            "active_parameters (9000000000) cannot exceed total_parameters (7000000000)",
        )
    ]
    moe = by(snapshot.models, "slug")["acme-labs/falcon-moe"]
    assert (moe.architecture, moe.license, moe.context_window, moe.lifecycle) == ("moe", "apache-2.0", 32768, "ga")
    assert moe.names == ["acme-labs/falcon-moe", "acme-labs/Falcon-MoE-Instruct"]
    claim = by(snapshot.claims, "external_id")["falcon-moe/training-data"]
    assert (claim.values, claim.status, claim.next_review_on) == (
        ["commercially_licensed", "synthetic"],
        "claimed",
        dt.date(2025, 2, 1),
    )
    assert by(snapshot.lineage, "model_ref")["acme-labs/falcon-moe"].relation == "finetune"
    result = snapshot.benchmark_results[0]
    assert (result.score, result.source_tier, result.verified) == (Decimal("41.3"), "vendor_claimed", False)
    assert by(snapshot.organizations, "slug")["acme-labs"].country == "FR"


@pytest.mark.parametrize(
    ("section", "entry", "message"),
    [
        ("models", {**GOOD_MODEL, "parameters": 7}, "unknown field(s) parameters"),
        ("models", {**GOOD_MODEL, "architecture": "sparse"}, "architecture: 'sparse' is not one of dense, moe"),
        ("models", {key: value for key, value in GOOD_MODEL.items() if key != "sources"}, "missing required"),
        (
            "models",
            {
                **GOOD_MODEL,
                "sources": [{"url": "acme-labs.example", "stated_on": "2024-02-01", "supports": ["license"]}],
            },
            "sources[0]: url: 'acme-labs.example' is not an http(s) URL",
        ),
        (
            "models",
            {**GOOD_MODEL, "sources": [{**GOOD_MODEL["sources"][0], "supports": ["price"]}]},
            "price are not model fields",
        ),
        ("models", {**GOOD_MODEL, "slug": "Falcon MoE"}, "'publisher/name' in lower case"),
        ("models", {**GOOD_MODEL, "total_parameters": "46.7B"}, "total_parameters: expected a whole number"),
        ("models", {**GOOD_MODEL, "release_date": "Feb 2024"}, "release_date: expected a date YYYY-MM-DD"),
        ("models", {**GOOD_MODEL, "input_modalities": ["text", "smell"]}, "input_modalities: smell not among"),
        (
            "models",
            {**GOOD_MODEL, "license": "free for all"},
            "license: 'free for all' is not a licence Modelgate knows",
        ),
        ("claims", {**GOOD_CLAIM, "values": ["from_scratch", "derived"]}, "takes exactly one value"),
        ("claims", {**GOOD_CLAIM, "topic": "distillation", "values": ["declared_teachers"]}, "teachers: name"),
        ("claims", {**GOOD_CLAIM, "values": ["public_web"]}, "values: public_web not among"),
        ("claims", {**GOOD_CLAIM, "next_review_on": dt.date(2023, 1, 1)}, "next_review_on comes before stated_on"),
        ("claims", {**GOOD_CLAIM, "source_url": None}, "missing required field(s) source_url"),
        ("claims", {**GOOD_CLAIM, "status": "confirmed"}, "status: 'confirmed' is not one of"),
        ("benchmark_results", {**GOOD_RESULT, "score": "72.5%"}, "score: '72.5%' is not a number"),
        ("benchmark_results", {**GOOD_RESULT, "source_tier": "trusted"}, "source_tier: 'trusted'"),
        ("benchmark_results", {**GOOD_RESULT, "measured_on": None}, "missing required field(s) measured_on"),
        ("lineage", {"model": "a/x", "base": "A/X", "relation": "finetune"}, "cannot be its own base"),
        ("lineage", {"model": "a/x", "base": "b/y", "relation": "copied"}, "relation: 'copied'"),
        ("organizations", {"slug": "acme", "name": "Acme", "country": "France"}, "ISO 3166-1 alpha-2"),
        ("organizations", {"slug": "acme", "name": "Acme", "publisher": "yes"}, "publisher: expected true or false"),
    ],
)
def test_each_rule_rejects_the_entry_with_a_message_naming_the_field(section, entry, message):
    snapshot = parse_document({section: [entry]})
    assert len(snapshot.rejected) == 1, snapshot.rejected
    assert snapshot.rejected[0].record.startswith(f"{section}[0]")
    assert message in snapshot.rejected[0].error
    assert getattr(snapshot, section) == []


def test_a_licence_written_as_spdx_or_prose_becomes_its_key():
    snapshot = parse_document({"models": [{**GOOD_MODEL, "license": "Apache 2.0"}]})
    assert snapshot.models[0].license == "apache-2.0"


def test_a_duplicate_id_keeps_the_first_and_rejects_the_second():
    snapshot = parse_document({"claims": [GOOD_CLAIM, {**GOOD_CLAIM, "statement": "Again."}]})
    assert [claim.statement for claim in snapshot.claims] == ["Trained from scratch."]
    assert snapshot.rejected[0].record == "claims[1] falcon-moe/origin"
    assert "duplicate" in snapshot.rejected[0].error


def test_a_model_without_a_file_organisation_gets_its_publisher_from_modelgates_table():
    snapshot = parse_document({"models": [{**GOOD_MODEL, "slug": "mistral/mixtral-8x7b"}]})
    mistral = by(snapshot.organizations, "slug")["mistral"]
    assert (mistral.name, mistral.is_publisher) == ("Mistral AI", True)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"models: [unclosed", "not valid YAML"),
        (b"- just\n- a list\n", "must be a mapping of sections"),
        (b"schema_version: 1\nmodel: []\n", "unknown section(s) model"),
        (b"schema_version: 2\nmodels: []\n", "schema_version must be 1"),
        (b"schema_version: true\nmodels: []\n", "schema_version must be 1"),
        (b"schema_version: 1\nmodels: {slug: a/b}\n", "section 'models' must be a list"),
        (b"schema_version: 1\nmodels:\n- release_date: 2025-02-30\n", "cannot be read"),
        (b"\xff\xfe not utf-8", "not UTF-8"),
    ],
)
def test_a_file_that_is_not_the_schema_is_refused_whole(body, message):
    with pytest.raises(ConnectorError, match=message.replace("(", r"\(").replace(")", r"\)")):
        CuratedConnector().parse(Payload(body=body, origin="upload.yaml", fetched_at=dt.datetime.now(dt.UTC)))


def test_a_missing_file_is_a_connector_error(tmp_path):
    with pytest.raises(ConnectorError, match="cannot read the curated file"):
        CuratedConnector(path=tmp_path / "absent.yaml").fetch()

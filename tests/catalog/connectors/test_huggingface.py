"""Hugging Face Hub connector: hand-made model records and cards in the Hub's real formats."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
import respx

from catalog.connectors.base import ConnectorError, Payload
from catalog.connectors.huggingface import HUB, HuggingFaceConnector, configured_repos
from catalog.connectors.openrouter import TransientFetchError

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE_CARD = Path("/work/shared/reference/huggingface/hf_modelcard_NeuralBeagle14-7B.README.md")
MERGE = "acme-research/Kestrel-Merge-7B"
GGUF = "acme-research/Kestrel-7B-GGUF"
ADAPTER = "acme-research/Kestrel-7B-sql-lora"
BROKEN = "acme-research/Broken-7B"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"huggingface_{name}").read_bytes()


def payload(repos: list[str], parts: dict[str, bytes]) -> Payload:
    body = json.dumps({"repos": repos}).encode()
    return Payload(
        body=body, origin=f"{HUB}/api/models", fetched_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC), parts=parts
    )


@pytest.fixture
def snapshot():
    parts = {
        f"{MERGE}/record.json": fixture("merge_record.json"),
        f"{MERGE}/README.md": fixture("merge_README.md"),
        f"{GGUF}/record.json": fixture("gguf_record.json"),
        f"{GGUF}/README.md": fixture("gguf_README.md"),
        f"{ADAPTER}/README.md": fixture("adapter_README.md"),
        f"{BROKEN}/README.md": fixture("broken_README.md"),
    }
    return HuggingFaceConnector(repos=[]).parse(payload([MERGE, GGUF, ADAPTER, BROKEN], parts))


def by(records, attribute):
    return {getattr(record, attribute): record for record in records}


def test_a_merge_card_gives_merge_lineage_to_each_base_and_its_licence(snapshot):
    edges = [(edge.model_ref, edge.base_ref, edge.relation) for edge in snapshot.lineage if edge.model_ref == MERGE]
    assert edges == [
        (MERGE, "acme-research/Kestrel-7B", "merge"),
        (MERGE, "acme-research/Osprey-7B", "merge"),
    ]
    model = by(snapshot.models, "external_id")[MERGE]
    assert model.license == "cc-by-nc-4.0"
    assert (model.total_parameters, model.release_date) == (7241732096, dt.date(2024, 1, 15))
    assert (model.publisher, model.slug, model.open_weights) == (
        "acme-research",
        "acme-research/kestrel-merge-7b",
        True,
    )
    assert (model.task_types, model.input_modalities) == (["chat"], ["text"])  # text-generation + conversational


def test_the_hubs_own_relation_tag_and_an_explicit_card_relation_are_kept(snapshot):
    relations = {edge.model_ref: edge.relation for edge in snapshot.lineage}
    assert relations[GGUF] == "quantized"  # base_model:quantized:... in the Hub record
    assert relations[ADAPTER] == "adapter"  # base_model_relation: adapter in the card
    assert by(snapshot.models, "external_id")[GGUF].license == "apache-2.0"
    assert by(snapshot.models, "external_id")[GGUF].total_parameters == 7241732096


def test_only_a_result_signed_by_the_hub_evaluator_is_verified_and_independent(snapshot):
    results = by(snapshot.benchmark_results, "benchmark")
    arc = results["ai2_arc-arc-challenge-acc_norm"]
    assert (arc.score, arc.verified, arc.source_tier) == (Decimal("71.25"), True, "independent")
    hellaswag = results["hellaswag-acc_norm"]
    assert (hellaswag.score, hellaswag.verified, hellaswag.source_tier) == (Decimal("87.9"), False, "vendor_claimed")
    assert hellaswag.source_name == "Open LLM Leaderboard"
    assert hellaswag.settings_notes == "split=validation, num_few_shot=10"
    # "verified: true" typed by the author, without the evaluator's token, stays the author's claim.
    gsm8k = results["gsm8k-main-acc"]
    assert (gsm8k.verified, gsm8k.source_tier) == (False, "vendor_claimed")
    assert gsm8k.source_url == f"{HUB}/{MERGE}"
    assert {benchmark.slug for benchmark in snapshot.benchmarks} == set(results)


def test_a_bad_metric_value_is_rejected_alone(snapshot):
    rejected = by(snapshot.rejected, "record")
    assert f"{MERGE} model-index results[2].metrics[1]" in rejected
    assert "20.0 ± 1.2" in rejected[f"{MERGE} model-index results[2].metrics[1]"].error
    assert MERGE in by(snapshot.models, "external_id")


def test_an_invalid_card_rejects_its_repository_and_keeps_the_others(snapshot):
    rejected = by(snapshot.rejected, "record")
    assert "YAML front matter is invalid" in rejected[BROKEN].error
    assert set(by(snapshot.models, "external_id")) == {MERGE, GGUF, ADAPTER}
    assert snapshot.complete is False


def test_datasets_and_declared_bases_become_model_card_claims(snapshot):
    claims = by(snapshot.claims, "external_id")
    datasets = claims[f"{MERGE}#datasets"]
    assert (datasets.topic, datasets.values, datasets.source_kind) == ("training_data", ["unknown"], "model_card")
    assert "argilla/distilabel-intel-orca-dpo-pairs" in datasets.statement
    assert datasets.stated_on == dt.date(2024, 3, 4)  # the record's lastModified
    origin = claims[f"{MERGE}#origin"]
    assert (origin.topic, origin.values) == ("origin", ["derived"])
    assert claims[f"{ADAPTER}#origin"].stated_on == dt.date(2025, 6, 1)  # card only: the fetch date


def test_without_a_card_the_hubs_card_data_is_read_and_a_named_other_licence_is_resolved():
    record = {
        "id": "acme-research/Kestrel-70B",
        "tags": ["base_model:finetune:meta-llama/Llama-3.1-70B", "license:other"],
        "cardData": {"license": "other", "license_name": "llama3.1", "datasets": ["acme-research/sql-pairs"]},
    }
    parts = {"acme-research/Kestrel-70B/record.json": json.dumps(record).encode()}
    snapshot = HuggingFaceConnector(repos=[]).parse(payload(["acme-research/Kestrel-70B"], parts))
    assert snapshot.models[0].license == "llama-3.1-license-2024"
    assert [(edge.base_ref, edge.relation) for edge in snapshot.lineage] == [("meta-llama/Llama-3.1-70B", "finetune")]
    assert snapshot.models[0].open_weights is None  # no weight files listed: the record does not say


def test_a_repository_with_nothing_fetched_is_rejected_by_name():
    snapshot = HuggingFaceConnector(repos=[]).parse(payload(["acme-research/Private-7B"], {}))
    assert [rejection.record for rejection in snapshot.rejected] == ["acme-research/Private-7B"]
    assert "neither a model record nor a model card" in snapshot.rejected[0].error


@pytest.mark.parametrize("body", [b"not json", b'{"repos": "acme/x"}', b'{"repos": [1]}', b"[]"])
def test_a_payload_body_that_is_not_a_repository_list_is_a_connector_error(body):
    with pytest.raises(ConnectorError):
        HuggingFaceConnector(repos=[]).parse(Payload(body=body, origin="test", fetched_at=dt.datetime.now(dt.UTC)))


@respx.mock(assert_all_called=False)
def test_with_no_repositories_configured_fetch_reads_nothing_and_parses_to_nothing(respx_mock, settings):
    settings.MODELGATE_HF_REPOS = ""
    connector = HuggingFaceConnector()
    fetched = connector.fetch()
    assert respx_mock.calls.call_count == 0
    snapshot = connector.parse(fetched)
    assert (snapshot.models, snapshot.rejected, snapshot.complete) == ([], [], False)


def test_the_embedded_default_ships_no_hub_data():
    snapshot = HuggingFaceConnector(repos=[]).parse(HuggingFaceConnector.embedded_payload())
    assert (snapshot.models, snapshot.rejected, snapshot.complete) == ([], [], False)


def test_configured_repositories_come_from_settings_then_environment_then_the_default(settings, monkeypatch):
    settings.MODELGATE_HF_REPOS = ["a/one", " b/two "]
    assert configured_repos() == ["a/one", "b/two"]
    del settings.MODELGATE_HF_REPOS
    monkeypatch.setenv("MODELGATE_HF_REPOS", "c/three, d/four,")
    assert configured_repos() == ["c/three", "d/four"]
    monkeypatch.delenv("MODELGATE_HF_REPOS")
    assert "mlabonne/NeuralBeagle14-7B" in configured_repos()


@respx.mock
def test_fetch_reads_each_record_and_card_into_parts():
    respx.get(f"{HUB}/api/models/{GGUF}").mock(return_value=httpx.Response(200, content=fixture("gguf_record.json")))
    respx.get(f"{HUB}/{GGUF}/raw/main/README.md").mock(
        return_value=httpx.Response(200, content=fixture("gguf_README.md"))
    )
    respx.get(f"{HUB}/api/models/acme-research/Gone-7B").mock(return_value=httpx.Response(404))
    respx.get(f"{HUB}/acme-research/Gone-7B/raw/main/README.md").mock(return_value=httpx.Response(404))
    connector = HuggingFaceConnector(repos=[GGUF, "acme-research/Gone-7B"])
    fetched = connector.fetch()
    assert set(fetched.parts) == {f"{GGUF}/record.json", f"{GGUF}/README.md"}
    snapshot = connector.parse(fetched)
    assert [model.external_id for model in snapshot.models] == [GGUF]
    assert [rejection.record for rejection in snapshot.rejected] == ["acme-research/Gone-7B"]


@respx.mock
def test_a_gated_card_leaves_the_record_to_speak_for_the_repository():
    record = json.loads(fixture("merge_record.json"))
    respx.get(f"{HUB}/api/models/{MERGE}").mock(return_value=httpx.Response(200, json={**record, "gated": "manual"}))
    respx.get(f"{HUB}/{MERGE}/raw/main/README.md").mock(return_value=httpx.Response(401))
    connector = HuggingFaceConnector(repos=[MERGE])
    snapshot = connector.parse(connector.fetch())
    assert snapshot.rejected == []
    model = snapshot.models[0]
    assert (model.external_id, model.license) == (MERGE, "cc-by-nc-4.0")  # from the record's cardData
    assert {edge.base_ref for edge in snapshot.lineage} == {"acme-research/Kestrel-7B", "acme-research/Osprey-7B"}


@respx.mock
def test_a_rate_limited_hub_is_transient():
    respx.get(f"{HUB}/api/models/{GGUF}").mock(return_value=httpx.Response(429))
    with pytest.raises(TransientFetchError):
        HuggingFaceConnector(repos=[GGUF]).fetch()


def test_payload_from_saved_files_names_the_repository_from_the_record(tmp_path):
    (tmp_path / "record.json").write_bytes(fixture("merge_record.json"))
    (tmp_path / "README.md").write_bytes(fixture("merge_README.md"))
    from_files = HuggingFaceConnector.payload_from_files(tmp_path / "record.json", tmp_path / "README.md")
    from_folder = HuggingFaceConnector.payload_from_file(tmp_path)
    assert json.loads(from_files.body) == json.loads(from_folder.body) == {"repos": [MERGE]}
    assert from_files.sha256 == from_folder.sha256
    assert [model.external_id for model in HuggingFaceConnector(repos=[]).parse(from_folder).models] == [MERGE]


def test_a_card_alone_needs_the_repository_id(tmp_path):
    card = tmp_path / "README.md"
    card.write_bytes(fixture("adapter_README.md"))
    with pytest.raises(ConnectorError, match="repository id"):
        HuggingFaceConnector.payload_from_files(None, card)
    with_repo = HuggingFaceConnector.payload_from_files(None, card, repo=ADAPTER)
    assert by(HuggingFaceConnector(repos=[]).parse(with_repo).lineage, "model_ref")[ADAPTER].relation == "adapter"


@pytest.mark.skipif(not REFERENCE_CARD.exists(), reason="the shared reference card is not on this machine")
def test_the_real_neuralbeagle_card_imports_without_rejections():
    from_card = HuggingFaceConnector.payload_from_files(None, REFERENCE_CARD, repo="mlabonne/NeuralBeagle14-7B")
    snapshot = HuggingFaceConnector(repos=[]).parse(from_card)
    assert snapshot.rejected == []
    assert snapshot.models[0].license == "cc-by-nc-4.0"
    assert [(edge.base_ref, edge.relation) for edge in snapshot.lineage] == [("mlabonne/Beagle14-7B", "merge")]
    assert len(snapshot.benchmark_results) == 6
    assert by(snapshot.benchmark_results, "benchmark")["ai2_arc-arc-challenge-acc_norm"].score == Decimal("72.95")
    assert {result.source_tier for result in snapshot.benchmark_results} == {"vendor_claimed"}

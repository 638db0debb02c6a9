"""The approval packet: complete, hashed, immutable, exportable as a CycloneDX ML-BOM."""

from __future__ import annotations

import hashlib

import pytest
from django.db import IntegrityError, transaction

from catalog.choices import LicenseCategory, LineageRelation
from catalog.models import License, LineageEdge, ProvenanceClaim
from governance.models import ApprovalPacket, StageReview
from governance.selectors.mlbom import packet_cyclonedx
from governance.services.packets import canonical_json, packet_verify
from governance.services.requests import request_comment_add, request_create, request_submit
from governance.services.reviews import review_approve
from tests.governance.conftest import make_model

pytestmark = pytest.mark.django_db


@pytest.fixture
def packet(requester, team, review_use_case, security_reviewer):
    base = make_model("meta/base-70b", license_category=LicenseCategory.SOURCE_AVAILABLE)
    model = make_model("acme/fine-tune", description="A fine-tune")
    LineageEdge.objects.create(model=model, base_model=base, relation=LineageRelation.FINETUNE)
    ProvenanceClaim.objects.create(
        model=model,
        topic="training_data",
        values=["commercially_licensed"],
        statement="Trained on licensed data only.",
        source_kind="vendor_statement",
        source_url="https://acme.example.com/model-card",
        stated_on="2026-01-15",
    )
    request = request_create(
        actor=requester, team=team, model=model, use_case=review_use_case, data_classification="internal",
        justification="Ticket summaries.",
    )  # fmt: skip
    request_submit(request=request, actor=requester)
    request_comment_add(request=request, actor=security_reviewer, body="EU region only, please.")
    review_approve(
        review=StageReview.objects.get(request=request), actor=security_reviewer, allowed_regions=["eu"], comment="OK"
    )
    return ApprovalPacket.objects.get(request=request)


def test_the_packet_holds_every_fact_of_the_decision(packet, security_reviewer):
    doc = packet.document
    assert doc["model"]["slug"] == "acme/fine-tune" and doc["model"]["lifecycle"] == "ga"
    assert doc["license"]["category"] == "permissive"
    assert doc["inherited_licenses"] == [
        {
            "via": "meta/base-70b",
            "relation": "finetune",
            "depth": 1,
            "license": {
                "key": "licence-source_available",
                "spdx_id": "",
                "name": "A source_available licence",
                "category": "source_available",
            },
        }
    ]
    [offering] = doc["offerings"]
    assert {(p["unit"], p["usd"]) for p in offering["prices"]} == {("input_token", "2.5"), ("output_token", "10")}
    assert doc["provenance"][0]["source_url"] == "https://acme.example.com/model-card"
    [benchmark] = doc["benchmarks"]
    assert benchmark["source_tier"] == "independent" and benchmark["source_url"].startswith("https://leaderboard")
    assert doc["policy"]["outcome"] == "review" and doc["policy"]["version"] >= 1 and doc["policy"]["explanation"]
    assert doc["reviews"][0]["decided_by"] == security_reviewer.username
    assert doc["reviews"][0]["conditions"]["allowed_regions"] == ["eu"]
    assert doc["comments"][0]["body"] == "EU region only, please."
    assert doc["entitlement"]["allowed_regions"] == ["eu"]


def test_the_hash_is_of_the_canonical_json_and_verifies(packet):
    assert packet.sha256 == hashlib.sha256(canonical_json(packet.document)).hexdigest()
    assert packet_verify(packet)
    packet.document["entitlement"]["allowed_regions"] = ["us"]
    assert not packet_verify(packet)


def test_the_database_refuses_to_change_or_delete_a_packet(packet):
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        ApprovalPacket.objects.filter(pk=packet.pk).update(sha256="0" * 64)
    with pytest.raises(IntegrityError, match="immutable"), transaction.atomic():
        ApprovalPacket.objects.filter(pk=packet.pk).delete()
    packet.refresh_from_db()
    assert packet_verify(packet)


def test_later_catalog_changes_do_not_touch_the_frozen_packet(packet):
    License.objects.filter(key="licence-permissive").update(category=LicenseCategory.NON_COMMERCIAL)
    packet.refresh_from_db()
    assert packet.document["license"]["category"] == "permissive" and packet_verify(packet)


def test_the_cyclonedx_export_describes_the_model_with_its_pedigree(packet):
    bom = packet_cyclonedx(packet)
    assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6"
    [component] = bom["components"]
    assert component["type"] == "machine-learning-model" and component["bom-ref"] == "acme/fine-tune"
    assert [a["name"] for a in component["pedigree"]["ancestors"]] == ["meta/base-70b"]
    assert component["modelCard"]["quantitativeAnalysis"]["performanceMetrics"][0]["value"] == "71.2"
    properties = {p["name"]: p["value"] for p in bom["metadata"]["properties"]}
    assert properties["modelgate:packet-sha256"] == packet.sha256
    assert packet_cyclonedx(packet)["serialNumber"] == bom["serialNumber"]

"""Licences: ScanCode categories mapped to what policy reads, SPDX names and OSI flags, and name lookup."""

import datetime as dt
import json
from pathlib import Path

import httpx
import pytest
import respx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalog.choices import LicenseCategory
from catalog.connectors.base import ConnectorError, Payload, Rejection, Snapshot
from catalog.connectors.licenses import SPDX_PART, LicenseConnector, category_for, license_key_for

FIXTURE = Path(__file__).parent / "fixtures" / "licenses_scancode_index.json"
URL = "https://licenses.example.com/index.json"


def payload(body: bytes | None = None, parts: dict | None = None) -> Payload:
    return Payload(
        body=FIXTURE.read_bytes() if body is None else body,
        origin="fixture",
        fetched_at=dt.datetime(2026, 1, 15, tzinfo=dt.UTC),
        parts=LicenseConnector.embedded_payload().parts if parts is None else parts,
    )


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return LicenseConnector().parse(payload())


@pytest.fixture(scope="module")
def licenses(snapshot) -> dict:
    return {record.key: record for record in snapshot.licenses}


@pytest.mark.parametrize(
    ("key", "category", "scancode_category"),
    [
        ("apache-2.0", LicenseCategory.PERMISSIVE, "Permissive"),
        ("mit", LicenseCategory.PERMISSIVE, "Permissive"),
        ("cc0-1.0", LicenseCategory.PERMISSIVE, "Public Domain"),
        ("gpl-3.0", LicenseCategory.COPYLEFT, "Copyleft"),
        ("llama-3.1-license-2024", LicenseCategory.PROPRIETARY_FREE, "Proprietary Free"),
        ("gemma-tou-2024-04-01", LicenseCategory.PROPRIETARY_FREE, "Proprietary Free"),
        ("deepseek-la-1.0", LicenseCategory.SOURCE_AVAILABLE, "Source-available"),
        ("openai-tou-20241211", LicenseCategory.COMMERCIAL, "Commercial"),
        ("llama-license-2023", LicenseCategory.NON_COMMERCIAL, "Non-Commercial"),
        # ScanCode files these under other categories; their own terms forbid commercial use.
        ("cc-by-nc-4.0", LicenseCategory.NON_COMMERCIAL, "Source-available"),
        ("flux-1-nc", LicenseCategory.NON_COMMERCIAL, "Proprietary Free"),
        ("bsd-3-clause-no-military", LicenseCategory.UNKNOWN, "Free Restricted"),
    ],
)
def test_scancode_categories_map_to_policy_categories(licenses, key, category, scancode_category):
    assert (licenses[key].category, licenses[key].scancode_category) == (category, scancode_category)


def test_names_spdx_ids_and_osi_flags(licenses):
    apache = licenses["apache-2.0"]
    assert (apache.name, apache.spdx_id, apache.is_osi_approved) == ("Apache License 2.0", "Apache-2.0", True)
    assert (licenses["cc-by-nc-4.0"].spdx_id, licenses["cc-by-nc-4.0"].is_osi_approved) == ("CC-BY-NC-4.0", False)
    llama = licenses["llama-3.1-license-2024"]
    # A LicenseRef is not an SPDX id, and OSI has no opinion on it.
    assert (llama.name, llama.spdx_id, llama.is_osi_approved) == ("Llama 3.1 Community License Agreement", "", None)
    assert llama.url == "https://scancode-licensedb.aboutcode.org/llama-3.1-license-2024.html"


def test_exceptions_and_deprecated_keys_are_not_licences_and_a_bad_entry_is_named(snapshot, licenses):
    assert "389-exception" not in licenses and "aladdin-md5" not in licenses
    assert [(rejection.record, "category" in rejection.error) for rejection in snapshot.rejected] == [
        ("broken-entry", True)
    ]
    assert snapshot.complete is False  # a licence dropped from a newer index still governs its models


def test_model_licences_missing_from_scancode_are_added(licenses):
    assert licenses["llama-3-license-2024"].category == LicenseCategory.PROPRIETARY_FREE
    assert licenses["llama-3-license-2024"].scancode_category == ""
    assert "creativeml-openrail-m" in licenses


def test_an_unreadable_spdx_list_costs_names_not_licences():
    snapshot = LicenseConnector().parse(payload(parts={SPDX_PART: b"{broken"}))
    licenses = {record.key: record for record in snapshot.licenses}
    assert licenses["apache-2.0"].category == LicenseCategory.PERMISSIVE
    assert licenses["apache-2.0"].is_osi_approved is None
    assert licenses["apache-2.0"].name == "Apache 2.0"  # from its key
    assert SPDX_PART in {rejection.record for rejection in snapshot.rejected}


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("apache-2.0", "apache-2.0"),
        ("Apache-2.0", "apache-2.0"),
        ("Apache License, Version 2.0", "apache-2.0"),
        ("mit", "mit"),
        ("MIT License", "mit"),
        ("cc-by-nc-4.0", "cc-by-nc-4.0"),
        ("bsd-3-clause", "bsd-new"),
        ("GPL-3.0-only", "gpl-3.0"),
        ("llama2", "llama-2-license-2023"),
        ("llama3", "llama-3-license-2024"),
        ("llama3.1", "llama-3.1-license-2024"),
        ("llama3.2", "llama-3.2-license-2024"),
        ("Llama 3.3 Community License", "llama-3.3-license-2024"),
        ("llama4", "llama-4-cla-2025"),
        ("gemma", "gemma-tou-2024-04-01"),
        ("deepseek", "deepseek-la-1.0"),
        ("bigscience-openrail-m", "bigscience-open-rail-m"),
        ("llama-3.1-license-2024", "llama-3.1-license-2024"),
        ("other", None),
        ("unknown", None),
        ("", None),
        (None, None),
        ("a licence nobody has heard of", None),
    ],
)
def test_license_key_for_what_sources_write(text, key):
    assert license_key_for(text) == key


def test_every_key_license_key_for_returns_is_in_the_packaged_snapshot():
    keys = {record.key for record in LicenseConnector().parse(LicenseConnector.embedded_payload()).licenses}
    for text in ["apache-2.0", "llama3", "llama3.1", "llama4", "gemma", "creativeml-openrail-m", "cc-by-nc-4.0"]:
        assert license_key_for(text) in keys


def test_the_packaged_index_covers_model_licences():
    snapshot = LicenseConnector().parse(LicenseConnector.embedded_payload())
    licenses = {record.key: record for record in snapshot.licenses}
    assert len(licenses) >= 2000
    assert snapshot.rejected == []
    assert {record.category for record in snapshot.licenses} <= set(LicenseCategory.values)
    for key in ["llama-2-license-2023", "llama-3.3-license-2024", "llama-4-cla-2025", "gemma-tou-2024-04-01"]:
        assert licenses[key].category == LicenseCategory.PROPRIETARY_FREE
    assert licenses["bigscience-open-rail-m"].category == LicenseCategory.PROPRIETARY_FREE
    assert licenses["nvidia-open-model-2025-04-28"].category == LicenseCategory.PROPRIETARY_FREE
    assert all(record.category == LicenseCategory.NON_COMMERCIAL for key, record in licenses.items() if "-nc-" in key)


@pytest.mark.parametrize(
    ("scancode_category", "category"),
    [
        ("Copyleft Limited", LicenseCategory.COPYLEFT),
        ("Patent License", LicenseCategory.UNKNOWN),
        ("Unstated License", LicenseCategory.UNKNOWN),
        ("A category ScanCode invents next year", LicenseCategory.UNKNOWN),
    ],
)
def test_categories_without_one_reading_are_unknown(scancode_category, category):
    assert category_for("some-licence", scancode_category) == category


@pytest.mark.parametrize("body", [b"", b"{}", b"not json", b'{"license_key": "mit"}'])
def test_an_unusable_index_is_a_connector_error(body):
    with pytest.raises(ConnectorError, match="ScanCode licence index"):
        LicenseConnector().parse(payload(body))


@respx.mock
def test_fetch_gets_the_configured_url_and_fails_clearly(monkeypatch):
    monkeypatch.setenv("MODELGATE_LICENSEDB_URL", URL)
    respx.get(URL).mock(return_value=httpx.Response(200, content=FIXTURE.read_bytes()))
    fetched = LicenseConnector().fetch()
    assert fetched.origin == URL and SPDX_PART in fetched.parts
    respx.get(URL).mock(return_value=httpx.Response(404))
    with pytest.raises(ConnectorError, match="HTTP 404"):
        LicenseConnector().fetch()


def test_fetch_without_a_url_reads_the_packaged_index(monkeypatch):
    monkeypatch.delenv("MODELGATE_LICENSEDB_URL", raising=False)
    fetched = LicenseConnector().fetch()
    assert fetched.origin.startswith("license-expression==")
    assert fetched.meta["data_license"] == "CC-BY-4.0"
    assert len(json.loads(fetched.body)) > 2500


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
ENTRY = st.dictionaries(
    st.sampled_from(["license_key", "category", "spdx_license_key", "is_exception", "is_deprecated"]),
    JSON_VALUES | st.sampled_from(["mit", "Permissive", "Non-Commercial", "MIT", "LicenseRef-x"]),
)
DOCUMENTS = st.lists(ENTRY | JSON_VALUES, max_size=6) | JSON_VALUES


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=DOCUMENTS, spdx=JSON_VALUES, raw=st.binary(max_size=30), use_raw=st.booleans())
def test_hostile_json_yields_only_rejections_or_a_connector_error(document, spdx, raw, use_raw):
    body = raw if use_raw else json.dumps(document).encode()
    try:
        snapshot = LicenseConnector().parse(payload(body, parts={SPDX_PART: json.dumps(spdx).encode()}))
    except ConnectorError:
        return
    assert all(isinstance(rejection, Rejection) for rejection in snapshot.rejected)
    assert {record.category for record in snapshot.licenses} <= set(LicenseCategory.values)


@given(text=st.text(max_size=60) | JSON_VALUES)
def test_license_key_for_never_fails(text):
    assert license_key_for(text) is None or isinstance(license_key_for(text), str)

"""The catalog pages as a person sees them: search and facets in the URL, the model card, compare, cost vs quality."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(client, user):
    client.force_login(user)
    return client


def rows(html: str) -> list[str]:
    return re.findall(r'href="/catalog/models/([^"]+)/"><strong>', html)


def test_pages_need_a_login(client, world):
    response = client.get("/catalog/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_search_and_facets_live_in_the_url(browser, world):
    html = browser.get("/catalog/", {"search": "reasner"}).content.decode()
    assert rows(html) == ["acme/reasoner-1"]
    html = browser.get("/catalog/", {"license_category": "non_commercial"}).content.decode()
    assert rows(html) == ["globex/chatter-2"]
    html = browser.get("/catalog/", {"sort": "input_price"}).content.decode()
    assert rows(html)[:3] == ["acme/small-1", "globex/chatter-2", "acme/reasoner-1"]
    assert "$0.10" in html and "$2.50" in html


def test_a_form_submitted_without_javascript_sends_empty_fields_that_mean_any(browser, world):
    query = {"search": "", "publisher": "", "task": "", "license_category": "non_commercial", "min_context": ""}
    assert rows(browser.get("/catalog/", query).content.decode()) == ["globex/chatter-2"]


def test_bad_filters_are_explained_not_crashing(browser, world):
    response = browser.get("/catalog/", {"publisher": "nobody", "min_context": "lots"})
    assert response.status_code == 200
    assert "Some filters were not understood" in response.content.decode()


def test_the_catalog_page_query_count_does_not_grow_with_page_size(browser, world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (25, 100):
        with CaptureQueriesContext(connection) as queries:
            browser.get("/catalog/", {"page_size": size})
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_model_card_shows_facts_claims_offerings_history_benchmarks_and_conflicts(browser, world):
    response = browser.get("/catalog/models/acme/reasoner-1/")
    html = response.content.decode()
    assert "200B total" in html and "35B active" in html
    assert "No distillation declared" not in html or "none_declared" in html
    assert "zero retention" in html
    assert "Sources disagree" in html and "context_window" in html
    history = json.loads(re.search(r'id="price-history-data" type="application/json">(.*?)</script>', html).group(1))
    input_series = next(s for s in history["series"] if s["label"].endswith("input"))
    assert [p["y"] for p in input_series["points"]] == [3.0, 3.0, 2.5, 2.5]
    assert "Vendor-claimed" in html and "53" in html and "47.5" in html


def test_an_alias_url_redirects_to_the_card(browser, world):
    response = browser.get("/catalog/models/reasoner-latest/")
    assert response.status_code == 301 and response["Location"] == "/catalog/models/acme/reasoner-1/"
    assert browser.get("/catalog/models/no/such-model/").status_code == 404


def test_compare_highlights_the_rows_that_differ(browser, world):
    html = browser.get(
        "/catalog/compare/", {"m": ["acme/reasoner-1", "acme/small-1", "missing/model"]}
    ).content.decode()
    assert "Not found: missing/model" in html
    assert re.search(r'<tr class="diff"><th scope="row">Context window', html)
    assert not re.search(r'<tr class="diff"><th scope="row">Publisher', html)


def test_cost_quality_marks_the_pareto_frontier(browser, world):
    response = browser.get(
        "/catalog/cost-quality/", {"benchmark": "swe-bench-pro", "input_parts": 1, "output_parts": 1}
    )
    chart = json.loads(
        re.search(r'id="cq-data" type="application/json">(.*?)</script>', response.content.decode()).group(1)
    )
    frontier = {p["slug"]: p["frontier"] for p in chart["points"]}
    # small: $0.25 blended, 20; chatter: $1.50, 15 (dominated); reasoner: $6.25, 53 (best score)
    assert frontier == {"acme/small-1": True, "globex/chatter-2": False, "acme/reasoner-1": True}


def test_sync_and_change_pages_render(browser, world):
    from tests.factories.catalog import ChangeEventFactory, SyncRunFactory

    run = SyncRunFactory()
    ChangeEventFactory(run=run, model=world["reasoner"], signal="price_up", field="usd", old_value="3", new_value="2.5")
    assert run.source.name in browser.get("/catalog/sync/").content.decode()
    html = browser.get("/catalog/changes/", {"signal": "price_up"}).content.decode()
    assert "acme/reasoner-1" in html or "Acme Reasoner" in html


def test_the_syncs_bookkeeping_is_not_shown_as_a_fact_or_a_conflict(browser, world):
    from tests.factories.catalog import FieldObservationFactory

    reasoner = world["reasoner"]
    for source in {o.source for o in reasoner.observations.all()}:
        FieldObservationFactory(model=reasoner, source=source, field="listed_as", value=[f"id-{source.slug}"])
    html = browser.get("/catalog/models/acme/reasoner-1/").content.decode()
    assert "listed_as" not in html

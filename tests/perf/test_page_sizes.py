"""A list costs the same number of queries whatever its page size: the catalog's API lists at page sizes 1 and
100, the catalog page at its smallest (25) and largest (100) page sizes. A query per row would show up here as a
difference, long before it slows a real page of 100 rows down.

The governance API lists are held to the same rule in tests/api/test_query_counts.py; a no-change catalog resync
writing nothing is tested in tests/catalog/services/test_sync_reconcile.py.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.perf.conftest import catalog_model

CATALOG_LISTS = ["model-list", "organization-list", "benchmark-list", "syncrun-list", "changeevent-list"]


def counted_get(client, url: str, params: dict):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.parametrize("name", CATALOG_LISTS)
def test_a_catalog_api_list_costs_the_same_queries_for_1_and_100_rows(world, name):
    client = world.client("admin")
    url = reverse(f"api:{name}")
    client.get(url)  # warm up

    one, one_count = counted_get(client, url, {"page_size": 1})
    hundred, hundred_count = counted_get(client, url, {"page_size": 100})

    assert len(one.json()["results"]) == 1 and len(hundred.json()["results"]) > 1
    assert one_count == hundred_count, f"{name}: {one_count} queries for 1 row, {hundred_count} for 100"


@pytest.mark.parametrize("query", [{}, {"search": "chat"}, {"sort": "-input_price"}], ids=["plain", "search", "sort"])
def test_the_catalog_page_costs_the_same_queries_for_25_and_100_rows(world, query):
    source, licence, benchmark = world.models[0].aliases.first().source, world.models[0].license, world.benchmark
    for index in range(len(world.models), 30):  # more models than the smallest page holds
        catalog_model(index, source, licence, benchmark)
    client = world.client("admin")
    url = reverse("catalog:list")
    client.get(url, query)

    small, small_count = counted_get(client, url, {**query, "page_size": 25})
    large, large_count = counted_get(client, url, {**query, "page_size": 100})

    assert len(small.context["page"].object_list) == 25
    assert len(large.context["page"].object_list) == 30
    assert small_count == large_count, f"catalog page: {small_count} queries for 25 rows, {large_count} for 100"

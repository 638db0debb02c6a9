from decimal import Decimal

import pytest

from catalog.analysis import Point, blended_price, pareto_frontier


def test_blended_price_weights_input_and_output_by_the_mix():
    assert blended_price(Decimal("3"), Decimal("15"), 3, 1) == Decimal("6")
    with pytest.raises(ValueError, match="at least one part"):
        blended_price(Decimal("1"), Decimal("1"), 0, 0)


def test_a_model_that_is_dearer_and_no_better_is_dominated():
    points = [
        Point("a", "A", Decimal("1"), Decimal("50")),
        Point("b", "B", Decimal("2"), Decimal("40")),
        Point("c", "C", Decimal("3"), Decimal("70")),
        Point("d", "D", Decimal("3"), Decimal("60")),
    ]
    marked = {p.slug: p.frontier for p in pareto_frontier(points)}
    assert marked == {"a": True, "b": False, "c": True, "d": False}


def test_lower_is_better_benchmarks_flip_the_frontier():
    points = [Point("a", "A", Decimal("1"), Decimal("5")), Point("b", "B", Decimal("2"), Decimal("3"))]
    assert [p.frontier for p in pareto_frontier(points, higher_is_better=False)] == [True, True]
    assert [p.frontier for p in pareto_frontier(points, higher_is_better=True)] == [True, False]

"""Cost-versus-quality analysis: blended prices and the Pareto frontier. Pure functions, no ORM."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Point:
    slug: str
    label: str
    price: Decimal  # blended USD per 1M tokens
    score: Decimal
    frontier: bool = False


def blended_price(input_price: Decimal, output_price: Decimal, input_parts: int, output_parts: int) -> Decimal:
    """Price of 1M tokens in an input:output mix, e.g. 3:1 (three input tokens per output token)."""
    total = input_parts + output_parts
    if total <= 0:
        raise ValueError("The input:output mix needs at least one part.")
    return (input_price * input_parts + output_price * output_parts) / total


def pareto_frontier(points: list[Point], *, higher_is_better: bool = True) -> list[Point]:
    """Mark each point that no other point beats on both price (lower) and score; return all points.

    A point is dominated when another is at most as expensive and at least as good, and strictly better in one."""
    sign = 1 if higher_is_better else -1
    ordered = sorted(points, key=lambda p: (p.price, -sign * p.score))
    best_so_far = None
    marked = {}
    for point in ordered:
        score = sign * point.score
        on_frontier = best_so_far is None or score > best_so_far
        if on_frontier:
            best_so_far = score
        marked[point.slug] = on_frontier
    return [Point(p.slug, p.label, p.price, p.score, marked[p.slug]) for p in points]

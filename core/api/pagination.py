"""Cursor pagination: stable under inserts and constant-time at any depth (no OFFSET scans across 100k rows)."""

from rest_framework.pagination import CursorPagination


class StableCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


class SlugCursorPagination(StableCursorPagination):
    ordering = "slug"

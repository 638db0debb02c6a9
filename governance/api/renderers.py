"""Renderers for gateway configuration files."""

from __future__ import annotations

import yaml
from rest_framework.renderers import BaseRenderer


class YAMLRenderer(BaseRenderer):
    """Plain YAML (safe_dump: only JSON-like types; callers hand in strings for decimals and times)."""

    media_type = "application/yaml"
    format = "yaml"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False).encode("utf-8")

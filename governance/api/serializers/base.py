"""Shared serializer pieces."""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers


class InputSerializer(serializers.Serializer):
    """An action's input. A field it does not declare is an error, never silently dropped: a client that sends
    ``status`` or ``requested_by`` learns at once that it cannot set them."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["This field cannot be set here."] for name in unknown})
        return super().to_internal_value(data)


def username(user) -> str | None:
    return user.get_username() if user is not None else None


class NoInput(InputSerializer):
    """The input of an action that takes no fields: any field sent is refused, never silently dropped."""


class UsernameField(serializers.CharField):
    """A user shown by username (read-only)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return username(value)


class SlugRef(serializers.SlugRelatedField):
    """A related row shown by its slug (read-only)."""

    def __init__(self, slug_field: str = "slug", **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(slug_field=slug_field, **kwargs)


def money(**kwargs) -> serializers.DecimalField:
    """USD as an exact decimal string, never a float."""
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


def choice_output(choices_class, **kwargs) -> serializers.CharField:
    """A read-only choice value, documented as a string listing its values. Several choice sets share a field name
    (a request's and an entitlement's ``status``) and drf-spectacular names enums by field name: without
    ENUM_NAME_OVERRIDES entries for them (settings) it would invent hashed names and warn."""
    values = ", ".join(choices_class.values)
    return serializers.CharField(read_only=True, help_text=f"One of: {values}.", **kwargs)

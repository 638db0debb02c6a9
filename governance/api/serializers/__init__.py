"""Serializers of the governance API: explicit Input serializers per action (which fields a client may send) and
Output serializers (what it gets back). Protected fields — status, team on update, requested_by, decisions,
audit fields — exist in no Input serializer, and an Input serializer refuses fields it does not declare."""

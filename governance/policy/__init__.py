"""Policy as code: a versioned YAML rule set, its facts, a pure engine and the services around them.

- ``language``: the rule language (conditions, rules, messages); ``validation``: strict parsing (``parse_rules``).
- ``schema``: the facts a rule may read.
- ``facts``: builds those facts from the catalog and governance tables.
- ``engine``: ``evaluate(rules, facts)`` -> outcome, stages, matched rules, warnings, explanation. Pure.
- ``services`` / ``selectors``: versions (create, active, diff) and ``policy_evaluate``.
"""

_SERVICES = {"policy_active", "policy_evaluate", "policy_version_create"}
_SELECTORS = {
    "policy_versions",
    "policy_version_get",
    "policy_version_to_edit",
    "policy_versions_diff",
    "policy_evaluations_of",
}


def __getattr__(name):
    # Lazy, so the pure modules (language, engine, schema) import without Django's models being loaded.
    if name in _SERVICES:
        from governance.policy import services

        return getattr(services, name)
    if name in _SELECTORS:
        from governance.policy import selectors

        return getattr(selectors, name)
    raise AttributeError(name)

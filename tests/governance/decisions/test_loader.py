"""The decision loader: one query, and the same facts as the policy's ORM loader on the same data."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.decisions.loader import pair_load
from governance.policy.facts import FactSources, Question, fact_sources_load, facts_compute
from tests.factories.governance import EntitlementFactory, TeamFactory, UseCaseFactory
from tests.governance.policy import world

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def rich_world():
    team = TeamFactory(slug="risk", regulated=True, allowed_regions=["eu-west"], allowed_data_classifications=[])
    use_case = UseCaseFactory(team=team, slug="kyc", risk_tier="high", data_classification="confidential")
    UseCaseFactory(team=team, slug="chat", risk_tier="minimal")
    grandparent = world.model("lab/base", licence_category="non_commercial")
    parent = world.model("lab/instruct", licence_category=None)
    model = world.model("acme/kyc-tuned", licence_category="permissive", retirement_date=TODAY + dt.timedelta(days=45))
    world.derived(parent, grandparent, "finetune")
    world.derived(model, parent, "adapter")
    world.derived(model, grandparent, "merge")
    world.alias(model, "kyc-tuned")
    world.claim(model, "distillation", ["none_declared"], status="verified")
    world.claim(model, "training_data", ["commercially_licensed", "synthetic"])
    world.claim(model, "origin", ["derived"], status="disputed")
    world.offering(model, regions=["eu-west"], zero_data_retention=True, input_usd="0.15", output_usd="0.60")
    selected = world.offering(model, regions=["us-east"], trains_on_prompts=True, input_usd="0.10", output_usd="0.40")
    world.offering(model, regions=["eu-west"], status="deprecated", input_usd="0.01", output_usd="0.01")
    world.benchmark_result(model, "mmlu-pro", "71.25", tier="independent")
    world.benchmark_result(model, "mmlu-pro", "74.00")
    EntitlementFactory(team=team, model=model, use_case=use_case)
    return team, model, use_case, selected


QUESTIONS = [
    Question(),
    Question(data_classification="restricted", region="eu-west"),
    Question(region="us-east", expected_monthly_tokens=3_000_000_000),
    Question(new_request=False, data_classification="internal"),
]


def facts_both_ways(team, model, use_case, question):
    from_orm = facts_compute(fact_sources_load(team=team, model=model, use_case=use_case), question, today=TODAY)
    row = pair_load(team_id=None, team_name=team.slug, model_id=None, model_name="KYC-Tuned")
    sources = FactSources(
        team=row.team,
        model=row.model,
        ancestors=row.ancestors,
        claims=row.claims,
        offerings=row.offerings,
        benchmarks=row.benchmarks,
        use_case=next(u for u in row.use_cases if u["id"] == use_case.pk),
    )
    return from_orm, facts_compute(sources, question, today=TODAY)


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_sql_loader_yields_the_same_facts_as_the_orm_loader(rich_world, question):
    team, model, use_case, _ = rich_world
    from_orm, from_sql = facts_both_ways(team, model, use_case, question)
    assert from_sql == from_orm
    assert from_sql["model.license_categories"] == ["permissive", "non_commercial", "unknown"]
    assert from_sql["benchmark_independent.mmlu-pro"] == Decimal("71.25")


def test_the_selected_offering_gives_the_same_facts_too(rich_world):
    team, model, use_case, selected = rich_world
    from_orm, from_sql = facts_both_ways(team, model, use_case, Question(offering_id=selected.pk))
    assert from_sql == from_orm
    assert from_sql["offering.trains_on_prompts"] is True


def test_everything_comes_in_one_query(rich_world, django_assert_num_queries):
    with django_assert_num_queries(1):
        row = pair_load(team_id=None, team_name="risk", model_id=None, model_name="kyc-tuned")
    assert [u["slug"] for u in row.use_cases] == ["kyc", "chat"]
    assert [e.status for e in row.entitlements] == ["active"]
    assert row.version >= 1


def test_an_exact_slug_wins_over_another_models_alias():
    a = world.model("vendor/fast")
    b = world.model("vendor/fast-v2")
    world.alias(b, "vendor/fast")
    row = pair_load(team_id=None, team_name="-", model_id=None, model_name="vendor/fast")
    assert row.model["id"] == a.pk
    assert row.team is None


def test_past_entitlements_are_kept_for_the_reason_but_bounded():
    team = TeamFactory()
    model = world.model()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for day in range(5):
        granted = now + dt.timedelta(days=day)
        EntitlementFactory(
            team=team,
            model=model,
            status="revoked",
            granted_at=granted,
            expires_at=granted + dt.timedelta(days=1),
            revoked_at=granted,
        )
    row = pair_load(team_id=team.pk, team_name=team.slug, model_id=model.pk, model_name=model.slug)
    assert len(row.entitlements) == 3
    assert row.entitlements[0].id > row.entitlements[-1].id  # newest first

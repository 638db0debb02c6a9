"""Facts built from the catalog and governance tables: lineage, provenance, offerings, prices, spend."""

import datetime as dt
from decimal import Decimal

import pytest

from governance.policy.facts import Question, fact_sources_load, facts_compute
from tests.factories.governance import TeamFactory, UseCaseFactory
from tests.governance.policy import world

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 6, 1)


def facts_for(model, team=None, use_case=None, **question):
    team = team or TeamFactory()
    sources = fact_sources_load(team=team, model=model, use_case=use_case)
    return facts_compute(sources, Question(**question), today=TODAY)


def test_licence_categories_are_inherited_through_lineage_nearest_first():
    base = world.model("meta/base", licence_category="non_commercial")
    fine_tune = world.model("lab/fine-tune", licence_category="permissive")
    quantized = world.model("lab/fine-tune-q4", licence_category="permissive")
    world.derived(fine_tune, base, "finetune")
    world.derived(quantized, fine_tune, "quantized")

    facts = facts_for(quantized)

    assert facts["model.base_models"] == ["lab/fine-tune", "meta/base"]
    assert facts["model.inherited_license_categories"] == ["permissive", "non_commercial"]
    assert facts["model.license_categories"] == ["permissive", "non_commercial"]
    assert facts["model.license_lineage"] == [
        "lab/fine-tune-q4: permissive",
        "lab/fine-tune: permissive",
        "meta/base: non_commercial",
    ]


def test_a_base_model_without_a_licence_passes_on_unknown():
    base = world.model("x/base", licence_category=None)
    child = world.model("x/child", licence_category="commercial")
    world.derived(child, base)
    facts = facts_for(child)
    assert facts["model.license_categories"] == ["commercial", "unknown"]


def test_a_lineage_cycle_does_not_loop():
    a = world.model("x/a", licence_category="permissive")
    b = world.model("x/b", licence_category="copyleft")
    world.derived(a, b)
    world.derived(b, a)
    assert facts_for(a)["model.base_models"] == ["x/b"]


def test_provenance_disputed_claims_do_not_count_but_are_reported():
    m = world.model()
    world.claim(m, "distillation", ["none_declared"], status="disputed")
    world.claim(m, "training_data", ["public_web", "commercially_licensed"], status="verified")
    world.claim(m, "training_data", ["user_data"], status="disputed")

    facts = facts_for(m)

    assert facts["provenance.no_distillation_declared"] is False
    assert facts["provenance.any_disputed"] is True
    assert facts["provenance.disputed_topics"] == ["distillation", "training_data"]
    assert facts["provenance.verified"] is True
    assert facts["provenance.verified_topics"] == ["training_data"]
    assert facts["provenance.training_data_categories"] == ["commercially_licensed", "public_web"]


def test_an_undisputed_no_distillation_claim_counts():
    m = world.model()
    world.claim(m, "distillation", ["none_declared"])
    assert facts_for(m)["provenance.no_distillation_declared"] is True


def test_offerings_are_filtered_by_region_and_status():
    m = world.model()
    world.offering(m, regions=["eu-west"], zero_data_retention=True, input_usd="3", output_usd="15")
    world.offering(m, regions=["us-east"], trains_on_prompts=True, input_usd="2.5", output_usd="10")
    world.offering(m, regions=["eu-west"], status="retired", input_usd="0.1", output_usd="0.1")

    everywhere = facts_for(m)
    assert everywhere["offering.count"] == 2
    assert everywhere["offering.regions"] == ["eu-west", "us-east"]
    assert everywhere["offering.trains_on_prompts"] is True
    assert everywhere["price.input_usd_per_1m"] == Decimal("2.5")  # the cheapest usable one, not the retired one

    in_eu = facts_for(m, region="eu-west")
    assert in_eu["offering.count"] == 1
    assert in_eu["offering.trains_on_prompts"] is False
    assert in_eu["offering.zero_data_retention"] is True
    assert (in_eu["price.input_usd_per_1m"], in_eu["price.output_usd_per_1m"]) == (Decimal("3"), Decimal("15"))


def test_a_selected_offering_is_the_only_one_considered():
    m = world.model()
    chosen = world.offering(m, regions=["us-east"], trains_on_prompts=False, input_usd="5")
    world.offering(m, regions=["us-east"], trains_on_prompts=True, input_usd="1")
    facts = facts_for(m, offering_id=chosen.pk)
    assert facts["offering.selected"] is True
    assert facts["offering.trains_on_prompts"] is False
    assert facts["price.input_usd_per_1m"] == Decimal("5")


def test_zero_retention_must_be_in_a_region_the_team_may_use():
    m = world.model()
    world.offering(m, regions=["us-east"], zero_data_retention=True)
    assert facts_for(m, team=TeamFactory(allowed_regions=["eu-west"]))["offering.zdr_in_allowed_region"] is False
    assert facts_for(m, team=TeamFactory(allowed_regions=["us-east"]))["offering.zdr_in_allowed_region"] is True
    # A team with no region limit may use any region.
    assert facts_for(m, team=TeamFactory(allowed_regions=[]))["offering.zdr_in_allowed_region"] is True


def test_team_limits_on_data_classes_and_regions():
    team = TeamFactory(allowed_data_classifications=["public", "internal"], allowed_regions=["eu-west"])
    facts = facts_for(world.model(), team=team, data_classification="restricted", region="us-east")
    assert facts["request.data_classification_allowed_for_team"] is False
    assert facts["request.region_allowed_for_team"] is False
    facts = facts_for(world.model(), team=team, data_classification="internal")
    assert facts["request.data_classification_allowed_for_team"] is True
    assert facts["request.region_allowed_for_team"] is None  # no region asked


def test_data_classification_defaults_to_the_use_case():
    team = TeamFactory()
    use_case = UseCaseFactory(team=team, data_classification="confidential", risk_tier="high", production=False)
    facts = facts_for(world.model(), team=team, use_case=use_case)
    assert facts["request.data_classification"] == "confidential"
    assert (facts["use_case.risk_tier"], facts["use_case.production"]) == ("high", False)


def test_expected_spend_is_the_requesters_figure_or_estimated_from_tokens():
    m = world.model()
    world.offering(m, input_usd="2.50", output_usd="10.00")
    stated = facts_for(m, expected_monthly_spend_usd=Decimal("1200.00"), expected_monthly_tokens=10**9)
    assert stated["request.expected_monthly_spend_usd"] == Decimal("1200.00")
    # 2 billion tokens at the higher token price (10 USD per 1M) is 20,000 USD: an upper bound.
    estimated = facts_for(m, expected_monthly_tokens=2 * 10**9)
    assert estimated["request.expected_monthly_spend_usd"] == Decimal("20000.00")
    assert facts_for(m)["request.expected_monthly_spend_usd"] is None


def test_retirement_facts_by_date():
    soon = world.model(retirement_date=TODAY + dt.timedelta(days=30))
    past = world.model(retirement_date=TODAY, lifecycle="deprecated")
    assert (facts_for(soon)["model.days_until_retirement"], facts_for(soon)["model.retired"]) == (30, False)
    assert (facts_for(past)["model.days_until_retirement"], facts_for(past)["model.retired"]) == (0, True)
    assert facts_for(world.model(lifecycle="retired"))["model.retired"] is True


def test_benchmark_scores_best_of_any_source_and_of_independent_ones():
    m = world.model()
    world.benchmark_result(m, "mmlu-pro", "84.1", tier="vendor_claimed")
    world.benchmark_result(m, "mmlu-pro", "79.5", tier="independent")
    world.benchmark_result(m, "mmlu-pro", "77.0", tier="internal")
    facts = facts_for(m)
    assert facts["benchmark.mmlu-pro"] == Decimal("84.1")
    assert facts["benchmark_independent.mmlu-pro"] == Decimal("79.5")

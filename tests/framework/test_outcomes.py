"""The outcomes framework as the guidance's Figure 1 lists it."""

import dataclasses

import pytest

from cdphub.framework.outcomes import MetricDefinition, outcomes_framework


def test_six_outcomes_three_strategic_three_intermediate():
    framework = outcomes_framework()
    assert [o.tier for o in framework.outcomes].count("strategic") == 3
    assert [o.tier for o in framework.outcomes].count("intermediate") == 3


def test_eleven_headline_metrics_as_figure_1_lists_them():
    framework = outcomes_framework()
    headline = [m for m in framework.metrics if m.kind == "headline"]
    assert len(headline) == 11
    per_outcome = {o.key: len([m for m in headline if m.outcome == o.key])
                   for o in framework.outcomes}
    assert per_outcome == {"reduce_use": 2, "reduce_crime": 2, "reduce_deaths_harm": 2,
                           "reduce_supply": 2, "increase_treatment": 2, "improve_recovery": 1}


def test_enforcement_counts_take_no_better_or_worse_judgement():
    framework = outcomes_framework()
    assert framework.metric("county_lines_closed").polarity == "none"
    assert framework.metric("ocg_disruptions").polarity == "none"
    assert framework.metric("drug_misuse_deaths").polarity == "low"
    assert framework.metric("drug_misuse_deaths").method == "dsr"


def test_supporting_metrics_named_in_the_guidance_and_cited_in_progress_reports_are_there():
    keys = {m.key for m in outcomes_framework().metrics if m.kind == "supporting"}
    assert keys == {"deaths_in_treatment", "acceptability_of_drug_use", "meaningful_activity",
                    "children_in_need_drugs",
                    # the guidance's Chapter 3 "Alcohol" and Cumbria's progress report
                    "alcohol_specific_deaths", "alcohol_specific_admissions",
                    "successful_completions_opiate", "successful_completions_non_opiate",
                    "successful_completions_alcohol", "alcohol_dependence_not_in_treatment"}
    assert len(outcomes_framework().metrics) == 21


def test_box_1_commitments_link_to_known_metrics():
    framework = outcomes_framework()
    metric_keys = {m.key for m in framework.metrics}
    assert {c.key for c in framework.commitments} >= {"deaths_prevented", "county_lines",
                                                      "new_treatment_places", "ocg_disruptions"}
    assert all(c.metric in metric_keys for c in framework.commitments if c.metric)
    assert framework.commitments[0].target == 1000


@pytest.mark.parametrize(("field", "value"), [("method", "median"), ("polarity", "up"),
                                              ("disclosure", "suppress-1-9"),
                                              ("denominator_disclosure", "suppress-1-4")])
def test_a_metric_with_an_unknown_method_polarity_or_disclosure_rule_is_refused(field, value):
    deaths = outcomes_framework().metric("drug_misuse_deaths")
    fields = {f.name: getattr(deaths, f.name) for f in dataclasses.fields(MetricDefinition)}
    with pytest.raises(ValueError, match=f"metric drug_misuse_deaths: {field} must be one of"):
        MetricDefinition(**{**fields, field: value})

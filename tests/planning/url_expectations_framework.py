"""Who may use the performance framework's pages (tests/core/test_url_permissions.py).

Everyone who may read partnership A reads its framework, a metric's page and the download;
its members add, change and withdraw metrics and set baselines and targets (central
administrators do not: the framework is the partnership's own); its SRO and leads record the
partnership's agreement, and the SRO and lead roles count only once the session has given the
second factor (``tests/url_expectations.without_second_factor``)."""

from tests.url_expectations import LEADS_A, MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

SLUG = {"slug": partnership_a}
MEMBERS_OF_A = only(*MEMBERS_A)
LEADS_OF_A = only(*LEADS_A)


def a_framework_metric(world):
    """A metric of partnership A's framework (a local metric of A's, made once)."""
    from cdphub.outcomes.models import Metric
    from cdphub.planning.models import FrameworkMetric

    metric, _ = Metric.objects.get_or_create(
        key="walk-local-metric", defaults={
            "kind": "local", "partnership": world.partnership_a,
            "outcome": "reduce_deaths_harm", "name": "Naloxone kits issued", "definition": "d",
            "source": "s", "unit": "kits", "geography": "utla", "frequency": "annual",
            "period_type": "financial", "method": "count", "polarity": "high"})
    item, _ = FrameworkMetric.objects.get_or_create(partnership=world.partnership_a,
                                                    metric=metric, withdrawn_at=None)
    return item.pk


METRIC = {**SLUG, "pk": a_framework_metric}

EXPECTED = {
    "partnerships:plan-framework": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:plan-framework-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:plan-framework-metric": (METRIC, READ_PARTNERSHIP_A),
    "partnerships:plan-framework-add": (SLUG, MEMBERS_OF_A),
    "partnerships:plan-framework-edit": (METRIC, MEMBERS_OF_A),
    "partnerships:plan-framework-withdraw": (METRIC, MEMBERS_OF_A),
    "partnerships:plan-framework-baseline": (METRIC, MEMBERS_OF_A),
    "partnerships:plan-framework-targets": (METRIC, MEMBERS_OF_A),
    "partnerships:plan-framework-agree": (SLUG, LEADS_OF_A),
}

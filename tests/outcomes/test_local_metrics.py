"""Partnership leads define local metrics for their own performance framework."""

from django.urls import reverse

from cdphub.accounts.models import Role
from cdphub.outcomes.models import Metric
from tests.conftest import make_user, sign_in

FIELDS = {"name": "Naloxone kits issued", "outcome": "reduce_deaths_harm",
          "definition": "Take-home naloxone kits issued", "source": "Local treatment provider",
          "geography": "utla", "frequency": "quarterly", "period_type": "quarter",
          "unit": "kits", "multiplier": "1", "method": "count", "polarity": "high"}


def test_a_lead_defines_a_local_metric_for_their_partnership(client, world):
    lead = make_user("lead.a@example.org", Role.PARTNERSHIP_LEAD, partnership=world.partnership_a)
    sign_in(client, lead)
    response = client.post(reverse("outcomes:local-metric-create", args=["greater-manchester"]),
                           FIELDS)
    metric = Metric.objects.get(name="Naloxone kits issued")
    assert response.status_code == 302 and response["Location"] == metric.get_absolute_url()
    assert (metric.kind, metric.partnership, metric.key) == (
        "local", world.partnership_a, "greater-manchester-naloxone-kits-issued")
    overview = client.get(reverse("partnerships:detail", args=["greater-manchester"])).content
    assert b"Naloxone kits issued" in overview


def test_missing_fields_are_reported_and_nothing_is_saved(client, world):
    lead = make_user("lead.a@example.org", Role.SRO, partnership=world.partnership_a)
    sign_in(client, lead)
    response = client.post(reverse("outcomes:local-metric-create", args=["greater-manchester"]),
                           {**FIELDS, "name": "", "method": ""})
    page = response.content.decode()
    assert "There is a problem" in page and "Enter the name of the metric." in page
    assert "Select how the figures are worked out." in page
    assert not Metric.objects.filter(kind="local").exists()


def test_a_lead_of_another_partnership_is_refused(client, world):
    lead_b = make_user("lead.b@example.org", Role.PARTNERSHIP_LEAD,
                       partnership=world.partnership_b)
    sign_in(client, lead_b)
    response = client.post(reverse("outcomes:local-metric-create", args=["greater-manchester"]),
                           FIELDS)
    assert response.status_code == 403
    assert not Metric.objects.filter(kind="local").exists()


def test_a_local_metric_is_listed_and_shown_only_to_those_who_read_its_partnership(client, world):
    metric = Metric.objects.create(key="gm-kits", kind="local", partnership=world.partnership_a,
                                   **{**FIELDS, "multiplier": 1})
    url = reverse("outcomes:metric", args=[metric.key])
    assert client.get(url).status_code == 404  # anonymous
    assert b"Naloxone kits issued" not in client.get(reverse("outcomes:metrics")).content
    sign_in(client, world.member_b)
    assert client.get(url).status_code == 404
    for user in (world.member_a, world.adviser, world.central_analyst):
        sign_in(client, user)
        assert client.get(url).status_code == 200, user
        assert b"Naloxone kits issued" in client.get(reverse("outcomes:metrics")).content

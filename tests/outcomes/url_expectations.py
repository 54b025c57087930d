"""Who may use the data-load and metric pages."""

from tests.url_expectations import (
    ANY_ROLE,
    CENTRAL,
    CENTRAL_USERS,
    EVERYONE,
    LEAD_PARTNERSHIP_A,
    LEADS_A,
    READ_PARTNERSHIP_A,
    only,
    partnership_a,
)


def a_load_of_partnership_a(world):
    from cdphub.outcomes.models import DataLoad

    return DataLoad.objects.create(file_name="a.csv", checksum="0" * 64, format="long",
                                   partnership=world.partnership_a,
                                   status=DataLoad.Status.COMPLETE).pk


def a_metric(world):
    from cdphub.outcomes.catalogue import sync_catalogue

    sync_catalogue()
    return "continuity_of_care"


EXPECTED = {
    "outcomes:metrics": ({}, EVERYONE),
    "outcomes:metric": ({"key": a_metric}, EVERYONE),
    # Anyone with a role sees the list (national loads and those they may read).
    "outcomes:loads": ({}, ANY_ROLE),
    # Central users and partnership leads load files; a plain member does not.
    "outcomes:load-new": ({}, only(*LEADS_A, *CENTRAL_USERS)),
    "outcomes:load": ({"pk": a_load_of_partnership_a}, READ_PARTNERSHIP_A),
    "outcomes:load-report": ({"pk": a_load_of_partnership_a}, READ_PARTNERSHIP_A),
    # Leads of the partnership and central administrators (not a plain member, not an analyst).
    "outcomes:local-metric-create": ({"slug": partnership_a}, LEAD_PARTNERSHIP_A),
    # Central users (analysts and administrators).
    "outcomes:load-withdraw": ({"pk": a_load_of_partnership_a}, CENTRAL),
}

# A partnership's outcomes pages and downloads: whoever can read the partnership.
EXPECTED.update({
    "outcomes:commitments": ({}, EVERYONE),
    "outcomes:commitments-download": ({"fmt": "csv"}, EVERYONE),
    "partnerships:outcomes": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:outcomes-download": ({"slug": partnership_a, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:outcome-metric": ({"slug": partnership_a, "key": a_metric}, READ_PARTNERSHIP_A),
    "partnerships:outcome-metric-download": (
        {"slug": partnership_a, "key": a_metric, "table": "trend", "fmt": "xlsx"},
        READ_PARTNERSHIP_A),
})

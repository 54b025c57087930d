"""Who may use the findings, priorities and sign-off pages (tests/core/test_url_permissions.py).

Members of the partnership write findings (central administrators do not: the assessment is
the partnership's own); its SRO and leads raise findings to priorities, record agreement,
return to draft, publish and change priorities; only the SRO signs off, and the SRO and lead
roles count only once the session has given the second factor
(``tests/url_expectations.without_second_factor``)."""

from tests.url_expectations import LEADS_A, MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

SLUG = {"slug": partnership_a}
MEMBERS_OF_A = only(*MEMBERS_A)
LEADS_OF_A = only(*LEADS_A)
SRO_OF_A = only("sro_a")


def an_assessment(world):
    """Partnership A's assessment in progress (one at a time), made once."""
    from cdphub.planning.models import Assessment

    found = Assessment.objects.in_progress().filter(partnership=world.partnership_a).first()
    return (found or Assessment.objects.create(partnership=world.partnership_a)).pk


def a_finding(world):
    from cdphub.planning.models import Finding

    return Finding.objects.create(assessment_id=an_assessment(world), section_key="drug_use",
                                  statement="Crack cocaine use is rising.").pk


def a_priority(world):
    from cdphub.planning.models import Priority

    return Priority.objects.create(partnership=world.partnership_a,
                                   title=f"Priority {Priority.objects.count() + 1}").pk


ASSESSMENT = {**SLUG, "pk": an_assessment}
FINDING = {**ASSESSMENT, "fpk": a_finding}

EXPECTED = {
    "partnerships:finding-add": ({**ASSESSMENT, "section": "drug_use"}, MEMBERS_OF_A),
    "partnerships:finding-edit": (FINDING, MEMBERS_OF_A),
    "partnerships:finding-remove": (FINDING, MEMBERS_OF_A),
    "partnerships:finding-raise": (FINDING, LEADS_OF_A),
    "partnerships:needs-assessment-agree": (ASSESSMENT, LEADS_OF_A),
    "partnerships:needs-assessment-return-to-draft": (ASSESSMENT, LEADS_OF_A),
    # The SRO alone, and only with the second factor.
    "partnerships:needs-assessment-sign-off": (ASSESSMENT, SRO_OF_A),
    "partnerships:needs-assessment-publish": (ASSESSMENT, LEADS_OF_A),
    "partnerships:priorities": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:priorities-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:priority-edit": ({**SLUG, "pk": a_priority}, LEADS_OF_A),
    "partnerships:priority-status": ({**SLUG, "pk": a_priority}, LEADS_OF_A),
}

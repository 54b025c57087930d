"""Who may use the needs assessment's own pages (the URL × role walk)."""

from tests.url_expectations import MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

# Writing the assessment (planning.change_assessment) is for the partnership's members only:
# central administrators read it but do not write it.
MEMBERS_OF_A = only(*MEMBERS_A)


def a_draft(world):
    """Partnership A's assessment in progress (started once, however many URLs ask)."""
    from cdphub.planning.models import Assessment

    assessment = Assessment.objects.filter(partnership=world.partnership_a,
                                           status__in=Assessment.IN_PROGRESS).first()
    if assessment is None:
        assessment = Assessment.objects.create(partnership=world.partnership_a,
                                               title="Joint needs assessment 2024")
    return assessment.pk


SLUG = {"slug": partnership_a}
ONE = {**SLUG, "pk": a_draft}

EXPECTED = {
    "partnerships:needs-assessment": (SLUG, READ_PARTNERSHIP_A),
    # POST only: those allowed get "405 Method Not Allowed" for a GET, the rest are refused.
    "partnerships:needs-assessment-start": (SLUG, MEMBERS_OF_A),
    "partnerships:needs-assessment-detail": (ONE, READ_PARTNERSHIP_A),
    "partnerships:needs-assessment-section": ({**ONE, "key": "residents_lives"}, MEMBERS_OF_A),
    "partnerships:needs-assessment-figures-download": ({**ONE, "fmt": "csv"},
                                                       READ_PARTNERSHIP_A),
}

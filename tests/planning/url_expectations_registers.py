"""Who may use the evidence register and the data-sharing register."""

from tests.url_expectations import MEMBERS_A, READ_PARTNERSHIP_A, only, partnership_a

# Members of partnership A write its registers (planning.change_assessment); central
# administrators read them like any central user but do not write a partnership's assessment.
CHANGE_ASSESSMENT_A = only(*MEMBERS_A)


def an_evidence_entry(world):
    """A partnership-only entry with a link and no file: its file page sends members back to
    the entry (tests/planning/test_registers_views.py checks the file download itself)."""
    import datetime as dt

    from cdphub.planning.models import Evidence

    return Evidence.objects.create(partnership=world.partnership_a, title="JSNA 2023",
                                   evidence_type="jsna", dated=dt.date(2023, 6, 1),
                                   link="https://example.org/jsna.pdf").pk


def a_data_holding(world):
    from cdphub.partnerships.models import Organisation
    from cdphub.planning.models import DataHolding

    organisation, _created = Organisation.objects.get_or_create(name="Greater Manchester Police")
    return DataHolding.objects.create(partnership=world.partnership_a, organisation=organisation,
                                      dataset="Arrests for possession").pk


def an_agreement(world):
    from cdphub.planning.models import SharingAgreement

    return SharingAgreement.objects.create(
        partnership=world.partnership_a, title="Drug-related deaths information sharing",
        purpose="Reviews of drug-related deaths", lawful_basis="public_task").pk


SLUG = {"slug": partnership_a}
ENTRY = {**SLUG, "pk": an_evidence_entry}

EXPECTED = {
    "partnerships:evidence": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:evidence-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:evidence-create": (SLUG, CHANGE_ASSESSMENT_A),
    # A partnership-only entry: only A's members (a publishable one: everyone who may read A,
    # tests/planning/test_registers_views.py).
    "partnerships:evidence-detail": (ENTRY, CHANGE_ASSESSMENT_A),
    "partnerships:evidence-edit": (ENTRY, CHANGE_ASSESSMENT_A),
    "partnerships:evidence-withdraw": (ENTRY, CHANGE_ASSESSMENT_A),
    "partnerships:evidence-file": (ENTRY, CHANGE_ASSESSMENT_A),
    "partnerships:data-sharing": (SLUG, READ_PARTNERSHIP_A),
    "partnerships:data-holdings-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:sharing-agreements-download": ({**SLUG, "fmt": "csv"}, READ_PARTNERSHIP_A),
    "partnerships:data-holding-create": (SLUG, CHANGE_ASSESSMENT_A),
    "partnerships:data-holding-edit": ({**SLUG, "pk": a_data_holding}, CHANGE_ASSESSMENT_A),
    "partnerships:sharing-agreement-create": (SLUG, CHANGE_ASSESSMENT_A),
    "partnerships:sharing-agreement-edit": ({**SLUG, "pk": an_agreement}, CHANGE_ASSESSMENT_A),
}

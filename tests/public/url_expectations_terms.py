"""Publishing a version of the terms of reference: the SRO and leads only."""

from tests.url_expectations import LEADS_A, only, partnership_a


def a_terms_version(world):
    from tests.public import records

    return records.terms(world.partnership_a, published=False, document=False).version


EXPECTED = {
    # A POST-only view: a GET is 405 (allowed through the permission check) for those who may.
    "partnerships:terms-publish": ({"slug": partnership_a, "version": a_terms_version},
                                   only(*LEADS_A)),
}

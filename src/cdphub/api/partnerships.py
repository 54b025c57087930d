"""The register through the API: partnerships the caller may read, and each one's return to
central government (guidance Appendix 1) with the same content as its CSV row."""

from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import paginate

from cdphub.core.clock import today
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.returns import build_return
from cdphub.partnerships.status import current_authorities, visible_to, with_register

from .access import access, caller
from .common import PARAMETER_ERRORS, Pages, SlugPath

router = Router(tags=["Partnerships"])


class Authority(Schema):
    code: str
    name: str


class PartnershipSummary(Schema):
    slug: str
    name: str
    region_code: str
    region_name: str
    authority_codes: list[str]

    @staticmethod
    def resolve_region_code(partnership: Partnership) -> str:
        return partnership.region.code

    @staticmethod
    def resolve_region_name(partnership: Partnership) -> str:
        return partnership.region.name

    @staticmethod
    def resolve_authority_codes(partnership: Partnership) -> list[str]:
        return [area.code for area in current_authorities(partnership, today())]


class PartnershipDetail(PartnershipSummary):
    authorities: list[Authority]
    footprint_rationale: str

    @staticmethod
    def resolve_authorities(partnership: Partnership) -> list[Authority]:
        return current_authorities(partnership, today())


class Contact(Schema):
    name: str
    job_title: str
    organisation: str
    email: str


class CorePartner(Schema):
    name: str
    organisation: str
    email: str


class PartnershipReturn(Schema):
    """Appendix 1: a lead role nobody holds is null."""

    partnership_name: str
    authorities: list[Authority]
    footprint_rationale: str
    sro: Contact | None
    partnership_lead: Contact | None
    public_involvement_lead: Contact | None
    data_lead: Contact | None
    core_partners_agreed: list[CorePartner]


def _partnership(slug: str) -> Partnership:
    return get_object_or_404(with_register(Partnership.objects.all()), slug=slug)


@router.get("/partnerships", response={200: list[PartnershipSummary], **PARAMETER_ERRORS},
            summary="List the partnerships you may read")
@paginate(Pages, page_size=50)
@access("partnerships.view_partnership_list")
def list_partnerships(request):
    partnerships = visible_to(Partnership.objects.all(), caller(request))
    return with_register(partnerships).order_by("name")


@router.get("/partnerships/{slug}", response={200: PartnershipDetail, **PARAMETER_ERRORS},
            summary="One partnership")
@access("partnerships.view_partnership", load=_partnership)
def get_partnership(request, partnership: Partnership, slug: SlugPath):
    return partnership


@router.get("/partnerships/{slug}/return", response={200: PartnershipReturn, **PARAMETER_ERRORS},
            summary="A partnership's return to central government (Appendix 1)")
@access("partnerships.view_partnership", load=_partnership)
def get_partnership_return(request, partnership: Partnership, slug: SlugPath):
    return build_return(partnership, today())

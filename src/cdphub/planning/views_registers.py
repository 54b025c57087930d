"""The evidence register and the data-sharing register (Box 5) of a partnership, under
``<slug>/needs-assessment/`` (names in the 'partnerships' namespace)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import COUNT, DATE, DATETIME, FLAG, About, Column, Table, table_response
from cdphub.framework import guidance
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import files, lookups
from .forms_registers import (
    DataHoldingForm,
    EvidenceForm,
    SharingAgreementForm,
    WithdrawEvidenceForm,
)
from .models import DataHolding, Evidence, SharingAgreement
from .registers import (
    RegisterError,
    add_evidence,
    save_agreement,
    save_holding,
    sees_partnership_only,
    update_evidence,
    visible_evidence,
    withdraw_evidence,
)

READ = "planning.view_assessment"
EDIT = "planning.change_assessment"
SECTION = "needs_assessment"



def _evidence(slug: str, pk: int, **_kwargs) -> Evidence:
    """An entry of the partnership in the URL that is not withdrawn (else 404)."""
    return get_object_or_404(
        Evidence.objects.select_related("partnership", "owner", "added_by"),
        partnership__slug=slug, pk=pk, withdrawn_at__isnull=True)


def _context(request, partnership: Partnership, tab: str, **extra) -> dict:
    return {"partnership": partnership, "section": SECTION, "assessment_tab": tab,
            "partnership_sections": sections_for(partnership.slug),
            "can_edit": request.user.has_perm(EDIT, partnership), "today": today(), **extra}


def _posted(request, files: bool = False):
    """What the form was sent (bound even when nothing was ticked or typed), else None."""
    if request.method != "POST":
        return None
    return request.FILES if files else request.POST


def _apply_error(form, error: RegisterError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _type_labels() -> dict[str, str]:
    return dict(guidance().choices("evidence_types"))


def file_words(evidence: Evidence) -> str:
    """'report.pdf (PDF, 1.2 MB)'."""
    kind = files.BY_MEDIA_TYPE.get(evidence.file_type)
    return (f"{evidence.file_name} ({kind.short if kind else 'file'}, "
            f"{files.size_words(evidence.file_size)})")


# --- the evidence register -----------------------------------------------------------------


@access(READ, load=lookups.partnership)
def evidence_list(request, partnership: Partnership, slug: str):
    entries, hidden = visible_evidence(partnership, request.user)
    labels = _type_labels()
    rows = [(entry, labels.get(entry.evidence_type, entry.evidence_type),
             file_words(entry) if entry.file else "") for entry in entries]
    return render(request, "planning/evidence.html", _context(
        request, partnership, "evidence", rows=rows, hidden=hidden))


@access(EDIT, load=lookups.partnership)
def evidence_create(request, partnership: Partnership, slug: str):
    form = EvidenceForm(data=_posted(request), files=_posted(request, files=True),
                        instance=Evidence(partnership=partnership), partnership=partnership,
                        on=today())
    if request.method == "POST" and form.is_valid():
        try:
            entry = add_evidence(form.save(commit=False), by=request.user,
                                 owner_name=form.cleaned_data["owner_name"],
                                 upload=form.cleaned_data["upload"], checked=form.checked)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{entry.title}\u201d is added to the evidence "
                                      "register.")
            return redirect("partnerships:evidence", slug)
    return render(request, "planning/evidence_form.html", _context(
        request, partnership, "evidence", form=form, entry=None))


@access("planning.view_evidence", load=_evidence)
def evidence_detail(request, entry: Evidence, slug: str, pk: int):
    partnership = entry.partnership
    return render(request, "planning/evidence_detail.html", _context(
        request, partnership, "evidence", entry=entry,
        type_label=_type_labels().get(entry.evidence_type, entry.evidence_type),
        file_description=file_words(entry) if entry.file else ""))


def _editable_entry(partnership: Partnership, pk: int) -> Evidence:
    return get_object_or_404(Evidence.objects.select_related("partnership", "owner"),
                             partnership=partnership, pk=pk, withdrawn_at__isnull=True)


@access(EDIT, load=lookups.partnership)
def evidence_edit(request, partnership: Partnership, slug: str, pk: int):
    entry = _editable_entry(partnership, pk)
    form = EvidenceForm(data=_posted(request), files=_posted(request, files=True), instance=entry,
                        partnership=partnership, on=today())
    if request.method == "POST" and form.is_valid():
        try:
            update_evidence(form.save(commit=False), by=request.user,
                            owner_name=form.cleaned_data["owner_name"],
                            upload=form.cleaned_data["upload"], checked=form.checked,
                            remove_file=form.cleaned_data.get("remove_file", False))
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{entry.title}\u201d is updated.")
            return redirect("partnerships:evidence-detail", slug, entry.pk)
    return render(request, "planning/evidence_form.html", _context(
        request, partnership, "evidence", form=form, entry=entry))


@access(EDIT, load=lookups.partnership)
def evidence_withdraw(request, partnership: Partnership, slug: str, pk: int):
    entry = _editable_entry(partnership, pk)
    form = WithdrawEvidenceForm(data=_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            withdraw_evidence(entry, by=request.user, reason=form.cleaned_data["reason"],
                              request=request)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{entry.title}\u201d is withdrawn from the evidence "
                                      "register. It stays in the partnership's History.")
            return redirect("partnerships:evidence", slug)
    return render(request, "planning/evidence_withdraw.html", _context(
        request, partnership, "evidence", form=form, entry=entry))


@access("planning.view_evidence", load=_evidence)
def evidence_file(request, entry: Evidence, slug: str, pk: int):
    """The stored file, as an attachment of its checked type (the media store is never served
    publicly). Each download of a partnership-only file is an audit event."""
    if not entry.file:
        messages.info(request, "No file is stored for this entry: it has a link instead.")
        return redirect("partnerships:evidence-detail", slug, pk)
    try:
        handle = entry.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the store.") from None
    if entry.visibility != Evidence.Visibility.PUBLISHABLE:
        record(AuditEvent.Kind.FILE_DOWNLOADED, request=request,
               partnership_id=entry.partnership_id,
               target=f"Evidence: {entry.title}, {entry.partnership.name}"[:300],
               evidence_id=entry.pk, file_name=entry.file_name)
    kind = files.BY_MEDIA_TYPE.get(entry.file_type)
    response = FileResponse(handle, as_attachment=True,
                            filename=files.display_name(entry.file_name),
                            content_type=kind.media_type if kind else "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


EVIDENCE_COLUMNS = [
    Column("title", "Title"),
    Column("type", "Type of evidence"),
    Column("owner", "Owner organisation"),
    Column("dated", "Date", DATE),
    Column("link", "Link"),
    Column("file_name", "File name"),
    Column("file_type", "File type"),
    Column("file_size", "File size in bytes", COUNT),
    Column("visibility", "Who may see it"),
    Column("added_by", "Added by"),
    Column("added_at", "Added at", DATETIME),
    Column("notes", "Notes"),
]


@access(READ, load=lookups.partnership)
def evidence_download(request, partnership: Partnership, slug: str, fmt: str):
    entries, hidden = visible_evidence(partnership, request.user)
    labels = _type_labels()
    rows = [{"title": e.title, "type": labels.get(e.evidence_type, e.evidence_type),
             "owner": e.owner.name if e.owner else "", "dated": e.dated, "link": e.link,
             "file_name": e.file_name if e.file else "",
             "file_type": (files.BY_MEDIA_TYPE[e.file_type].short
                           if e.file and e.file_type in files.BY_MEDIA_TYPE else ""),
             "file_size": e.file_size if e.file else None,
             "visibility": e.get_visibility_display(),
             "added_by": e.added_by.full_name if e.added_by else "", "added_at": e.added_at,
             "notes": e.notes} for e in entries]
    shown = sees_partnership_only(request.user, partnership)
    about = About(
        title=f"Evidence register: {partnership.name}",
        url=request.build_absolute_uri(reverse("partnerships:evidence", args=[slug])),
        filters=() if shown else [("Who may see it", "Publishable entries only")],
        notes=["Withdrawn entries are not listed."]
        + (["Some entries are visible only to the partnership's members and are not in this "
            "file."] if hidden else []))
    return table_response(Table(EVIDENCE_COLUMNS, rows, about, sheet="Evidence register"), fmt,
                          f"{slug}-evidence-register")


# --- the data-sharing register ---------------------------------------------------------------


def _agreements(partnership: Partnership):
    return partnership.sharing_agreements.prefetch_related("parties")


def _holdings(partnership: Partnership):
    return partnership.data_holdings.select_related("organisation")


@access(READ, load=lookups.partnership)
def data_sharing(request, partnership: Partnership, slug: str):
    on = today()
    agreements = [(agreement, agreement.is_past_review(on))
                  for agreement in _agreements(partnership)]
    holdings = list(_holdings(partnership))
    return render(request, "planning/data_sharing.html", _context(
        request, partnership, "data_sharing", holdings=holdings, agreements=agreements,
        past_review=sum(1 for _a, past in agreements if past),
        intended_holdings=[h for h in holdings if h.sharing == DataHolding.Sharing.INTENDED],
        developing=[a for a, _past in agreements
                    if a.status == SharingAgreement.Status.IN_DEVELOPMENT]))


def _holding_page(request, partnership: Partnership, holding: DataHolding):
    form = DataHoldingForm(data=_posted(request), instance=holding, partnership=partnership)
    is_new = holding.pk is None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_holding(form.save(commit=False), by=request.user,
                                 organisation_name=form.cleaned_data["organisation_name"])
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"{saved.dataset} ({saved.organisation}) is "
                                      f"{'added' if is_new else 'updated'}.")
            return redirect("partnerships:data-sharing", partnership.slug)
    return render(request, "planning/data_sharing_holding_form.html", _context(
        request, partnership, "data_sharing", form=form, is_new=is_new))


@access(EDIT, load=lookups.partnership)
def holding_create(request, partnership: Partnership, slug: str):
    return _holding_page(request, partnership, DataHolding(partnership=partnership))


@access(EDIT, load=lookups.partnership)
def holding_edit(request, partnership: Partnership, slug: str, pk: int):
    return _holding_page(request, partnership, get_object_or_404(
        DataHolding, partnership=partnership, pk=pk))


def _agreement_page(request, partnership: Partnership, agreement: SharingAgreement):
    form = SharingAgreementForm(data=_posted(request), instance=agreement,
                                partnership=partnership, on=today())
    is_new = agreement.pk is None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_agreement(form.save(commit=False), parties=form.cleaned_data["parties"],
                                   other_parties=form.other_party_names(), by=request.user)
        except RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{saved.title}\u201d is "
                                      f"{'added' if is_new else 'updated'}.")
            return redirect("partnerships:data-sharing", partnership.slug)
    return render(request, "planning/data_sharing_agreement_form.html", _context(
        request, partnership, "data_sharing", form=form, is_new=is_new, agreement=agreement))


@access(EDIT, load=lookups.partnership)
def agreement_create(request, partnership: Partnership, slug: str):
    return _agreement_page(request, partnership, SharingAgreement(partnership=partnership))


@access(EDIT, load=lookups.partnership)
def agreement_edit(request, partnership: Partnership, slug: str, pk: int):
    return _agreement_page(request, partnership, get_object_or_404(
        SharingAgreement, partnership=partnership, pk=pk))


HOLDING_COLUMNS = [
    Column("organisation", "Organisation"),
    Column("dataset", "Data held"),
    Column("sharing", "Sharing status"),
    Column("notes", "Notes"),
]

AGREEMENT_COLUMNS = [
    Column("title", "Title"),
    Column("parties", "Parties"),
    Column("purpose", "Purpose"),
    Column("lawful_basis", "Lawful basis"),
    Column("status", "Status"),
    Column("signed_on", "Date signed", DATE),
    Column("review_on", "Review or expiry date", DATE),
    Column("past_review", "Past review", FLAG),
    Column("dpia_done", "DPIA done", FLAG),
    Column("notes", "Notes"),
]


def _register_about(request, partnership: Partnership, what: str, notes=()) -> About:
    return About(
        title=f"{what}: {partnership.name}",
        url=request.build_absolute_uri(reverse("partnerships:data-sharing",
                                               args=[partnership.slug])),
        notes=list(notes))


@access(READ, load=lookups.partnership)
def holdings_download(request, partnership: Partnership, slug: str, fmt: str):
    rows = [{"organisation": h.organisation.name, "dataset": h.dataset,
             "sharing": h.get_sharing_display(), "notes": h.notes}
            for h in _holdings(partnership)]
    return table_response(
        Table(HOLDING_COLUMNS, rows, _register_about(request, partnership, "Data held"),
              sheet="Data held"), fmt, f"{slug}-data-held")


@access(READ, load=lookups.partnership)
def agreements_download(request, partnership: Partnership, slug: str, fmt: str):
    on = today()
    rows = [{"title": a.title,
             "parties": "; ".join(sorted(p.name for p in a.parties.all())),
             "purpose": a.purpose, "lawful_basis": a.get_lawful_basis_display(),
             "status": a.get_status_display(), "signed_on": a.signed_on,
             "review_on": a.review_on, "past_review": a.is_past_review(on),
             "dpia_done": a.dpia_done, "notes": a.notes} for a in _agreements(partnership)]
    return table_response(
        Table(AGREEMENT_COLUMNS, rows, _register_about(
            request, partnership, "Data-sharing agreements",
            notes=[f"Past review: an agreement in place whose review or expiry date is before "
                   f"{on:%-d %B %Y}, the day this file was made."]),
            sheet="Data-sharing agreements"), fmt, f"{slug}-data-sharing-agreements")

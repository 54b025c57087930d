"""Governance pages (guidance chapter 3, Governance): terms of reference and their checklist,
sub-groups, links to other local bodies and the governance map."""

from __future__ import annotations

from pathlib import PurePath

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from cdphub.accounts.audit import record
from cdphub.core.access import access
from cdphub.core.clock import today

from . import actions
from .forms_governance import LocalBodyLinkForm, SubGroupForm, TermsOfReferenceForm
from .governance import (
    DOCUMENT_TYPES,
    create_terms,
    publish_terms,
    save_sub_group,
    structure,
    summarise,
    unpublish_terms,
)
from .governance_map import render_svg
from .models import LocalBodyLink, Partnership, SubGroup, TermsOfReference
from .views import _apply_error, _context, _partnership

READ = "partnerships.view_partnership"
EDIT = "partnerships.change_partnership"
PUBLISH = "partnerships.publish_terms"


@access(READ, load=_partnership)
def governance(request, partnership: Partnership, slug: str):
    on = today()
    versions = [summarise(terms, on) for terms in
                partnership.terms_of_reference.prefetch_related("items")]
    layout = structure(partnership)
    return render(request, "partnerships/governance/index.html", _context(
        request, partnership, "governance",
        current=versions[0] if versions else None,
        versions=versions,
        sub_groups=partnership.sub_groups.select_related("chair", "reports_to")
        .prefetch_related("members"),
        links=partnership.local_links.all(),
        structure=layout,
        # Every piece of text in the SVG is escaped by render_svg.
        governance_map=mark_safe(render_svg(layout, id_prefix="governance-map")),  # noqa: S308
    ))


@access(READ, load=_partnership)
def governance_map(request, partnership: Partnership, slug: str):
    svg = render_svg(structure(partnership), id_prefix="governance-map")
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


def _terms(partnership: Partnership, version: int) -> TermsOfReference:
    return get_object_or_404(
        TermsOfReference.objects.prefetch_related("items").select_related("uploaded_by"),
        partnership=partnership, version=version)


@access(EDIT, load=_partnership)
def tor_create(request, partnership: Partnership, slug: str):
    form = TermsOfReferenceForm(data=request.POST or None, files=request.FILES or None,
                                initial=_previous_checklist(partnership))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = create_terms(
            partnership=partnership, checklist=form.checklist(), agreed_on=data["agreed_on"],
            review_due=data["review_due"], notes=data["notes"], document=data["document"] or None,
            uploaded_by=request.user)
        messages.success(request, f"Version {terms.version} of the terms of reference is "
                                  "recorded.")
        return redirect("partnerships:tor-detail", slug, terms.version)
    return render(request, "partnerships/governance/tor_form.html",
                  _context(request, partnership, "governance", form=form))


def _previous_checklist(partnership: Partnership) -> dict:
    """Start a new version from the last one's checklist."""
    latest = partnership.terms_of_reference.prefetch_related("items").first()
    if latest is None:
        return {}
    initial = {}
    for item in latest.items.all():
        initial[f"addressed_{item.content_key}"] = item.addressed
        initial[f"where_{item.content_key}"] = item.where
    return initial


@access(READ, load=_partnership)
def tor_detail(request, partnership: Partnership, slug: str, version: int):
    terms = _terms(partnership, version)
    return render(request, "partnerships/governance/tor_detail.html", _context(
        request, partnership, "governance", summary=summarise(terms, today()),
        is_latest=not partnership.terms_of_reference.filter(version__gt=version).exists(),
        can_publish=request.user.has_perm(PUBLISH, partnership)))


@access(PUBLISH, load=_partnership)
@require_POST
def tor_publish(request, partnership: Partnership, slug: str, version: int):
    """Publish this version on the partnership's public page, or (``unpublish`` in the form)
    take it off. The SRO and leads only."""
    terms = _terms(partnership, version)
    try:
        if request.POST.get("unpublish"):
            unpublish_terms(terms, by=request.user)
            messages.success(request, f"Version {version} is no longer on the public page.")
        else:
            publish_terms(terms, by=request.user)
            messages.success(request, f"Version {version} is published on the public page.")
    except actions.RegisterError as error:
        messages.error(request, error.message)
    return redirect("partnerships:tor-detail", slug, version)


@access(READ, load=_partnership)
def tor_document(request, partnership: Partnership, slug: str, version: int):
    """The uploaded document, as a download, to those who may read the partnership (the media
    store is never served publicly). Each download is an audit event."""
    terms = _terms(partnership, version)
    if not terms.document:
        messages.info(request, f"No document was uploaded for version {version}.")
        return redirect("partnerships:tor-detail", slug, version)
    try:
        handle = terms.document.open("rb")
    except FileNotFoundError:
        raise Http404("The document file is missing from the store.") from None
    extension = PurePath(terms.document.name).suffix.lower()
    record("export", request=request, partnership_id=partnership.pk,
           target=f"Terms of reference version {version}, {partnership.name}",
           document=terms.document.name)
    response = FileResponse(
        handle, as_attachment=True,
        filename=f"{partnership.slug}-terms-of-reference-v{version}{extension}",
        content_type=DOCUMENT_TYPES.get(extension, (b"", "application/octet-stream"))[1])
    response["Cache-Control"] = "private, no-store"
    return response


def _sub_group_page(request, partnership: Partnership, sub_group: SubGroup):
    form = SubGroupForm(data=request.POST or None, instance=sub_group, partnership=partnership,
                        on=today())
    is_new = sub_group.pk is None
    if request.method == "POST" and form.is_valid():
        try:
            saved = save_sub_group(form.save(commit=False), members=form.cleaned_data["members"])
        except actions.RegisterError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"{saved.name} {'added' if is_new else 'updated'}.")
            return redirect("partnerships:governance", partnership.slug)
    return render(request, "partnerships/governance/subgroup_form.html", _context(
        request, partnership, "governance", form=form, sub_group=sub_group, is_new=is_new))


@access(EDIT, load=_partnership)
def subgroup_create(request, partnership: Partnership, slug: str):
    return _sub_group_page(request, partnership, SubGroup(partnership=partnership))


@access(EDIT, load=_partnership)
def subgroup_edit(request, partnership: Partnership, slug: str, pk: int):
    return _sub_group_page(request, partnership,
                           get_object_or_404(SubGroup, partnership=partnership, pk=pk))


@access(EDIT, load=_partnership)
def link_create(request, partnership: Partnership, slug: str):
    form = LocalBodyLinkForm(data=request.POST or None,
                             instance=LocalBodyLink(partnership=partnership))
    if request.method == "POST" and form.is_valid():
        link = form.save()
        messages.success(request, f"The link to {link.name} is recorded.")
        return redirect("partnerships:governance", partnership.slug)
    return render(request, "partnerships/governance/link_form.html",
                  _context(request, partnership, "governance", form=form))

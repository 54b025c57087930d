"""The Roles pages (central administrators give and end people's roles, 'accounts:roles').
They offer the partnerships to choose from, so they live here rather than in ``accounts``
(which must not import the register); ``config/urls.py`` mounts them under ``account/roles/``
in the ``accounts`` namespace, where they have always been."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cdphub.accounts import actions
from cdphub.accounts.forms import GovukPasswordResetForm
from cdphub.accounts.models import Membership, Role
from cdphub.core.access import access

from .forms_roles import GrantRoleForm


@access("accounts.manage_roles")
def roles(request):
    form = GrantRoleForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user, created = actions.find_or_invite_user(data["email"], data.get("full_name", ""))
        try:
            actions.grant_role(actor=request.user, user=user, role=data["role"],
                               partnership=data.get("partnership"), region=data.get("region"),
                               request=request)
        except actions.RoleError as error:
            form.add_error(None, str(error))
        else:
            if created:
                invitation = GovukPasswordResetForm({"email": user.email})
                if invitation.is_valid():
                    invitation.save(
                        request=request,
                        email_template_name="accounts/email/invitation.txt",
                        subject_template_name="accounts/email/invitation_subject.txt",
                    )
            messages.success(request, f"{user} is now {Role(data['role']).label}"
                             + (" — we have emailed them an invitation." if created else "."))
            return redirect("accounts:roles")
    memberships = Membership.objects.active().select_related(
        "user", "partnership", "region").order_by("user__full_name", "role")
    query = request.GET.get("q", "").strip()
    if query:
        memberships = memberships.filter(user__email__icontains=query) | memberships.filter(
            user__full_name__icontains=query)
    page = Paginator(memberships, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/roles.html", {"form": form, "page": page, "q": query})


@access("accounts.manage_roles")
@require_POST
def revoke(request, pk: int):
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk)
    try:
        actions.revoke_role(actor=request.user, membership=membership, request=request)
    except actions.RoleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user} is no longer "
                                  f"{membership.get_role_display()} ({membership.scope_label}).")
    return redirect("accounts:roles")



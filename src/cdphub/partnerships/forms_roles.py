"""The form a central administrator gives someone a role with. It offers the partnerships, so
it lives here rather than in ``accounts`` (which must not import the register)."""

from __future__ import annotations

from django import forms

from cdphub.accounts.models import CENTRAL_ROLES, PARTNERSHIP_ROLES, REGIONAL_ROLES, Role, User
from cdphub.core.forms import GovukForm
from cdphub.geography.models import Area, AreaType

from .models import Partnership


class GrantRoleForm(GovukForm):
    email = forms.EmailField(label="Email address of the person")
    full_name = forms.CharField(
        label="Full name", required=False, max_length=200,
        help_text="Only needed if this person does not have an account yet.",
    )
    role = forms.ChoiceField(label="Role", choices=Role.choices, widget=forms.RadioSelect)
    partnership = forms.ModelChoiceField(
        label="Partnership", queryset=Partnership.objects.all(), required=False,
        help_text="For senior responsible owners, leads and members.",
    )
    region = forms.ModelChoiceField(
        label="Region", queryset=Area.objects.filter(area_type=AreaType.REGION), required=False,
        help_text="For regional advisers.",
    )

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        partnership, region = cleaned.get("partnership"), cleaned.get("region")
        if role in PARTNERSHIP_ROLES and partnership is None:
            self.add_error("partnership", "Choose the partnership this role is in.")
        if role in PARTNERSHIP_ROLES and region is not None:
            self.add_error("region", "Leave the region empty for a partnership role.")
        if role in REGIONAL_ROLES and region is None:
            self.add_error("region", "Choose the region this adviser covers.")
        if role in REGIONAL_ROLES and partnership is not None:
            self.add_error("partnership", "Leave the partnership empty for a regional adviser.")
        if role in CENTRAL_ROLES and (partnership is not None or region is not None):
            self.add_error("role", "Central roles cover all of England: leave the partnership "
                                   "and region empty.")
        email = cleaned.get("email")
        if email and not User.objects.filter(email__iexact=email).exists() and not cleaned.get(
                "full_name"):
            self.add_error("full_name", "Enter the person's full name: there is no account "
                                        "with this email address yet.")
        return cleaned

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

from cdphub.core.forms import GovukForm, GovukFormMixin

from . import throttle
from .audit import client_ip, record
from .models import AuditEvent


class SignInForm(GovukForm):
    email = forms.EmailField(label="Email address", max_length=254)
    password = forms.CharField(label="Password", strip=False, widget=forms.PasswordInput(
        attrs={"autocomplete": "current-password"}))

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        email, password = cleaned.get("email"), cleaned.get("password")
        if not email or not password:
            return cleaned
        refusal = throttle.begin(email, client_ip(self.request))
        if refusal is not None:
            record(AuditEvent.Kind.SIGN_IN_THROTTLED, request=self.request, actor_email=email,
                   limit=refusal.limit)
            minutes = max(1, int(refusal.wait.total_seconds() // 60) + 1)
            wait = f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again"
            if refusal.limit == throttle.ADDRESS:
                raise forms.ValidationError(
                    "There have been too many failed attempts to sign in from your network. "
                    f"{wait}, or reset your password: you can then sign in from here at once.",
                    code="throttled",
                )
            raise forms.ValidationError(
                "There have been too many failed attempts to sign in to this account. "
                f"{wait}, or reset your password.",
                code="throttled",
            )
        self.user = authenticate(self.request, username=email, password=password)
        if self.user is None:
            raise forms.ValidationError(
                "Enter a correct email address and password. Both are case sensitive "
                "apart from the email address.",
                code="invalid_login",
            )
        throttle.succeeded(email)
        if not self.user.is_active:
            raise forms.ValidationError("This account has been deactivated.", code="inactive")
        return cleaned


class TokenForm(GovukForm):
    token = forms.CharField(
        label="Security code", max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your backup codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "spellcheck": "false", "class": "govuk-input--width-10"}),
    )

    def clean_token(self):
        return self.cleaned_data["token"].replace(" ", "").strip()


class SetUpTokenForm(TokenForm):
    token = forms.CharField(
        label="Code from your authenticator app", max_length=6, min_length=6,
        help_text="Enter the 6-digit code your app shows after you add cdphub to it.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric",
                                      "spellcheck": "false", "class": "govuk-input--width-5"}),
    )


class GovukPasswordResetForm(GovukFormMixin, PasswordResetForm):
    pass


class GovukSetPasswordForm(GovukFormMixin, SetPasswordForm):
    pass


class GovukPasswordChangeForm(GovukFormMixin, PasswordChangeForm):
    pass


class AccessTokenForm(GovukForm):
    """Make a personal access token for the API."""

    name = forms.CharField(
        label="Name", max_length=100,
        help_text="What the token is for, so you can tell your tokens apart. For example, "
                  "'Monthly dashboard refresh'.",
        error_messages={"required": "Enter a name for the token, saying what it is for.",
                        "max_length": "The name must be 100 characters or fewer."},
    )
    lifetime_days = forms.TypedChoiceField(
        label="Expires after", coerce=int, widget=forms.RadioSelect,
        choices=[(30, "30 days"), (90, "90 days"), (365, "1 year")], initial=365,
        help_text="The token stops working then; you can revoke it sooner.",
        error_messages={"required": "Choose when the token expires.",
                        "invalid_choice": "Choose when the token expires: 30 days, 90 days or "
                                          "1 year."},
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name for the token, saying what it is for.")
        return name

"""Sign-in and out, two-factor authentication, passwords, your account, roles and the audit log."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.core.access import PUBLIC, SIGNED_IN, access
from cdphub.core.downloads import COUNT, DATETIME, About, Column, Table, table_response

from . import throttle, tokens
from .audit import record
from .forms import (
    AccessTokenForm,
    GovukPasswordChangeForm,
    GovukPasswordResetForm,
    GovukSetPasswordForm,
    SetUpTokenForm,
    SignInForm,
    TokenForm,
)
from .middleware import has_confirmed_device
from .models import AccessToken, AuditEvent, OutboxMessage
from .roles import (
    active_memberships,
    all_memberships,
    is_central,
    is_two_factor_verified,
    needs_two_factor,
)

BACKUP_CODE_COUNT = 10


@access(PUBLIC)
def home(request, *, more=None):
    """The service's home page ('core:home'): for someone signed in, their roles and the
    partnerships and regions they hold them in. It lives here, not in ``core``, because it
    reads memberships. ``more(request, context)`` returns anything a higher layer adds (what
    needs attention in the user's partnership, ``partnerships.views.home``, which
    ``config/urls.py`` mounts under the ``core`` name)."""
    memberships = active_memberships(request.user)
    partnerships = sorted(
        {m.partnership for m in memberships if m.partnership_id}, key=lambda p: p.name
    )
    regions = sorted({m.region for m in memberships if m.region_id}, key=lambda r: r.name)
    context = {
        "memberships": memberships,
        "my_partnerships": partnerships,
        "my_regions": regions,
        "is_central": is_central(request.user),
    }
    if more is not None:
        context.update(more(request, context))
    return render(request, "core/home.html", context)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@access(PUBLIC)
def sign_in(request):
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user, backend="django.contrib.auth.backends.ModelBackend")
        next_url = _safe_next(request, reverse("core:home"))
        if needs_two_factor(form.user):
            step = "accounts:two-factor" if has_confirmed_device(form.user) else (
                "accounts:two-factor-set-up")
            return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")
        return redirect(next_url)
    return render(request, "accounts/sign_in.html", {"form": form,
                                                     "next": request.GET.get("next", "")})


@access(PUBLIC)
@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You have signed out.")
    return redirect("core:home")


@access(SIGNED_IN)
def two_factor(request):
    """Second step of sign-in: a code from the authenticator app, or a backup code."""
    if not has_confirmed_device(request.user):
        return redirect("accounts:two-factor-set-up")
    form = TokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device, wait = _check_code(request.user, token)
        if wait:
            form.add_error("token", f"You have entered a wrong code too many times. Wait "
                                    f"{wait} second{'s' if wait != 1 else ''} and try again.")
        elif device is None:
            record(AuditEvent.Kind.TWO_FACTOR_FAILED, request=request)
            form.add_error("token", "The security code is not right, or has been used "
                                    "already. Enter the current code from your app, or a "
                                    "backup code you have not used.")
        else:
            otp_login(request, device)
            record(AuditEvent.Kind.TWO_FACTOR_VERIFIED, request=request,
                   device=device.__class__.__name__)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                messages.warning(request, f"You used a backup code. You have {left} left.")
            return redirect(_safe_next(request, reverse("core:home")))
    return render(request, "accounts/two_factor.html",
                  {"form": form, "next": request.GET.get("next", "")})


@access(SIGNED_IN)
def two_factor_set_up(request):
    """Add an authenticator app: scan the QR code (or type the key), then prove it works."""
    if has_confirmed_device(request.user) and not request.user.is_verified():
        return redirect("accounts:two-factor")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name="Authenticator app",
                                           confirmed=False)
    form = SetUpTokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save()
            TOTPDevice.objects.filter(user=request.user, confirmed=True).exclude(
                pk=device.pk).delete()
            otp_login(request, device)
            record(AuditEvent.Kind.TWO_FACTOR_SET_UP, request=request)
            codes = _issue_backup_codes(request)
            return render(request, "accounts/backup_codes.html", {"codes": codes, "new": True,
                          "next": _safe_next(request, reverse("core:home"))})
        form.add_error("token", "The code is not right. Check the time on your phone is "
                                "correct and enter the code your app shows now.")
    import segno

    qr = segno.make(device.config_url, error="m")
    return render(request, "accounts/two_factor_set_up.html", {
        "form": form,
        "qr_svg": qr.svg_inline(scale=4, dark="#0b0c0c", light="#ffffff",
                                title="QR code for adding cdphub to an authenticator app"),
        "secret": _base32(device.bin_key),
        "next": request.GET.get("next", ""),
    })


def _check_code(user, token: str):
    """Try a code on the one device it can belong to: ``(device, 0)`` if it is right,
    ``(None, 0)`` if not, ``(None, seconds)`` if that device is locked after wrong codes.

    App codes are all digits (6 of them); backup codes are 8 letters and digits. Each code
    goes only to its own kind of device, so wrong app codes lock only the app (django-otp's
    ``match_token`` would try every device and count a failure on each, locking the backup
    codes too), and wrong backup codes are throttled by the backup-code device alone. The
    device's row is locked while it is checked, so parallel attempts are counted one by one.
    """
    app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if app is not None and token.isdigit() and len(token) == app.digits:
        model, pk = TOTPDevice, app.pk
    else:
        backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if backup is None:
            return None, 0
        model, pk, token = StaticDevice, backup.pk, token.lower()
    with transaction.atomic():
        device = model.objects.select_for_update().get(pk=pk)
        wait = _throttle_wait(device)
        if wait:
            return None, wait
        return (device if device.verify_token(token) else None), 0


def _throttle_wait(device) -> int:
    """Seconds until the device may be tried again (0: it may be tried now). django-otp
    doubles the wait after each wrong code."""
    allowed, details = device.verify_is_allowed()
    if allowed or not details or "locked_until" not in details:
        return 0
    return max(1, int((details["locked_until"] - timezone.now()).total_seconds()) + 1)


def _base32(key: bytes) -> str:
    import base64

    raw = base64.b32encode(key).decode().rstrip("=")
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _issue_backup_codes(request) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=request.user, name="Backup codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    record(AuditEvent.Kind.BACKUP_CODES_ISSUED, request=request, count=len(codes))
    return codes


@access(SIGNED_IN)
@require_POST
def backup_codes(request):
    if not request.user.is_verified():
        messages.error(request, "Sign in with your security code before making new backup codes.")
        return redirect("accounts:account")
    codes = _issue_backup_codes(request)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "new": False,
                                                          "next": reverse("accounts:account")})


@access(SIGNED_IN)
def account(request):
    memberships = all_memberships(request.user)
    static = StaticDevice.objects.filter(user=request.user).first()
    return render(request, "accounts/account.html", {
        "memberships": memberships,
        "has_device": has_confirmed_device(request.user),
        "needs_two_factor": needs_two_factor(request.user),
        "backup_codes_left": static.token_set.count() if static else 0,
        "tokens": _tokens_with_status(request.user),
    })


TOKEN_TAGS = {"active": "govuk-tag--green", "expired": "govuk-tag--grey",
              "revoked": "govuk-tag--red"}


def _tokens_with_status(user) -> list[AccessToken]:
    now = timezone.now()
    found = list(AccessToken.objects.filter(user=user))
    for token in found:
        token.state = token.status(now)
        token.tag_class = TOKEN_TAGS[token.state]
    return found


@access("accounts.create_token")
def token_create(request):
    """Make a personal access token for the API; the token is shown once, on the next page."""
    two_factor = is_two_factor_verified(request.user)
    if needs_two_factor(request.user) and not two_factor:
        # The two-factor middleware sends such sessions to the code page first; this is a
        # second line, so a token never carries roles the session could not use.
        messages.error(request, "Sign in with your security code before making a token.")
        return redirect("accounts:two-factor")
    form = AccessTokenForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        access_token, secret = tokens.create_token(
            request.user, name=form.cleaned_data["name"],
            lifetime_days=form.cleaned_data["lifetime_days"], two_factor=two_factor,
            request=request)
        response = render(request, "accounts/token_created.html",
                          {"access_token": access_token, "secret": secret})
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "accounts/token_create.html", {"form": form})


def _access_token(pk: int, **_kwargs) -> AccessToken:
    return get_object_or_404(AccessToken, pk=pk)


@access("accounts.revoke_token", load=_access_token)
def token_revoke(request, access_token: AccessToken, pk: int):
    """Confirm, then revoke one of your own tokens."""
    if request.method == "POST":
        if tokens.revoke_token(access_token, request=request):
            messages.success(request, f"The token ‘{access_token.name}’ is revoked. Programs "
                                      "using it can no longer use the API.")
        else:
            messages.info(request, f"The token ‘{access_token.name}’ was already revoked.")
        return redirect(f"{reverse('accounts:account')}#tokens")
    return render(request, "accounts/token_revoke.html", {
        "access_token": access_token, "state": access_token.status(timezone.now())})


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = GovukPasswordResetForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def form_valid(self, form):
        record(AuditEvent.Kind.PASSWORD_RESET_REQUESTED, request=self.request,
               actor_email=form.cleaned_data["email"])
        return super().form_valid(form)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    form_class = GovukSetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-done")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(AuditEvent.Kind.PASSWORD_CHANGED, request=self.request, actor=form.user,
               via="reset")
        throttle.password_reset(form.user.email)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = GovukPasswordChangeForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form):
        response = super().form_valid(form)
        record(AuditEvent.Kind.PASSWORD_CHANGED, request=self.request, via="change")
        messages.success(self.request, "Your password has been changed.")
        return response


password_reset = access(PUBLIC)(PasswordResetView.as_view())
password_reset_confirm = access(PUBLIC)(PasswordResetConfirmView.as_view())
password_change = access(SIGNED_IN)(PasswordChangeView.as_view())


@access(PUBLIC)
def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


@access(PUBLIC)
def password_reset_done(request):
    return render(request, "accounts/password_reset_done.html")


def _audit_events(request):
    events = AuditEvent.objects.all()
    kind = request.GET.get("kind", "")
    email = request.GET.get("email", "").strip().lower()
    if kind:
        events = events.filter(kind=kind)
    if email:
        events = events.filter(actor_email__icontains=email)
    return events, kind, email


@access("accounts.view_audit_log")
def audit_log(request):
    events, kind, email = _audit_events(request)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/audit_log.html", {
        "page": page, "kind": kind, "email": email, "kinds": AuditEvent.Kind.choices,
        "query": request.GET.urlencode(),
    })


@access("accounts.export_audit_log")
def audit_log_csv(request):
    events, kind, email = _audit_events(request)
    record(AuditEvent.Kind.EXPORT, request=request, target="audit log (CSV)",
           filters={"kind": kind, "email": email})
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    rows = ({"time": event.created_at, "event": event.get_kind_display(), "code": event.kind,
             "actor_email": event.actor_email, "actor_id": event.actor_id,
             "ip_address": event.ip_address, "target": event.target,
             "partnership_id": event.partnership_id, "detail": event.detail}
            for event in events.iterator())
    filters = [(what, chosen) for what, chosen in (("Event", kind), ("Email contains", email))
               if chosen]
    table = Table(AUDIT_COLUMNS, rows, About(
        title="cdphub audit log", source="cdphub audit events",
        url=request.build_absolute_uri(reverse("accounts:audit-log")), filters=filters))
    return table_response(table, "csv", f"cdphub-audit-log-{stamp}")


AUDIT_COLUMNS = [Column("time", "Time", DATETIME), Column("event", "Event"),
                 Column("code", "Event code"), Column("actor_email", "Actor email"),
                 Column("actor_id", "Actor ID", COUNT), Column("ip_address", "IP address"),
                 Column("target", "Target"), Column("partnership_id", "Partnership ID", COUNT),
                 Column("detail", "Detail")]


# --- the outbox ------------------------------------------------------------------------------


def _outbox_in_use() -> bool:
    return settings.EMAIL_BACKEND == "cdphub.accounts.outbox.OutboxBackend"


@access("accounts.view_outbox")
def outbox(request):
    """E-mail the outbox backend kept instead of sending, newest first."""
    page = Paginator(OutboxMessage.objects.all(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/outbox.html", {
        "page": page, "outbox_in_use": _outbox_in_use()})


@access("accounts.view_outbox")
def outbox_message(request, pk: int):
    message = get_object_or_404(OutboxMessage, pk=pk)
    return render(request, "accounts/outbox_message.html", {
        "message": message, "outbox_in_use": _outbox_in_use()})

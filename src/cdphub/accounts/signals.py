"""Audit sign-in, sign-out and failed sign-in, whichever view they come through."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import record
from .models import AuditEvent


@receiver(user_logged_in)
def on_sign_in(sender, request, user, **kwargs):
    record(AuditEvent.Kind.SIGN_IN, request=request, actor=user)


@receiver(user_logged_out)
def on_sign_out(sender, request, user, **kwargs):
    if user is not None:
        record(AuditEvent.Kind.SIGN_OUT, request=request, actor=user)


@receiver(user_login_failed)
def on_sign_in_failed(sender, credentials, request=None, **kwargs):
    record(
        AuditEvent.Kind.SIGN_IN_FAILED, request=request,
        actor_email=str(credentials.get("username", "") or credentials.get("email", "")),
    )

"""An e-mail backend that keeps each message in the database (``OutboxMessage``) instead of
sending it, so that the demo and development show what cdphub sent (the Outbox page, for
central administrators) without a mail server. The development and demo settings use it
(``config/settings/base.py``); the tests use Django's locmem backend and production SMTP.

A message is stored in the caller's transaction: if the caller's transaction rolls back (a
reminder whose record could not be written), the stored message goes with it, as an e-mail
that failed to send would.
"""

from __future__ import annotations

from django.core.mail.backends.base import BaseEmailBackend

from .models import OutboxMessage


def _html_of(message) -> str:
    for content, mimetype in getattr(message, "alternatives", None) or []:
        if mimetype == "text/html":
            return str(content)
    return ""


def _addresses(values) -> str:
    return ", ".join(str(value) for value in values or [])


class OutboxBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        stored = 0
        for message in email_messages or []:
            if not message.recipients():
                continue
            try:
                OutboxMessage.objects.create(
                    from_email=str(message.from_email or ""), to=_addresses(message.to),
                    cc=_addresses(message.cc), bcc=_addresses(message.bcc),
                    subject=str(message.subject or ""), body=str(message.body or ""),
                    html_body=_html_of(message))
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            stored += 1
        return stored

"""``cdphub demo_totp``: the current two-factor code for the demo accounts' shared secret."""

import base64

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import totp

from cdphub.demo.build import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current 6-digit two-factor code for the demo accounts."

    def handle(self, *args, **options):
        if not settings.CDPHUB_DEMO_ENABLED:
            raise CommandError("Demo data is disabled in these settings.")
        code = totp(base64.b32decode(DEMO_TOTP_SECRET))
        self.stdout.write(f"{code:06d}")

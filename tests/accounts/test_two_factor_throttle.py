"""After wrong security codes, django-otp locks the device; the page says how long to wait
instead of calling a right code wrong."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import sign_in


def test_locked_device_asks_the_user_to_wait(client, world):
    device = TOTPDevice.objects.create(user=world.sro_a, name="app", confirmed=True)
    device.throttling_failure_count = 3  # 3 failures: locked for 4 seconds from the last
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    sign_in(client, world.sro_a, verified=False)
    right_code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
    response = client.post(reverse("accounts:two-factor"), {"token": f"{right_code:06d}"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "wrong code too many times" in text
    assert "Wait 4 seconds" in text or "Wait 5 seconds" in text
    assert not client.session.get("otp_device_id")

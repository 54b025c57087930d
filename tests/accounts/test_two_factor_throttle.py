"""After wrong security codes, django-otp locks the device; the page says how long to wait
instead of calling a right code wrong. The authenticator app and the backup codes are
throttled separately: a locked app never blocks a backup code (the page says they still
work), and wrong backup codes are throttled in their turn."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cdphub.accounts.models import AuditEvent
from tests.accounts.test_two_factor import code_for, wrong_code_for
from tests.conftest import sign_in

TWO_FACTOR = reverse("accounts:two-factor")
BACKUP_CODE = "bk7q2m9x"
OTHER_BACKUP_CODE = "zz4p8w3r"


def test_locked_device_asks_the_user_to_wait(client, world):
    device = TOTPDevice.objects.create(user=world.sro_a, name="app", confirmed=True)
    sign_in(client, world.sro_a, verified=False)
    # 6 failures: locked for 32 seconds from the last (2 ** (6 - 1)), long enough that a slow
    # machine does not change the words by more than a few seconds.
    device.throttling_failure_count = 6
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    right_code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
    response = client.post(reverse("accounts:two-factor"), {"token": f"{right_code:06d}"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "wrong code too many times" in text
    wait = re.search(r"Wait (\d+) seconds", text)
    assert wait and 20 <= int(wait.group(1)) <= 33, wait
    assert not client.session.get("otp_device_id")


@pytest.fixture
def app(world) -> TOTPDevice:
    return TOTPDevice.objects.create(user=world.sro_a, name="phone", confirmed=True)


@pytest.fixture
def backup(world) -> StaticDevice:
    static = StaticDevice.objects.create(user=world.sro_a, name="Backup codes")
    StaticToken.objects.create(device=static, token=BACKUP_CODE)
    StaticToken.objects.create(device=static, token=OTHER_BACKUP_CODE)
    return static


def lock_the_app(client, clock, app: TOTPDevice, wrong_codes: int = 3) -> None:
    """Enter wrong app codes through the page, each once the last lock has run out; the
    clock then stands at the last one, so the app stays locked."""
    for n in range(wrong_codes):
        if n:
            clock.advance(seconds=2 ** (n - 1) + 0.5)
        response = client.post(TWO_FACTOR, {"token": wrong_code_for(app)})
        assert "The security code is not right" in response.content.decode()
    app.refresh_from_db()
    assert app.throttling_failure_count == wrong_codes
    assert app.verify_is_allowed()[0] is False


def test_a_backup_code_works_while_the_app_is_locked(client, clock, world, app, backup):
    sign_in(client, world.sro_a, verified=False)
    lock_the_app(client, clock, app)
    locked = client.post(TWO_FACTOR, {"token": code_for(app)})
    assert "wrong code too many times" in locked.content.decode()

    response = client.post(TWO_FACTOR, {"token": BACKUP_CODE})

    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == backup.persistent_id
    assert list(backup.token_set.values_list("token", flat=True)) == [OTHER_BACKUP_CODE]
    verified = AuditEvent.objects.get(kind=AuditEvent.Kind.TWO_FACTOR_VERIFIED)
    assert verified.detail == {"device": "StaticDevice"}


def test_backup_codes_are_not_throttled_by_wrong_app_codes(client, clock, world, app, backup):
    sign_in(client, world.sro_a, verified=False)

    lock_the_app(client, clock, app)

    backup.refresh_from_db()
    assert backup.throttling_failure_count == 0


def test_a_wrong_backup_code_is_throttled_and_does_not_lock_the_app(client, clock, world,
                                                                     app, backup):
    sign_in(client, world.sro_a, verified=False)

    wrong = client.post(TWO_FACTOR, {"token": "aaaa2222"})

    assert "The security code is not right" in wrong.content.decode()
    backup.refresh_from_db()
    assert backup.throttling_failure_count == 1
    app.refresh_from_db()
    assert app.throttling_failure_count == 0
    # Straight away, even a right backup code waits (and is not used up)...
    refused = client.post(TWO_FACTOR, {"token": BACKUP_CODE})
    assert "wrong code too many times" in refused.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    assert backup.token_set.count() == 2
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.TWO_FACTOR_FAILED).count() == 1
    # ...while the app is not locked by it,
    assert client.post(TWO_FACTOR, {"token": code_for(app)}).status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == app.persistent_id


def test_a_right_backup_code_works_once_the_backup_lock_has_run_out(client, clock, world,
                                                                     app, backup):
    sign_in(client, world.sro_a, verified=False)
    client.post(TWO_FACTOR, {"token": "aaaa2222"})
    clock.advance(seconds=1.5)

    response = client.post(TWO_FACTOR, {"token": BACKUP_CODE.upper()})

    assert response.status_code == 302
    assert client.session[DEVICE_ID_SESSION_KEY] == backup.persistent_id
    backup.refresh_from_db()
    assert backup.throttling_failure_count == 0

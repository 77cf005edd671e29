"""Two-step sign-in for managers (TOTP with backup codes), end to end through the pages."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)


def at(**delta):
    return time_machine.travel(START + datetime.timedelta(**delta), tick=False)


def code_for(key: str) -> str:
    return f"{totp(bytes.fromhex(key)):06d}"


def turn_on(client, manager):
    """The manager scans the QR code and confirms the app's first code; the backup codes."""
    client.force_login(manager)
    page = client.get(reverse("two-factor"))
    assert page.status_code == 200
    key = client.session["two_factor_setup_key"]
    response = client.post(reverse("two-factor"), {"otp_token": code_for(key)})
    assert response.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{8})</li>", response.content.decode())
    client.logout()
    return key, codes


def log_in(client, user, **data):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    return response


def app_device(user):
    return TOTPDevice.objects.get(user=user).persistent_id


def test_a_manager_sets_up_two_step_sign_in_with_a_qr_code(client, manager):
    client.force_login(manager)
    page = client.get(reverse("two-factor")).content.decode()
    assert 'src="data:image/svg+xml' in page
    assert "scan deze QR-code" in page
    assert not TOTPDevice.objects.exists()  # nothing stored before a code confirms it


def test_a_wrong_first_code_turns_nothing_on_and_says_so(client, manager):
    client.force_login(manager)
    client.get(reverse("two-factor"))
    key = client.session["two_factor_setup_key"]
    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("two-factor"), {"otp_token": wrong})
    assert response.status_code == 200
    assert "Deze code klopt niet" in response.content.decode()
    assert not TOTPDevice.objects.exists()
    # The same key stays, so the app that scanned it still fits.
    assert client.session["two_factor_setup_key"] == key


def test_backup_codes_are_shown_once(client, manager):
    with at():
        key, codes = turn_on(client, manager)
    assert len(codes) == 10
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(codes)
    client.force_login(manager)
    page = client.get(reverse("two-factor")).content.decode()
    assert not any(code in page for code in codes)


def test_sign_in_asks_for_the_code_after_the_password(client, manager):
    with at():
        key, _codes = turn_on(client, manager)
    with at(minutes=5):
        response = log_in(client, manager)
        assert response.url == reverse("login-code")
        assert "_auth_user_id" not in client.session  # not signed in by the password alone
        assert client.get(reverse("preferences")).status_code == 302
        response = client.post(
            reverse("login-code"),
            {"otp_device": app_device(manager), "otp_token": code_for(key)},
        )
        assert response.status_code == 302
        assert client.get(reverse("preferences")).status_code == 200


def test_a_backup_code_signs_in_once(client, manager):
    with at():
        _key, codes = turn_on(client, manager)
    backup = StaticToken.objects.first().device.persistent_id
    with at(minutes=5):
        log_in(client, manager)
        response = client.post(reverse("login-code"), {"otp_device": backup, "otp_token": codes[0]})
        assert response.status_code == 302
        client.logout()
        log_in(client, manager)
        again = client.post(reverse("login-code"), {"otp_device": backup, "otp_token": codes[0]})
    assert again.status_code == 200
    assert "Deze code klopt niet" in again.content.decode()


def test_wrong_codes_are_throttled(client, manager):
    """After each wrong code the next try waits twice as long: 1 s, 2 s, 4 s …"""
    with at():
        key, _codes = turn_on(client, manager)
    device = app_device(manager)

    def try_code(code, **delta):
        with at(minutes=5, **delta):
            code = code_for(key) if code == "right" else code
            return client.post(reverse("login-code"), {"otp_device": device, "otp_token": code})

    with at(minutes=5):
        log_in(client, manager)
    try_code("000000")
    refused = try_code("right", seconds=0.5)
    assert refused.status_code == 200
    assert "1 foute code. Wacht even" in refused.content.decode()
    try_code("000000", seconds=1.5)
    refused = try_code("right", seconds=3)
    assert "2 foute codes op rij" in refused.content.decode()
    final = try_code("right", seconds=4)
    assert final.status_code == 302


def test_the_code_step_runs_out_after_five_minutes(client, manager):
    with at():
        key, _codes = turn_on(client, manager)
    with at(minutes=10):
        log_in(client, manager)
    with at(minutes=15, seconds=1):
        response = client.post(
            reverse("login-code"), {"otp_device": app_device(manager), "otp_token": code_for(key)}
        )
    assert response.url == reverse("login")
    assert "_auth_user_id" not in client.session


def test_turning_it_off_takes_a_code(client, manager):
    with at():
        key, _codes = turn_on(client, manager)
    client.force_login(manager)
    with at(minutes=1):
        wrong = client.post(
            reverse("two-factor-disable"), {"otp_device": app_device(manager), "otp_token": ""}
        )
        assert wrong.status_code == 200
        assert TOTPDevice.objects.exists()
        response = client.post(
            reverse("two-factor-disable"),
            {"otp_device": app_device(manager), "otp_token": code_for(key)},
        )
    assert response.url == reverse("two-factor")
    assert not TOTPDevice.objects.exists()
    assert not StaticToken.objects.exists()
    client.logout()
    assert log_in(client, manager).url != reverse("login-code")


@pytest.mark.parametrize("actor", ["coach", "learner"])
def test_two_step_sign_in_is_for_managers_only(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("two-factor")).status_code == 404


def test_the_admin_login_does_not_skip_the_code(client, manager):
    """The admin's own login has no code step; a staff account with two-step sign-in is
    sent to werkplek's login page instead of being let in by its password."""
    with at():
        turn_on(client, manager)
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    with at(minutes=5):
        response = client.post(
            reverse("admin:login"), {"username": manager.email, "password": PASSWORD}
        )
    assert response.status_code == 200
    assert "log eerst in op de inlogpagina van werkplek" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_turning_two_step_sign_in_on_and_off_is_logged_without_secrets(manager, caplog):
    """Who turned their second step on or off is on record (the account, never a key or
    a code), as a lockout is."""
    from django_otp.util import random_hex  # noqa: PLC0415

    from werkplek import services  # noqa: PLC0415

    key = random_hex()
    caplog.set_level("INFO", logger="werkplek.signin")
    with at():
        codes = services.two_factor_enable(actor=manager, key=key, token=code_for(key))
        services.two_factor_disable(
            actor=manager, verified_device=TOTPDevice.objects.get(user=manager)
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "werkplek.signin"]
    assert lines == [
        f"Two-step sign-in turned on: account={manager.pk}",
        f"Two-step sign-in turned off: account={manager.pk}",
    ]
    assert not any(key in line or any(code in line for code in codes) for line in lines)

"""Throttled sign-in: failed passwords lock an account and an address for a while, with the
reason on the login page, a log line, and the real settings (5 failures, 15 minutes)."""

import datetime
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
LOCKED = "Te veel mislukte pogingen om in te loggen"


def log_in(client, email, password, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def fail(client, email, times, **extra):
    for _ in range(times):
        response = log_in(client, email, "wrong-password", **extra)
    return response


def test_the_defaults_are_five_failures_and_fifteen_minutes():
    assert settings.SIGNIN_FAILURE_LIMIT == 5
    assert settings.SIGNIN_COOLOFF_MINUTES == 15


def test_the_fifth_wrong_password_locks_the_account_with_a_clear_message(client, caplog):
    user = UserFactory(email="nina@example.nl")
    with time_machine.travel(START, tick=False):
        fourth = fail(client, user.email, 4)
        assert fourth.status_code == 200
        assert LOCKED not in fourth.content.decode()
        with caplog.at_level(logging.WARNING, logger="werkplek.signin"):
            fifth = fail(client, user.email, 1)
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert LOCKED in page
    assert "15 minuten" in page
    assert 'value="nina@example.nl"' in page  # what was typed stays
    assert "wrong-password" not in page
    [line] = [r.getMessage() for r in caplog.records if r.name == "werkplek.signin"]
    assert "account=nina@example.nl" in line
    assert "address=127.0.0.1" in line
    assert "wrong-password" not in caplog.text
    # Axes keeps what was posted until the cool-off ends, with the password masked.
    assert AccessAttempt.objects.exists()
    assert not AccessAttempt.objects.filter(post_data__contains="wrong-password").exists()


def test_a_locked_account_stays_locked_for_the_right_password_until_the_time_is_up(client):
    user = UserFactory(email="nina@example.nl")
    with time_machine.travel(START, tick=False):
        fail(client, user.email, 5)
    with time_machine.travel(START + datetime.timedelta(minutes=14, seconds=59), tick=False):
        assert log_in(client, user.email, PASSWORD).status_code == 429
    with time_machine.travel(START + datetime.timedelta(minutes=15, seconds=1), tick=False):
        response = log_in(client, user.email, PASSWORD)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_capitals_do_not_give_an_account_a_fresh_count(client):
    user = UserFactory(email="nina@example.nl")
    for address in ["Nina@example.nl", "NINA@example.nl", "nina@EXAMPLE.nl", "nInA@example.nl"]:
        log_in(client, address, "wrong-password", REMOTE_ADDR=f"198.51.100.{len(address)}")
    response = fail(client, "NINA@EXAMPLE.NL", 1, REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert log_in(client, user.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 429


def test_one_address_trying_many_accounts_is_locked_out(client):
    for number in range(5):
        response = log_in(client, f"guess{number}@example.nl", "wrong-password")
    assert response.status_code == 429
    other = UserFactory(email="someone@example.nl")
    assert log_in(client, other.email, PASSWORD).status_code == 429
    # The same person from another address is not held back.
    assert log_in(client, other.email, PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_locked_account_is_locked_from_every_address(client):
    user = UserFactory(email="nina@example.nl")
    for number in range(5):
        log_in(client, user.email, "wrong-password", REMOTE_ADDR=f"198.51.100.{number}")
    assert log_in(client, user.email, PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 429


def test_behind_the_proxy_the_address_is_the_one_the_proxy_saw(client, settings):
    """With one proxy (HTTPS=true), X-Forwarded-For's last entry is the device; what the
    client wrote before it is ignored, so a forged header gives no fresh count."""
    settings.PROXY_COUNT = 1
    for number in range(5):
        log_in(
            client,
            f"guess{number}@example.nl",
            "wrong-password",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, 203.0.113.9",
        )
    other = UserFactory(email="someone@example.nl")
    locked = log_in(
        client, other.email, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    assert locked.status_code == 429
    # Another person behind the same proxy is not locked out with them.
    elsewhere = log_in(
        client, other.email, PASSWORD, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.10"
    )
    assert elsewhere.status_code == 302


def test_addresses_in_one_ipv6_network_share_one_count(client):
    """One IPv6 connection gets a whole /64 to pick addresses from: its failures count
    together, whichever address each came from; the next network is not held back."""
    for number in range(5):
        log_in(
            client,
            f"guess{number}@example.nl",
            "wrong-password",
            REMOTE_ADDR=f"2001:db8:1:2::{number + 1:x}",
        )
    other = UserFactory(email="someone@example.nl")
    rotated = log_in(client, other.email, PASSWORD, REMOTE_ADDR="2001:db8:1:2:ffff::9")
    assert rotated.status_code == 429
    elsewhere = log_in(client, other.email, PASSWORD, REMOTE_ADDR="2001:db8:1:3::1")
    assert elsewhere.status_code == 302


def test_the_lockout_page_speaks_english_to_an_english_browser(client):
    UserFactory(email="nina@example.nl")
    response = fail(client, "nina@example.nl", 5, HTTP_ACCEPT_LANGUAGE="en")
    assert "Too many failed attempts to log in" in response.content.decode()

"""Sessions end after eight idle hours and when the password changes elsewhere."""

import datetime

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)


def at(**delta):
    return time_machine.travel(START + datetime.timedelta(**delta), tick=False)


def log_in(client, user):
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def signed_in(client):
    response = client.get(reverse("preferences"))
    return response.status_code == 200


def test_a_session_ends_after_eight_idle_hours(client, learner):
    with at():
        log_in(client, learner)
    with at(hours=7, minutes=59):
        assert signed_in(client)
    # Activity renewed it: eight hours from the last request, not from the login.
    with at(hours=15, minutes=50):
        assert signed_in(client)
    with at(hours=23, minutes=51):
        assert not signed_in(client)


def test_a_session_is_not_written_on_every_request(client, learner):
    with at():
        log_in(client, learner)
    session = Session.objects.get()
    with at(minutes=4):
        assert signed_in(client)
    assert Session.objects.get().expire_date == session.expire_date
    with at(minutes=6):
        assert signed_in(client)
    renewed = Session.objects.get().expire_date
    assert renewed == START + datetime.timedelta(hours=8, minutes=6)


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(client, learner):
    phone = Client()
    log_in(phone, learner)
    log_in(client, learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "een-nieuw-lang-wachtwoord",
            "new_password2": "een-nieuw-lang-wachtwoord",
        },
    )
    assert response.status_code == 302
    assert signed_in(client)
    assert not signed_in(phone)

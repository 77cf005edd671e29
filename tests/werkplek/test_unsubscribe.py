"""One-click unsubscribe (RFC 8058): every mail a person may turn off carries a
List-Unsubscribe address; a mail client's POST to it turns that kind off for that person."""

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coaching import digest, reminders
from tests.factories import ReflectionFactory
from werkplek import notifications
from werkplek.models import NotificationOptOut, OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _a_working_morning():
    """Reminders and nudges wait for the recipient's allowed moment: these tests run on a
    Tuesday morning, whenever the suite runs."""
    with time_machine.travel(datetime.datetime(2026, 11, 3, 10, 0, tzinfo=datetime.UTC)):
        yield


def reminder_mail(learner, deliver_outbox):
    OutboxMessage.objects.create(
        recipient=learner,
        kind=reminders.REFLECTION_REMINDER,
        due_slot=timezone.localdate().isoformat(),  # a reminder goes out on its own day only
    )
    (message,) = deliver_outbox()
    return message.message()


def test_the_mail_clients_unsubscribe_button_turns_reminders_off(
    learner, enrolment, deliver_outbox, settings
):
    settings.SITE_URL = "https://werkplek.example"
    ReflectionFactory(enrolment=enrolment, due_on=timezone.localdate())
    headers = reminder_mail(learner, deliver_outbox)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    address = headers["List-Unsubscribe"].strip("<>")
    assert address.startswith("https://werkplek.example/meldingen/uitschrijven/")

    # What a mail client sends: a POST with that one field, without cookie or CSRF token.
    response = Client(enforce_csrf_checks=True).post(
        address.removeprefix("https://werkplek.example"),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "Je ontvangt deze e-mails niet meer: Herinneringen om een reflectie te schrijven." in (
        response.content.decode()
    )
    assert not notifications.wants(learner, reminders.REFLECTION_REMINDER)
    assert list(NotificationOptOut.objects.values_list("user", "kind")) == [
        (learner.pk, reminders.REFLECTION_REMINDER)
    ]


def test_opening_the_address_only_offers_the_button_and_names_no_one(client, learner):
    url = reverse(
        "notification-unsubscribe",
        args=[notifications.unsubscribe_token(learner, reminders.REFLECTION_REMINDER)],
    )
    page = client.get(url).content.decode()
    assert "Deze e-mails stoppen: Herinneringen om een reflectie te schrijven?" in page
    assert learner.email not in page and learner.name not in page
    assert notifications.wants(learner, reminders.REFLECTION_REMINDER)
    assert client.put(url).status_code == 405


def test_an_altered_token_or_a_kind_the_person_cannot_turn_off_is_a_404(client, learner):
    token = notifications.unsubscribe_token(learner, reminders.REFLECTION_REMINDER)
    for bad in (
        token[:-2] + "xx",
        notifications.unsubscribe_token(learner, digest.DIGEST),  # a manager's kind
        notifications.unsubscribe_token(learner, "password_reset"),  # not optional at all
    ):
        response = client.post(reverse("notification-unsubscribe", args=[bad]))
        assert response.status_code == 404
        assert "Deze link is verlopen" in response.content.decode()
    assert not NotificationOptOut.objects.exists()


def test_a_post_without_the_one_click_field_turns_nothing_off(client, learner):
    """RFC 8058: only a POST of List-Unsubscribe=One-Click unsubscribes; a form posted empty
    (a scanner, a stray request) gets 400 and the mails keep coming."""
    token = notifications.unsubscribe_token(learner, reminders.REFLECTION_REMINDER)
    response = client.post(reverse("notification-unsubscribe", args=[token]), {})
    assert response.status_code == 400
    assert notifications.wants(learner, reminders.REFLECTION_REMINDER)

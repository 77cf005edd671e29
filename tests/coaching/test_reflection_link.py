"""A reminder's link opens one reflection's form without a password: only that form, for
72 hours, until the reflection is handed in; it signs nobody in and reaches nothing else."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from coaching import reminders
from coaching.models import Reflection
from tests.factories import ReflectionFactory
from werkplek import notifications

pytestmark = pytest.mark.django_db

EXPIRED = "Deze link is verlopen"  # the default language: the link names nobody


@pytest.fixture
def reflection(enrolment):
    return ReflectionFactory(enrolment=enrolment, due_on=timezone.localdate())


def link(reflection) -> str:
    return reverse("coaching:reflection-link", args=[reminders.reflection_link_token(reflection)])


def answer(text="Ik scande rustiger.") -> dict:
    return {"answer_0": text}


def test_the_link_opens_the_reflection_form_without_logging_in(client, reflection):
    response = client.get(link(reflection))

    assert response.status_code == 200
    assert "Reflectie schrijven" in response.text  # the learner's language
    assert "_auth_user_id" not in client.session
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_handing_in_through_the_link_answers_that_reflection_and_signs_nobody_in(
    client, reflection, enrolment
):
    response = client.post(link(reflection), answer())

    assert response.status_code == 200
    assert "Reflectie opgeslagen" in response.text
    reflection.refresh_from_db()
    assert reflection.is_done
    assert reflection.answers[0]["answer"] == "Ik scande rustiger."
    assert "_auth_user_id" not in client.session
    progress = reverse("coaching:progress", args=[enrolment.pk])
    assert client.get(progress)["Location"].startswith(reverse("login"))


def test_the_link_answers_its_own_reflection_not_the_oldest_open_one(client, enrolment):
    older = ReflectionFactory(
        enrolment=enrolment, due_on=timezone.localdate() - datetime.timedelta(days=5)
    )
    newer = ReflectionFactory(enrolment=enrolment, due_on=timezone.localdate())

    client.post(link(newer), answer())

    assert Reflection.objects.get(pk=newer.pk).is_done
    assert not Reflection.objects.get(pk=older.pk).is_done


def test_a_used_link_cannot_be_used_again(client, reflection):
    url = link(reflection)
    client.post(url, answer("Eerste keer."))

    again = client.post(url, answer("Tweede keer."))

    assert again.status_code == 404
    assert EXPIRED in again.text
    assert client.get(url).status_code == 404
    reflection.refresh_from_db()
    assert reflection.answers[0]["answer"] == "Eerste keer."


def test_the_link_expires_after_72_hours(client, reflection):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        url = link(reflection)
        traveller.shift(datetime.timedelta(hours=71, minutes=59))
        assert client.get(url).status_code == 200
        traveller.shift(datetime.timedelta(minutes=2))
        response = client.post(url, answer())

    assert response.status_code == 404
    assert EXPIRED in response.text
    reflection.refresh_from_db()
    assert not reflection.is_done


def test_an_altered_link_opens_nothing(client, reflection, other_enrolment):
    token = reminders.reflection_link_token(reflection)
    other = ReflectionFactory(enrolment=other_enrolment, due_on=timezone.localdate())
    # Another reflection's number with this token's signature, and a changed character.
    forged = reminders.reflection_link_token(other).split(":")[0] + ":" + token.split(":", 1)[1]
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")

    for bad in (forged, changed, "geen-geldige-code"):
        response = client.post(reverse("coaching:reflection-link", args=[bad]), answer())
        assert response.status_code == 404
    assert not Reflection.objects.filter(submitted_at__isnull=False).exists()


def test_the_expired_page_speaks_the_visitors_language(client, reflection):
    response = client.get(
        reverse("coaching:reflection-link", args=["kapot"]), HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 404
    assert "This link has expired" in response.text


def test_the_link_reaches_no_other_page(client, reflection):
    token = reminders.reflection_link_token(reflection)
    # Not the notification settings: another purpose, another signature.
    assert client.get(reverse("notification-settings-link", args=[token])).status_code == 404


def test_the_link_of_an_ended_enrolment_opens_nothing(client, reflection, enrolment, manager):
    from programs.services import enrolment_end

    url = link(reflection)
    enrolment_end(
        actor=manager, enrolment=enrolment, reason="stopped", ended_on=timezone.localdate()
    )

    assert client.get(url).status_code == 404


def test_the_page_speaks_the_learners_language_whoever_opens_it(client, reflection, learner):
    learner.language = "en"
    learner.save()

    response = client.get(link(reflection), HTTP_ACCEPT_LANGUAGE="nl")

    assert "Write a reflection" in response.text


# --- The notification settings link ----------------------------------------------------------


def test_the_settings_link_turns_reminders_off_without_a_password(client, learner):
    url = reverse("notification-settings-link", args=[notifications.preferences_token(learner)])

    page = client.get(url)
    response = client.post(url, {})  # every switch off

    assert page.status_code == 200
    assert learner.email in page.text
    assert response.status_code == 302
    assert not notifications.wants(learner, reminders.REFLECTION_REMINDER)
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("preferences"))["Location"].startswith(reverse("login"))

    client.post(url, {f"notify-{reminders.REFLECTION_REMINDER}": "on"})
    assert notifications.wants(learner, reminders.REFLECTION_REMINDER)


def test_the_settings_link_expires_and_cannot_be_altered(client, learner, reflection):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token = notifications.preferences_token(learner)
        traveller.shift(datetime.timedelta(days=31))
        expired = client.get(reverse("notification-settings-link", args=[token]))
    altered = client.get(reverse("notification-settings-link", args=[token[:-2] + "xx"]))
    # A settings token does not open a reflection either.
    reflection_page = client.get(reverse("coaching:reflection-link", args=[token]))

    assert expired.status_code == altered.status_code == reflection_page.status_code == 404
    assert EXPIRED in expired.text

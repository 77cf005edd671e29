"""Background jobs run on a real worker: Redis when REDIS_URL is set, else the filesystem."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.urls import reverse

from werkplek.celery import app


@pytest.fixture
def celery_worker():
    # Tasks left in the broker by earlier tests (browser journeys enqueue real e-mails)
    # are not this test's business.
    app.control.purge()
    with start_worker(app, perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10):
        yield


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_broker_is_redis_when_redis_url_is_set():
    expected = "redis" if settings.REDIS_URL else "filesystem"
    assert app.connection_for_write().transport_cls == expected


@pytest.mark.django_db(transaction=True)
def test_password_reset_mail_is_delivered_by_a_real_worker(client, learner, celery_worker):
    response = client.post(reverse("password_reset"), {"email": learner.email.upper()})
    assert response.status_code == 302

    assert wait_for(lambda: mail.outbox), "the worker did not deliver the e-mail"
    [message] = mail.outbox
    assert message.to == [learner.email]
    assert message.subject == "Kies een nieuw wachtwoord voor werkplek"
    assert "/account/reset/" in message.body
    assert message.alternatives[0][1] == "text/html"


@pytest.mark.django_db(transaction=True)
def test_password_reset_for_an_unknown_address_sends_nothing(client, celery_worker):
    response = client.post(reverse("password_reset"), {"email": "niemand@example.nl"})
    assert response.status_code == 302
    assert not wait_for(lambda: mail.outbox, seconds=2)


def test_every_job_beat_schedules_is_a_task_a_worker_knows():
    """A beat entry whose task is not registered is sent every night and dropped by the
    worker ("unregistered task") without anyone noticing."""
    app.loader.import_default_modules()
    unknown = [
        name for name, entry in app.conf.beat_schedule.items() if entry["task"] not in app.tasks
    ]
    assert unknown == []

"""The one-time tokens of create forms are forgotten after a week (the table stays small)."""

import datetime
import uuid

import pytest
from django.utils import timezone

from werkplek import services
from werkplek.celery import app
from werkplek.models import FormSubmission

pytestmark = pytest.mark.django_db


def test_tokens_older_than_a_week_are_pruned_and_newer_ones_kept(learner):
    now = timezone.now()
    for age in (datetime.timedelta(days=8), datetime.timedelta(days=6)):
        FormSubmission.objects.create(
            user=learner, token=uuid.uuid4(), result_url="/", created_at=now - age
        )
    assert services.form_submissions_prune(now=now) == 1
    kept = FormSubmission.objects.get()
    assert now - kept.created_at == datetime.timedelta(days=6)


def test_the_pruning_runs_every_night():
    schedule = app.conf.beat_schedule["form-submissions-prune"]
    assert schedule["task"] == "werkplek.tasks.form_submissions_prune"
    assert schedule["schedule"].hour == {3}

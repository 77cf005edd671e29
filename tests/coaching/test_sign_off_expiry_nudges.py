"""The coach's nudge when a learner's sign-off starts expiring: once per expiry, two weeks
before the day, through the outbox (waiting for the coach's allowed moment), cancelled when
the task is signed off again first; the daily job works in batches."""

import datetime

import pytest
import time_machine
from django.utils import timezone

from coaching import mails, services
from coaching.models import SignOff
from tests.factories import ChecklistItemFactory, FeedbackMomentFactory, LearningGoalFactory
from werkplek.celery import app
from werkplek.models import Leave, OutboxMessage

pytestmark = pytest.mark.django_db

SIGNED = datetime.date(2025, 11, 2)  # a Sunday; the task is observed again after 365 days
EXPIRES = datetime.date(2026, 11, 2)  # a Monday
FIRST_NUDGE_DAY = EXPIRES - datetime.timedelta(days=14)


def at_nine(day):
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def forklift(program):
    goal = LearningGoalFactory(program=program, title="Veilig heftruck rijden")
    return ChecklistItemFactory(goal=goal, title="Heftruckcheck", reobserve_after_days=365)


@pytest.fixture
def started(enrolment):
    enrolment.started_on = datetime.date(2025, 10, 1)
    enrolment.save()
    enrolment.pairings.update(started_on=datetime.date(2025, 10, 1))
    return enrolment


def sign(enrolment, item, on):
    coach = enrolment.pairings.first().coach
    moment = FeedbackMomentFactory(enrolment=enrolment, coach=coach, occurred_on=on)
    return SignOff.objects.create(
        enrolment=enrolment,
        checklist_item=item,
        signed_by=coach,
        signed_on=on,
        feedback_moment=moment,
    )


def run_daily(first, last):
    written = {}
    day = first
    while day <= last:
        with time_machine.travel(at_nine(day), tick=False):
            written[day] = services.coach_nudges_expiring_sign_offs(on=timezone.localdate())
        day += datetime.timedelta(days=1)
    return written


def nudges():
    return OutboxMessage.objects.filter(kind=mails.SIGN_OFF_EXPIRING)


def test_the_coach_is_nudged_once_when_the_sign_off_starts_expiring(started, coach, forklift):
    sign(started, forklift, SIGNED)

    written = run_daily(
        FIRST_NUDGE_DAY - datetime.timedelta(days=5), EXPIRES + datetime.timedelta(days=10)
    )

    assert [day for day, count in written.items() if count] == [FIRST_NUDGE_DAY]
    nudge = nudges().get()
    assert nudge.recipient == coach
    assert nudge.context["expires_on"] == EXPIRES.isoformat()


def test_a_task_signed_off_again_before_it_expires_nudges_no_one(started, forklift):
    sign(started, forklift, SIGNED)
    sign(started, forklift, FIRST_NUDGE_DAY - datetime.timedelta(days=1))

    run_daily(FIRST_NUDGE_DAY, EXPIRES)

    assert not nudges().exists()


def test_a_task_that_stays_current_is_never_nudged_about(started, program):
    scanning = ChecklistItemFactory(goal=LearningGoalFactory(program=program))
    sign(started, scanning, SIGNED)

    run_daily(EXPIRES, EXPIRES)

    assert not nudges().exists()


def test_an_expiry_long_past_is_not_mailed_as_a_backlog(started, forklift):
    sign(started, forklift, SIGNED)

    run_daily(EXPIRES + services.EXPIRY_NUDGE_GRACE, EXPIRES + services.EXPIRY_NUDGE_GRACE)

    assert not nudges().exists()


def test_the_mail_names_the_task_the_learner_and_the_day(
    started, coach, learner, forklift, deliver_outbox
):
    sign(started, forklift, SIGNED)
    with time_machine.travel(at_nine(FIRST_NUDGE_DAY), tick=False):
        services.coach_nudges_expiring_sign_offs(on=FIRST_NUDGE_DAY)
        sent = deliver_outbox()

    assert len(sent) == 1
    assert sent[0].to == [coach.email]
    assert "Heftruckcheck" in sent[0].subject and learner.name in sent[0].subject
    assert "2 november 2026" in sent[0].body  # the coach reads Dutch
    assert "/feedback/" in sent[0].body  # a running enrolment: record feedback


def test_the_mail_is_cancelled_when_the_task_was_signed_off_again_first(
    started, forklift, deliver_outbox
):
    sign(started, forklift, SIGNED)
    with time_machine.travel(at_nine(FIRST_NUDGE_DAY), tick=False):
        services.coach_nudges_expiring_sign_offs(on=FIRST_NUDGE_DAY)
        sign(started, forklift, FIRST_NUDGE_DAY)
        sent = deliver_outbox()

    assert sent == []
    assert nudges().get().status == OutboxMessage.Status.CANCELLED


def test_a_coach_on_leave_gets_the_nudge_when_back(started, coach, forklift, deliver_outbox):
    sign(started, forklift, SIGNED)
    back = FIRST_NUDGE_DAY + datetime.timedelta(days=3)
    Leave.objects.create(
        user=coach, starts_on=FIRST_NUDGE_DAY, ends_on=back - datetime.timedelta(days=1)
    )
    with time_machine.travel(at_nine(FIRST_NUDGE_DAY), tick=False):
        services.coach_nudges_expiring_sign_offs(on=FIRST_NUDGE_DAY)
        assert deliver_outbox() == []

    nudge = nudges().get()
    assert nudge.status == OutboxMessage.Status.QUEUED
    assert timezone.localdate(nudge.next_attempt_at) == back


def test_the_job_works_through_every_batch(monkeypatch, program, coach, forklift, cohort):
    from tests.coaching.test_skills_matrix import person

    monkeypatch.setattr(services, "NUDGE_BATCH", 2)
    for number in range(5):
        enrolment = person(cohort, f"Lerende {number}", coach=coach)
        enrolment.started_on = datetime.date(2025, 10, 1)
        enrolment.save()
        enrolment.pairings.update(started_on=datetime.date(2025, 10, 1))
        sign(enrolment, forklift, SIGNED)

    assert run_daily(FIRST_NUDGE_DAY, FIRST_NUDGE_DAY + datetime.timedelta(days=1)) == {
        FIRST_NUDGE_DAY: 5,
        FIRST_NUDGE_DAY + datetime.timedelta(days=1): 0,
    }


def test_the_daily_job_is_on_the_beat_schedule():
    entry = app.conf.beat_schedule["coaching-nudge-expiring-sign-offs"]
    assert entry["task"] == "coaching.tasks.nudge_expiring_sign_offs"

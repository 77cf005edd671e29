"""The coach's nudges: once when a learner's feedback becomes overdue (not every day after),
again only after new feedback and a new gap; and when a learner asks for help in a
reflection. Both by mail and in the app."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coaching import attention, mails, services
from tests.factories import CohortFactory, EnrolmentFactory, PairingFactory, ProgramFactory
from werkplek import notifications
from werkplek import services as services_settings
from werkplek.models import OutboxMessage

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # a Monday


def at_nine(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_current_timezone())


def feedback(enrolment, coach, on):
    return services.feedback_moment_create(
        enrolment=enrolment,
        coach=coach,
        occurred_on=on,
        shift="morning",
        went_well="Rustig gewerkt.",
        today=on,
    )


def run_daily(first: datetime.date, last: datetime.date) -> dict[datetime.date, int]:
    """Run the beat job on every day from `first` to `last`, with the clock on that day."""
    written = {}
    day = first
    while day <= last:
        with time_machine.travel(at_nine(day), tick=False):
            written[day] = services.coach_nudges_overdue_feedback(on=timezone.localdate())
        day += datetime.timedelta(days=1)
    return written


@pytest.fixture
def started(cohort, learner, coach):
    cohort.starts_on = START
    cohort.save()
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner, started_on=START)
    PairingFactory(enrolment=enrolment, coach=coach, started_on=START)
    return enrolment


def nudges():
    return OutboxMessage.objects.filter(kind=mails.FEEDBACK_OVERDUE)


def test_a_coach_is_nudged_once_when_feedback_becomes_overdue_not_every_day_after(
    started, coach, deliver_outbox
):
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)

    written = run_daily(START, START + datetime.timedelta(days=20))

    nudge_days = [day for day, count in written.items() if count]
    assert len(nudge_days) == 1
    first_overdue = nudge_days[0]
    # The day of the nudge is the first day the attention list calls the feedback overdue.
    before = first_overdue - datetime.timedelta(days=1)
    assert not attention.enrolment_statuses([started], on=before)[started.pk].is_overdue
    assert attention.enrolment_statuses([started], on=first_overdue)[started.pk].is_overdue
    assert nudges().count() == 1
    assert nudges().get().recipient == coach

    with time_machine.travel(at_nine(first_overdue), tick=False):
        sent = deliver_outbox()
    assert len(sent) == 1
    assert sent[0].to == [coach.email]
    assert started.learner.name in sent[0].subject
    assert reverse("coaching:feedback-create", args=[started.pk]) in sent[0].body


def test_new_feedback_starts_a_new_episode_that_nudges_once_more(started, coach):
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)
    run_daily(START, START + datetime.timedelta(days=14))
    assert nudges().count() == 1

    again = START + datetime.timedelta(days=15)
    with time_machine.travel(at_nine(again), tick=False):
        feedback(started, coach, again)
    run_daily(again, again + datetime.timedelta(days=20))

    assert nudges().count() == 2
    assert sorted(nudges().values_list("due_slot", flat=True)) == [
        f"{started.pk}:{START.isoformat()}",
        f"{started.pk}:{again.isoformat()}",
    ]


def test_a_nudge_whose_feedback_came_in_before_delivery_is_cancelled(
    started, coach, deliver_outbox
):
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)
    run_daily(START, START + datetime.timedelta(days=10))
    later = START + datetime.timedelta(days=11)
    with time_machine.travel(at_nine(later), tick=False):
        feedback(started, coach, later)
        assert deliver_outbox() == []
    assert nudges().get().status == OutboxMessage.Status.CANCELLED


def test_a_learner_without_a_coach_nudges_nobody(cohort, learner):
    EnrolmentFactory(cohort=cohort, learner=learner, started_on=START)
    run_daily(START, START + datetime.timedelta(days=14))
    assert not nudges().exists()


@pytest.mark.parametrize("size", [3, 30])
def test_the_daily_job_reads_in_a_fixed_number_of_queries(
    organization, manager, coach, django_assert_num_queries, size
):
    program = ProgramFactory(organization=organization, owner=manager)
    cohort = CohortFactory(program=program, starts_on=START)
    for _n in range(size):
        enrolment = EnrolmentFactory(cohort=cohort, started_on=START)
        PairingFactory(enrolment=enrolment, coach=coach, started_on=START)
    first = START + datetime.timedelta(days=14)
    assert services.coach_nudges_overdue_feedback(on=first) == size

    # The days after: the same episodes, nothing written. The running enrolments' ids, then
    # per batch the enrolments, the nine status queries and the nudges written already.
    with django_assert_num_queries(12):
        assert services.coach_nudges_overdue_feedback(on=first + datetime.timedelta(1)) == 0


# --- Asking for help in a reflection ------------------------------------------------------


def test_a_learner_who_asks_for_help_in_a_reflection_nudges_their_coach(
    client, learner, coach, enrolment, deliver_outbox
):
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "De foutmelding van de scanner"})

    message = OutboxMessage.objects.get(kind=mails.HELP_ASKED)
    assert message.recipient == coach
    sent = deliver_outbox()
    assert len(sent) == 1
    assert sent[0].to == [coach.email]
    assert learner.name in sent[0].subject
    assert "De foutmelding van de scanner" in sent[0].body
    assert "De foutmelding van de scanner" in sent[0].alternatives[0][0]

    client.force_login(coach)
    page = client.get(reverse("notifications")).content.decode()
    assert f"{learner.name} vraagt om hulp in een reflectie" in page


def test_a_reflection_without_a_help_answer_nudges_nobody(client, learner, enrolment):
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "  "})
    assert enrolment.reflections.done().count() == 1
    assert not OutboxMessage.objects.filter(kind=mails.HELP_ASKED).exists()


def test_a_reflection_recorded_after_the_fact_nudges_nobody(learner, coach, enrolment):
    services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Waar heb je hulp bij nodig?", "answer": "Pallets stapelen"}],
        now=timezone.now() - datetime.timedelta(days=3),
    )
    assert notifications.unread_count(coach) == 0


def test_the_help_question_is_recognised_in_english_too(learner, coach, enrolment):
    services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "What do you need help with?", "answer": "Pallets stapelen"}],
    )
    assert notifications.unread_count(coach) == 1


# --- Turning nudges off -------------------------------------------------------------------


def test_the_nudge_mail_says_how_to_receive_fewer(
    client, learner, coach, enrolment, deliver_outbox
):
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "De scanner"})
    sent = deliver_outbox()
    assert "Minder e-mail? Kies welke meldingen je krijgt." in sent[0].body
    assert "/meldingen/" in sent[0].body


def test_a_coach_who_turned_help_nudges_off_on_the_preferences_page_gets_none(
    client, learner, coach, enrolment, deliver_outbox
):
    client.force_login(coach)
    page = client.get(reverse("preferences")).content.decode()
    assert "Seintjes als een lerende om hulp vraagt" in page
    assert "Seintjes als de feedback van een lerende te laat is" in page
    # Every switch on but the help nudge's.
    client.post(
        reverse("preferences"),
        {
            "name": coach.name,
            "language": "nl",
            "time_zone": "Europe/Amsterdam",
            **{
                f"notify-{kind}": "on"
                for kind in notifications.optional_kinds(coach)
                if kind != mails.HELP_ASKED
            },
        },
    )
    assert not notifications.wants(coach, mails.HELP_ASKED)
    assert notifications.wants(coach, mails.FEEDBACK_OVERDUE)

    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "De scanner"})

    assert deliver_outbox() == []
    assert OutboxMessage.objects.get(kind=mails.HELP_ASKED).status == (
        OutboxMessage.Status.CANCELLED
    )
    assert notifications.unread_count(coach) == 0


def test_a_coach_who_turned_overdue_nudges_off_gets_no_mail(started, coach, deliver_outbox):
    services_settings.notification_settings_set(
        actor=coach, user=coach, enabled={mails.FEEDBACK_OVERDUE: False}
    )
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)
    written = run_daily(START, START + datetime.timedelta(days=20))
    first_overdue = next(day for day, count in written.items() if count)
    with time_machine.travel(at_nine(first_overdue), tick=False):
        assert deliver_outbox() == []
    assert nudges().get().status == OutboxMessage.Status.CANCELLED

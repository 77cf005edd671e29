"""The coach's nudges: once when a learner's feedback becomes overdue (not every day after),
again only after new feedback and a new gap; and when a learner asks for help in a
reflection. Both by mail and in the app."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coaching import attention, mails, services
from tests.factories import CohortFactory, EnrolmentFactory, PairingFactory, ProgramFactory
from werkplek import notifications
from werkplek import services as services_settings
from werkplek.models import Leave, OutboxMessage

pytestmark = pytest.mark.django_db

START = datetime.date(2026, 11, 2)  # a Monday


def at_nine(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(9), tzinfo=timezone.get_current_timezone())


@pytest.fixture(autouse=True)
def _a_working_morning():
    """Nudges wait for their coach's allowed moment: tests that do not set the clock
    themselves run on a Tuesday morning, whenever the suite runs."""
    with time_machine.travel(datetime.datetime(2026, 11, 3, 10, 0, tzinfo=datetime.UTC)):
        yield


def feedback(enrolment, coach, on):
    return services.feedback_moment_create(
        enrolment=enrolment,
        actor=coach,
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
    client.post(
        url,
        {
            "answer_0": "Rustig gescand.",
            "answer_2": "De foutmelding van de scanner",
            "asks_coach": "on",
        },
    )

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


def test_the_form_asks_the_learner_and_an_answer_without_the_tick_nudges_nobody(
    client, learner, enrolment
):
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    assert "Ik heb een vraag voor mijn coach" in client.get(url).content.decode()
    # Answering the help question with "nothing" is no question.
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "Niets, het ging goed."})
    assert enrolment.reflections.done().count() == 1
    assert not enrolment.reflections.get().asks_coach
    assert not OutboxMessage.objects.filter(kind=mails.HELP_ASKED).exists()


def test_a_reflection_recorded_after_the_fact_nudges_nobody(learner, coach, enrolment):
    services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Waar heb je hulp bij nodig?", "answer": "Pallets stapelen"}],
        asks_coach=True,
        now=timezone.now() - datetime.timedelta(days=3),
    )
    assert notifications.unread_count(coach) == 0


def test_a_program_with_its_own_questions_lets_the_learner_ask_too(
    learner, coach, enrolment, deliver_outbox
):
    services.reflection_submit(
        enrolment=enrolment,
        actor=enrolment.learner,
        answers=[{"question": "Hoe liep de inventaris?", "answer": "Traag, hoe kan dat sneller?"}],
        asks_coach=True,
    )
    sent = deliver_outbox()
    assert "Traag, hoe kan dat sneller?" in sent[0].body
    assert notifications.unread_count(coach) == 1


# --- Turning nudges off -------------------------------------------------------------------


def test_the_nudge_mail_says_how_to_receive_fewer(
    client, learner, coach, enrolment, deliver_outbox
):
    client.force_login(learner)
    url = reverse("coaching:reflection-create", args=[enrolment.pk])
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "De scanner", "asks_coach": "on"})
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
    client.post(url, {"answer_0": "Rustig gescand.", "answer_2": "De scanner", "asks_coach": "on"})

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


# --- The coach's own time: time zone, quiet hours, leave ------------------------------------

NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def overdue_on(started, coach) -> datetime.date:
    """Record feedback on START, run the daily job (08:00 Amsterdam, as beat does) and
    answer the day it wrote the nudge."""
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)
    written = {}
    day = START
    while day <= START + datetime.timedelta(days=20):
        eight = datetime.datetime.combine(day, datetime.time(8), tzinfo=AMSTERDAM)
        with time_machine.travel(eight, tick=False):
            written[day] = services.coach_nudges_overdue_feedback(on=timezone.localdate())
        day += datetime.timedelta(days=1)
    return next(day for day, count in written.items() if count)


def mails_sent_between(start, end, deliver_outbox) -> list[datetime.datetime]:
    """Run the worker every 15 minutes from `start` to `end`: when each mail went out."""
    sent_at = []
    moment = start
    with time_machine.travel(start, tick=False) as traveller:
        while moment < end:
            traveller.move_to(moment, tick=False)
            before = len(mail.outbox)
            deliver_outbox()
            sent_at += [moment] * (len(mail.outbox) - before)
            moment += datetime.timedelta(minutes=15)
    return sent_at


def test_a_coach_in_new_york_gets_the_nudge_at_seven_in_new_york_not_at_two_at_night(
    started, coach, deliver_outbox
):
    coach.time_zone = "America/New_York"
    coach.save()
    day = overdue_on(started, coach)
    written_at = datetime.datetime.combine(day, datetime.time(8), tzinfo=AMSTERDAM)

    sent = mails_sent_between(written_at, written_at + datetime.timedelta(days=2), deliver_outbox)

    # 08:00 in Amsterdam is 02:00 in New York: the organisation's quiet hours end at 07:00.
    assert [m.astimezone(NEW_YORK).strftime("%a %H:%M") for m in sent] == [
        written_at.astimezone(NEW_YORK).strftime("%a") + " 07:00"
    ]
    assert mail.outbox[0].to == [coach.email]


def test_a_coach_on_leave_gets_the_nudge_once_on_the_first_working_morning_back(
    started, coach, deliver_outbox
):
    with time_machine.travel(at_nine(START), tick=False):
        feedback(started, coach, START)
    # Away for the whole stretch in which the feedback becomes overdue, and the days after.
    back = START + datetime.timedelta(days=23)  # a Wednesday
    Leave.objects.create(
        user=coach,
        starts_on=START + datetime.timedelta(days=5),
        ends_on=back - datetime.timedelta(1),
    )
    day = overdue_on(started, coach)
    written_at = datetime.datetime.combine(day, datetime.time(8), tzinfo=AMSTERDAM)

    sent = mails_sent_between(written_at, written_at + datetime.timedelta(days=20), deliver_outbox)

    assert [m.astimezone(AMSTERDAM) for m in sent] == [
        datetime.datetime.combine(back, datetime.time(7), tzinfo=AMSTERDAM)
    ]
    assert nudges().count() == 1


def test_leave_entered_after_the_nudge_was_written_still_holds_it_back(
    started, coach, deliver_outbox
):
    coach.quiet_hours_start, coach.quiet_hours_end = datetime.time(18), datetime.time(10)
    coach.save()
    day = overdue_on(started, coach)
    # The nudge waits for 10:00; at 09:00 the coach reports sick for today.
    Leave.objects.create(user=coach, starts_on=day, ends_on=day)
    written_at = datetime.datetime.combine(day, datetime.time(9), tzinfo=AMSTERDAM)

    sent = mails_sent_between(written_at, written_at + datetime.timedelta(days=3), deliver_outbox)

    next_day = day + datetime.timedelta(days=1)
    assert [m.astimezone(AMSTERDAM) for m in sent] == [
        datetime.datetime.combine(next_day, datetime.time(10), tzinfo=AMSTERDAM)
    ]
    assert nudges().get().attempts == 1


def test_personal_quiet_hours_hold_the_nudge_until_they_end(started, coach, deliver_outbox):
    coach.quiet_hours_start, coach.quiet_hours_end = datetime.time(17), datetime.time(11, 30)
    coach.save()
    day = overdue_on(started, coach)
    written_at = datetime.datetime.combine(day, datetime.time(8), tzinfo=AMSTERDAM)

    sent = mails_sent_between(written_at, written_at + datetime.timedelta(days=1), deliver_outbox)

    assert [m.astimezone(AMSTERDAM).time() for m in sent] == [datetime.time(11, 30)]
    # Nothing in the bell before the mail.
    assert nudges().get().sent_at == sent[0]


def test_the_help_nudge_waits_for_the_coachs_morning(learner, coach, enrolment, deliver_outbox):
    evening = datetime.datetime(2026, 11, 3, 21, 0, tzinfo=AMSTERDAM)  # a Tuesday
    with time_machine.travel(evening, tick=False):
        services.reflection_submit(
            actor=enrolment.learner,
            enrolment=enrolment,
            answers=[{"question": "Waar heb je hulp bij nodig?", "answer": "Pallets stapelen"}],
            asks_coach=True,
        )
        assert notifications.unread_count(coach) == 0

    sent = mails_sent_between(evening, evening + datetime.timedelta(days=1), deliver_outbox)

    assert [m.astimezone(AMSTERDAM).strftime("%a %H:%M") for m in sent] == ["Wed 07:00"]

"""Reflection reminders: one mail per learner per local day, at the program's time in the
learner's own time zone, never in quiet hours, on non-working days or on leave.

The beat is simulated: `run_beat` travels (time-machine, tick=False) in 15-minute steps, as
beat runs the job, and the tests read which outbox rows were written when."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import translation

from coaching import reminders, services
from coaching.models import Reflection
from programs.choices import ReminderRhythm
from tests.factories import (
    CohortFactory,
    EnrolmentFactory,
    FeedbackMomentFactory,
    MembershipFactory,
    PairingFactory,
    ProgramFactory,
    ReflectionFactory,
)
from werkplek import notifications, outbox
from werkplek.models import Leave, NotificationOptOut, OutboxMessage

pytestmark = pytest.mark.django_db

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.UTC
STEP = datetime.timedelta(minutes=15)
EVERY_DAY = [1, 2, 3, 4, 5, 6, 7]


def run_beat(start: datetime.datetime, end: datetime.datetime, step=STEP) -> None:
    """Run the schedule every 15 minutes (or `step`) from `start` up to, not including, `end`,
    each run followed by a worker delivering what is due."""
    with time_machine.travel(start, tick=False) as traveller:
        moment = start
        while moment < end:
            traveller.move_to(moment, tick=False)
            reminders.reflection_reminders_schedule()
            deliver_due()
            moment += step


def deliver_due() -> None:
    for message_id in OutboxMessage.objects.due().values_list("pk", flat=True):
        outbox.deliver(message_id)


def reminders_sent(zone=AMSTERDAM) -> list[tuple[str, str]]:
    """(due slot, local time the row was written) of every reminder row, oldest first."""
    rows = OutboxMessage.objects.filter(kind=reminders.REFLECTION_REMINDER).order_by("created_at")
    return [(row.due_slot, row.created_at.astimezone(zone).strftime("%a %H:%M")) for row in rows]


def learner_with_reflection(organization, *, due_on, time_zone="Europe/Amsterdam", **program):
    """A learner of `organization` in a program with these reminder settings, with one open
    reflection due on `due_on`."""
    program = ProgramFactory(organization=organization, **program)
    cohort = CohortFactory(program=program, starts_on=datetime.date(2027, 1, 4))
    learner = MembershipFactory(organization=organization, user__time_zone=time_zone).user
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment)
    ReflectionFactory(enrolment=enrolment, due_on=due_on)
    return learner


def local(zone, *args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=zone)


# --- Daily and weekly, across the Dutch DST changes -------------------------------------------


@pytest.mark.parametrize(
    ("due_on", "start", "end", "expected", "utc_hours"),
    [
        pytest.param(
            datetime.date(2027, 3, 20),
            local(UTC, 2027, 3, 26, 22, 0),
            local(UTC, 2027, 3, 29, 22, 0),
            [
                ("2027-03-27", "Sat 09:00"),
                ("2027-03-28", "Sun 09:00"),  # the day of the change: 07:00 UTC instead of 08:00
                ("2027-03-29", "Mon 09:00"),
            ],
            [8, 7, 7],
            id="spring",
        ),
        pytest.param(
            datetime.date(2027, 10, 20),
            local(UTC, 2027, 10, 29, 22, 0),
            local(UTC, 2027, 11, 1, 23, 0),
            [
                ("2027-10-30", "Sat 09:00"),
                ("2027-10-31", "Sun 09:00"),  # the day of the change: 08:00 UTC instead of 07:00
                ("2027-11-01", "Mon 09:00"),
            ],
            [7, 8, 8],
            id="autumn",
        ),
    ],
)
def test_daily_reminder_comes_at_nine_local_time_on_both_sides_of_the_change(
    organization, due_on, start, end, expected, utc_hours
):
    # A distribution centre works every day, so the Sunday of the change is a working day.
    organization.working_weekdays = EVERY_DAY
    organization.save()
    learner_with_reflection(organization, due_on=due_on, reminder_rhythm=ReminderRhythm.DAILY)

    run_beat(start, end)

    assert reminders_sent() == expected
    assert [
        row.created_at.astimezone(UTC).hour for row in OutboxMessage.objects.order_by("created_at")
    ] == utc_hours


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            local(UTC, 2027, 3, 20, 0, 0),
            local(UTC, 2027, 4, 5, 0, 0),
            [("2027-03-21", "Sun 07:00"), ("2027-03-28", "Sun 07:00"), ("2027-04-04", "Sun 07:00")],
        ),
        (
            local(UTC, 2027, 10, 23, 0, 0),
            local(UTC, 2027, 11, 8, 0, 0),
            [("2027-10-24", "Sun 07:00"), ("2027-10-31", "Sun 07:00"), ("2027-11-07", "Sun 07:00")],
        ),
    ],
    ids=["spring", "autumn"],
)
def test_weekly_reminder_comes_on_the_chosen_day_at_its_local_time_across_the_change(
    organization, start, end, expected
):
    """Three weeks of an hourly beat (the reminder time is on the hour), so it stays fast."""
    organization.working_weekdays = EVERY_DAY
    organization.save()
    learner_with_reflection(
        organization,
        due_on=start.date() - datetime.timedelta(days=3),
        reminder_rhythm=ReminderRhythm.WEEKDAYS,
        reminder_weekdays=[7],
        reminder_time=datetime.time(7, 0),
    )

    run_beat(start, end, step=datetime.timedelta(hours=1))

    assert reminders_sent() == expected


def test_running_the_job_again_in_the_same_slot_writes_no_second_row(organization):
    learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 0), tick=False):
        reminders.reflection_reminders_schedule()
        reminders.reflection_reminders_schedule()
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 17, 45), tick=False):
        reminders.reflection_reminders_schedule()

    assert reminders_sent() == [("2027-03-29", "Mon 09:00")]


# --- Where the learner is, and when they are not to be disturbed ------------------------------


def test_a_learner_in_new_york_is_reminded_at_nine_in_new_york_on_their_own_monday(organization):
    learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 26),
        time_zone="America/New_York",
        reminder_rhythm=ReminderRhythm.DAILY,
    )

    # Sunday evening in New York is Monday in Amsterdam and in UTC: not yet their Monday.
    run_beat(local(UTC, 2027, 3, 28, 12, 0), local(UTC, 2027, 3, 30, 4, 0))

    assert reminders_sent(NEW_YORK) == [("2027-03-29", "Mon 09:00")]
    row = OutboxMessage.objects.get()
    assert row.created_at.astimezone(UTC).hour == 13  # New York is on summer time already


def test_personal_quiet_hours_make_the_reminder_wait_until_they_end(organization):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    learner.quiet_hours_start, learner.quiet_hours_end = datetime.time(8, 0), datetime.time(10, 30)
    learner.save()

    run_beat(local(UTC, 2027, 3, 28, 22, 0), local(UTC, 2027, 3, 29, 21, 0))

    assert reminders_sent() == [("2027-03-29", "Mon 10:30")]


def test_a_learner_of_two_organisations_is_reminded_when_neither_says_quiet(organization):
    learner = learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        reminder_time=datetime.time(7, 30),
    )
    # Also a coach at a warehouse whose quiet hours last until 08:30.
    MembershipFactory(
        user=learner,
        organization__quiet_hours_end=datetime.time(8, 30),
        is_learner=False,
        is_coach=True,
    )

    run_beat(local(AMSTERDAM, 2027, 3, 29, 6, 0), local(AMSTERDAM, 2027, 3, 29, 12, 0))

    assert reminders_sent() == [("2027-03-29", "Mon 08:30")]


def test_a_reminder_time_in_the_organisations_evening_quiet_hours_sends_nothing(organization):
    # The organisation's default: quiet from 20:00 until 07:00.
    learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        reminder_time=datetime.time(21, 0),
    )

    run_beat(local(UTC, 2027, 3, 28, 22, 0), local(UTC, 2027, 3, 30, 5, 0))

    assert reminders_sent() == []


def test_no_reminder_on_the_weekend_of_an_organisation_that_works_monday_to_friday(
    organization,
):
    learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 24), reminder_rhythm=ReminderRhythm.DAILY
    )

    run_beat(local(UTC, 2027, 3, 26, 0, 0), local(UTC, 2027, 3, 29, 21, 0))

    assert reminders_sent() == [("2027-03-26", "Fri 09:00"), ("2027-03-29", "Mon 09:00")]


def test_no_reminder_while_the_learner_is_on_leave(organization):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 24), reminder_rhythm=ReminderRhythm.DAILY
    )
    Leave.objects.create(
        user=learner, starts_on=datetime.date(2027, 3, 30), ends_on=datetime.date(2027, 3, 31)
    )

    run_beat(local(UTC, 2027, 3, 29, 0, 0), local(UTC, 2027, 4, 1, 21, 0))

    assert reminders_sent() == [("2027-03-29", "Mon 09:00"), ("2027-04-01", "Thu 09:00")]


def test_no_reminder_for_a_learner_who_turned_reflection_reminders_off(organization):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 24), reminder_rhythm=ReminderRhythm.DAILY
    )
    NotificationOptOut.objects.create(user=learner, kind=reminders.REFLECTION_REMINDER)

    run_beat(local(UTC, 2027, 3, 29, 6, 0), local(UTC, 2027, 3, 29, 10, 0))

    assert reminders_sent() == []


def test_once_after_feedback_reminds_on_the_day_the_reflection_falls_due_and_not_again(
    organization,
):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 31), reminder_time=datetime.time(16, 0)
    )
    assert learner.enrolments.get().program.reminder_rhythm == ReminderRhythm.AFTER_FEEDBACK

    run_beat(local(UTC, 2027, 3, 29, 0, 0), local(UTC, 2027, 4, 2, 21, 0))

    assert reminders_sent() == [("2027-03-31", "Wed 16:00")]
    assert Reflection.objects.get().reminded_at is not None


def test_once_after_feedback_that_falls_due_on_a_saturday_reminds_on_monday(organization):
    learner_with_reflection(organization, due_on=datetime.date(2027, 3, 27))

    run_beat(local(UTC, 2027, 3, 26, 0, 0), local(UTC, 2027, 3, 30, 21, 0))

    assert reminders_sent() == [("2027-03-29", "Mon 09:00")]


# --- The mail: bundled, in the learner's language, cancelled when nothing is left -------------


def enrol(learner, organization, **program):
    program = ProgramFactory(organization=organization, **program)
    cohort = CohortFactory(program=program, starts_on=datetime.date(2027, 1, 4))
    enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
    PairingFactory(enrolment=enrolment)
    return enrolment


def test_two_programs_make_one_mail_with_a_link_to_each_reflection(organization, deliver_outbox):
    learner = MembershipFactory(organization=organization, user__language="en").user
    forklift = enrol(learner, organization, name="Heftruck", reminder_rhythm="daily")
    picking = enrol(
        learner,
        organization,
        name="Orderpicken",
        reminder_rhythm="weekdays",
        reminder_weekdays=[1],
        reminder_time=datetime.time(8, 0),
    )
    moment = FeedbackMomentFactory(enrolment=forklift, occurred_on=datetime.date(2027, 3, 25))
    ReflectionFactory(enrolment=forklift, feedback_moment=moment, due_on=datetime.date(2027, 3, 27))
    ReflectionFactory(enrolment=picking, due_on=datetime.date(2027, 3, 29))

    run_beat(local(UTC, 2027, 3, 29, 5, 0), local(UTC, 2027, 3, 29, 12, 0))
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 1), tick=False):
        sent = deliver_outbox()

    assert reminders_sent() == [("2027-03-29", "Mon 08:00")]
    assert len(sent) == 1
    message = sent[0]
    assert message.to == [learner.email]
    assert message.subject == "2 reflections are waiting for you"
    html = message.alternatives[0][0]
    assert "Heftruck" in html and "Orderpicken" in html
    assert "Was due on 27 March" in message.body  # the overdue one says so
    links = re.findall(r"http://\S+/reflectie-link/\S+/", message.body)
    assert len(set(links)) == 2
    assert re.search(r"http://\S+/meldingen/\S+/", message.body)


@pytest.mark.parametrize(
    ("language", "subject", "button"),
    [
        ("nl", "Er wacht een reflectie op je", "Schrijf je reflectie"),
        ("en", "A reflection is waiting for you", "Write your reflection"),
    ],
)
def test_the_mail_speaks_the_learners_language(
    organization, deliver_outbox, language, subject, button
):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    learner.language = language
    learner.save()
    with translation.override("en" if language == "nl" else "nl"):  # not the worker's language
        with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 0), tick=False):
            reminders.reflection_reminders_schedule()
            (message,) = deliver_outbox()

    assert message.subject == subject
    assert button in message.body
    html = message.alternatives[0][0]
    assert button in html
    assert "<h1" in html and subject in html  # the heading too


def test_a_reminder_whose_reflections_were_handed_in_before_delivery_is_cancelled(
    organization, deliver_outbox
):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 0), tick=False):
        reminders.reflection_reminders_schedule()
        # Queued, not sent: the bell does not announce what may still be taken back.
        assert notifications.unread_count(learner) == 0
        services.reflection_submit(
            enrolment=learner.enrolments.get(),
            actor=learner,
            answers=[{"question": "Wat ging goed?", "answer": "Alles."}],
        )
        assert deliver_outbox() == []

    assert OutboxMessage.objects.get().status == OutboxMessage.Status.CANCELLED
    assert mail.outbox == []
    assert notifications.unread_count(learner) == 0
    assert not notifications.in_app(learner).exists()


def test_a_reminder_turned_off_after_it_was_queued_is_cancelled(organization, deliver_outbox):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 0), tick=False):
        reminders.reflection_reminders_schedule()
        NotificationOptOut.objects.create(user=learner, kind=reminders.REFLECTION_REMINDER)
        assert deliver_outbox() == []

    assert OutboxMessage.objects.get().status == OutboxMessage.Status.CANCELLED


# --- A fixed number of queries ---------------------------------------------------------------


@pytest.mark.parametrize("learners", [2, 12])
def test_the_schedule_runs_in_the_same_number_of_queries_for_2_and_12_learners(
    organization, django_assert_num_queries, learners
):
    for n in range(learners):
        learner = learner_with_reflection(
            organization,
            due_on=datetime.date(2027, 3, 29),
            reminder_rhythm=ReminderRhythm.AFTER_FEEDBACK if n % 2 else ReminderRhythm.DAILY,
            time_zone="America/New_York" if n % 3 == 0 else "Europe/Amsterdam",
        )
        if n % 4 == 1:
            Leave.objects.create(
                user=learner,
                starts_on=datetime.date(2027, 4, 10),
                ends_on=datetime.date(2027, 4, 12),
            )
    # 16:00 in Amsterdam, 10:00 in New York: every learner is due.
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 16, 0), tick=False):
        # One batch: its learners, their open reflections with learners and programs,
        # turned-off kinds, then memberships and leave (werkplek.availability); the outbox
        # rows, the queued ones read back. ("Reminded" is marked when the mail is sent.)
        with django_assert_num_queries(7):
            queued = reminders.reflection_reminders_schedule()

    assert queued == learners
    assert OutboxMessage.objects.count() == learners


@pytest.mark.parametrize("learners", [2, 12])
def test_a_batch_of_reminders_is_delivered_in_the_same_queries_plus_two_per_mail(
    organization, django_assert_num_queries, learners
):
    people = [
        learner_with_reflection(
            organization,
            due_on=datetime.date(2027, 3, 29),
            time_zone="America/New_York" if n % 3 == 0 else "Europe/Amsterdam",
        )
        for n in range(learners)
    ]
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 16, 0), tick=False):
        reminders.reflection_reminders_schedule()
        ids = list(OutboxMessage.objects.values_list("pk", flat=True))
        # Some turn reminders off after theirs was queued: theirs is cancelled.
        for learner in people[1::4]:
            NotificationOptOut.objects.create(user=learner, kind=reminders.REFLECTION_REMINDER)
        turned_off = len(people[1::4])
        # The batch: its claim (a savepoint around a locking SELECT and an UPDATE), the rows
        # with their learners, memberships and leave, turned-off kinds and open reflections.
        # Per mail: sent and its reflections marked reminded, or cancelled.
        with django_assert_num_queries(9 + 2 * (learners - turned_off) + turned_off):
            outbox.deliver(*ids)

    assert len(mail.outbox) == learners - turned_off
    statuses = sorted(OutboxMessage.objects.values_list("status", flat=True))
    assert statuses == ["cancelled"] * turned_off + ["sent"] * (learners - turned_off)


@pytest.mark.parametrize(("learners", "batches"), [(3, 1), (9, 3)])
def test_a_large_organisation_is_scheduled_in_batches_of_learners_each_mail_bundled(
    organization, django_assert_num_queries, deliver_outbox, monkeypatch, learners, batches
):
    monkeypatch.setattr(reminders, "REMINDER_BATCH", 3)
    daily = ProgramFactory(organization=organization, reminder_rhythm=ReminderRhythm.DAILY)
    once = ProgramFactory(organization=organization, reminder_rhythm=ReminderRhythm.AFTER_FEEDBACK)
    people = [
        MembershipFactory(organization=organization, user__language="en").user
        for _ in range(learners)
    ]
    # Each learner's two reflections lie far apart in key order, in different batches of
    # reflections: batches of learners keep them in one mail.
    for program in (daily, once):
        cohort = CohortFactory(program=program, starts_on=datetime.date(2027, 1, 4))
        for learner in people:
            enrolment = EnrolmentFactory(cohort=cohort, learner=learner)
            ReflectionFactory(enrolment=enrolment, due_on=datetime.date(2027, 3, 29))

    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 16, 0), tick=False):
        # Per batch the same 7 queries (see the test above), and one more that finds no
        # learners after the last full batch.
        with django_assert_num_queries(7 * batches + 1):
            assert reminders.reflection_reminders_schedule() == learners
        sent = deliver_outbox()

    rows = OutboxMessage.objects.filter(kind=reminders.REFLECTION_REMINDER)
    assert sorted(rows.values_list("recipient", "due_slot")) == [
        (learner.pk, "2027-03-29") for learner in sorted(people, key=lambda p: p.pk)
    ]
    assert sorted(message.to[0] for message in sent) == sorted(p.email for p in people)
    assert {message.subject for message in sent} == {"2 reflections are waiting for you"}
    assert not Reflection.objects.filter(
        enrolment__cohort__program=once, reminded_at__isnull=True
    ).exists()


def test_a_sent_reminder_shows_in_the_learners_notification_list_and_leads_to_their_progress(
    client, organization, deliver_outbox
):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm="daily"
    )
    run_beat(local(AMSTERDAM, 2027, 3, 29, 9, 0), local(AMSTERDAM, 2027, 3, 29, 9, 15))
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 9, 1), tick=False):
        assert len(deliver_outbox()) == 1

    client.force_login(learner)
    page = client.get(reverse("notifications")).content.decode()
    assert "Herinnering: er wacht een reflectie op je" in page
    row = OutboxMessage.objects.get(kind=reminders.REFLECTION_REMINDER)
    response = client.post(reverse("notification-open", args=[row.pk]))
    assert response.url == reverse("coaching:my-progress")


# --- Late delivery, cancelled reminders, quiet hours overnight, leave far away ----------------

AUCKLAND = zoneinfo.ZoneInfo("Pacific/Auckland")


def reminder_rows() -> list[tuple[str, str]]:
    """(due slot, status) of every reminder row, oldest first."""
    rows = OutboxMessage.objects.filter(kind=reminders.REFLECTION_REMINDER).order_by("created_at")
    return list(rows.values_list("due_slot", "status"))


def test_a_reminder_delivered_after_its_local_day_is_cancelled_so_the_next_day_has_one_mail(
    organization,
):
    learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        reminder_time=datetime.time(19, 45),
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 19, 55), tick=False):
        assert reminders.reflection_reminders_schedule() == 1
    # The broker was down; a worker gets the row after midnight, in the quiet hours (20:00 to
    # 07:00): it waits for their end, and then Monday, the day it was for, has passed.
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 30, 0, 10), tick=False):
        deliver_due()
    row = OutboxMessage.objects.get()
    assert (row.status, row.next_attempt_at) == ("queued", local(AMSTERDAM, 2027, 3, 30, 7, 0))

    run_beat(local(AMSTERDAM, 2027, 3, 30, 7, 0), local(AMSTERDAM, 2027, 3, 31, 0, 0))

    assert reminder_rows() == [("2027-03-29", "cancelled"), ("2027-03-30", "sent")]
    assert len(mail.outbox) == 1


def test_a_reminder_delivered_after_midnight_outside_quiet_hours_is_cancelled(organization):
    learner = learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        reminder_time=datetime.time(19, 45),
    )
    # A night-shift worker: quiet in the day only.
    learner.quiet_hours_start, learner.quiet_hours_end = datetime.time(8), datetime.time(16)
    learner.save()
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 19, 55), tick=False):
        assert reminders.reflection_reminders_schedule() == 1
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 30, 0, 5), tick=False):
        deliver_due()

    assert reminder_rows() == [("2027-03-29", "cancelled")]
    assert mail.outbox == []


def test_a_once_after_feedback_reminder_that_was_cancelled_comes_on_the_next_slot(organization):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 31), reminder_time=datetime.time(16, 0)
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 31, 16, 0), tick=False):
        reminders.reflection_reminders_schedule()
        # Turned off before it went out, and on again: the reflection was never reminded of.
        opt_out = NotificationOptOut.objects.create(
            user=learner, kind=reminders.REFLECTION_REMINDER
        )
        deliver_due()
        opt_out.delete()
    assert Reflection.objects.get().reminded_at is None

    run_beat(local(AMSTERDAM, 2027, 3, 31, 16, 15), local(AMSTERDAM, 2027, 4, 3, 0, 0))

    assert reminder_rows() == [("2027-03-31", "cancelled"), ("2027-04-01", "sent")]
    assert len(mail.outbox) == 1
    assert Reflection.objects.get().reminded_at == local(AMSTERDAM, 2027, 4, 1, 16, 0)


def test_a_once_after_feedback_reminder_that_failed_comes_on_the_next_slot(
    organization, settings, monkeypatch
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 31), reminder_time=datetime.time(16, 0)
    )
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 31, 16, 0), tick=False):
        reminders.reflection_reminders_schedule()
        with monkeypatch.context() as patched:
            patched.setattr(
                "django.core.mail.EmailMultiAlternatives.send",
                lambda self: (_ for _ in ()).throw(OSError("mail server down")),
            )
            deliver_due()
    assert Reflection.objects.get().reminded_at is None

    run_beat(local(AMSTERDAM, 2027, 3, 31, 16, 15), local(AMSTERDAM, 2027, 4, 3, 0, 0))

    assert reminder_rows() == [("2027-03-31", "failed"), ("2027-04-01", "sent")]
    assert len(mail.outbox) == 1


def test_a_once_after_feedback_reflection_due_after_the_days_mail_waits_for_the_next_mail(
    organization,
):
    learner = learner_with_reflection(
        organization, due_on=datetime.date(2027, 3, 29), reminder_rhythm=ReminderRhythm.DAILY
    )
    run_beat(local(AMSTERDAM, 2027, 3, 29, 8, 0), local(AMSTERDAM, 2027, 3, 29, 9, 15))
    assert len(mail.outbox) == 1
    # At 10:00 a reflection of a "once after feedback" program falls due: today's mail has
    # gone out without it, so it is not reminded of yet.
    enrolment = enrol(learner, organization, reminder_rhythm=ReminderRhythm.AFTER_FEEDBACK)
    late = ReflectionFactory(enrolment=enrolment, due_on=datetime.date(2027, 3, 29))
    with time_machine.travel(local(AMSTERDAM, 2027, 3, 29, 10, 0), tick=False):
        assert reminders.reflection_reminders_schedule() == 0
        deliver_due()
    late.refresh_from_db()
    assert late.reminded_at is None

    run_beat(local(AMSTERDAM, 2027, 3, 29, 10, 15), local(AMSTERDAM, 2027, 3, 30, 9, 15))

    assert reminder_rows() == [("2027-03-29", "sent"), ("2027-03-30", "sent")]
    assert [m.subject for m in mail.outbox] == [
        "Er wacht een reflectie op je",
        "Er wachten 2 reflecties op je",
    ]
    late.refresh_from_db()
    assert late.reminded_at == local(AMSTERDAM, 2027, 3, 30, 9, 0)


def test_a_reminder_time_in_overnight_quiet_hours_waits_until_they_end_that_morning(organization):
    learner = learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        reminder_time=datetime.time(6, 0),
    )
    learner.quiet_hours_start, learner.quiet_hours_end = datetime.time(22), datetime.time(7)
    learner.save()

    run_beat(local(AMSTERDAM, 2027, 3, 29, 5, 0), local(AMSTERDAM, 2027, 3, 29, 9, 0))

    assert reminders_sent() == [("2027-03-29", "Mon 07:00")]
    assert OutboxMessage.objects.get().sent_at == local(AMSTERDAM, 2027, 3, 29, 7, 0)


def test_leave_is_taken_in_the_learners_own_time_zone(organization):
    # 09:00 in Auckland is 20:00 UTC the day before: leave on their Tuesday skips the reminder
    # of their Tuesday (Monday evening in UTC), not that of their Wednesday.
    learner = learner_with_reflection(
        organization,
        due_on=datetime.date(2027, 3, 29),
        reminder_rhythm=ReminderRhythm.DAILY,
        time_zone="Pacific/Auckland",
    )
    Leave.objects.create(
        user=learner, starts_on=datetime.date(2027, 3, 30), ends_on=datetime.date(2027, 3, 30)
    )

    run_beat(local(AUCKLAND, 2027, 3, 29, 0, 0), local(AUCKLAND, 2027, 3, 31, 21, 0))

    assert reminders_sent(AUCKLAND) == [("2027-03-29", "Mon 09:00"), ("2027-03-31", "Wed 09:00")]
    assert OutboxMessage.objects.filter(sent_at__isnull=False).count() == 2

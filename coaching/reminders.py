"""Reflection reminders: one e-mail per learner per local day at most, whatever the number
of programs, at the program's time of day in the learner's own time zone.

The schedule (run by beat every 15 minutes, `reflection_reminders_schedule`): a learner gets
the day's reminder once, for that local day, when in their own time zone

- a reflection of a running enrolment is open and due (its due date is today or earlier),
- the time of day has reached its program's reminder time, and its program's rhythm says
  today: *every working day*; *on chosen weekdays* when today is one of them; *once, after
  each feedback moment* when no reminder that listed that reflection was sent yet, so the
  first reminder slot on or after the day it falls due (two days after the moment) — if
  that slot is quiet, a weekend or leave, the next one that is not; a reminder that was
  cancelled or failed does not count,
- the person may be messaged now about the program's organisation
  (`werkplek.availability`: their quiet hours, its working days, their leave),
- and the person has not turned reflection reminders off.

A reminder time that falls in quiet hours waits until the quiet hours end, that same day;
quiet hours that last until midnight skip the day. The mail is rendered when it is sent:
it lists every open, due reflection of every program (bundled), and is cancelled when none
is left, or when it is delivered after the learner's local day it was for (late: its day's
slot has passed, and the next day has its own reminder). Each reflection gets a link that
opens its form, and only that, for 72 hours, until the reflection is handed in
(`reflection_link_token`).
"""

import datetime
import zoneinfo
from collections import defaultdict

from django.core import signing
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from coaching.models import Reflection
from programs.choices import ReminderRhythm
from programs.models import Enrolment
from werkplek import notifications, outbox
from werkplek.availability import availability_of
from werkplek.lib.urls import absolute_url
from werkplek.models import Membership, User

REFLECTION_REMINDER = "reflection_reminder"
LINK_SALT = "coaching.reminders.reflection-link"
LINK_MAX_AGE = datetime.timedelta(hours=72)
# Learners per batch of the schedule: what one run holds in memory at a time.
REMINDER_BATCH = 500


def _open_reflections():
    """Open reflections of running enrolments whose learner is still a member of the
    program's organisation (one who left loses access, so their links open nothing)."""
    still_member = Membership.objects.current().filter(
        user=OuterRef("enrolment__learner"),
        organization=OuterRef("enrolment__cohort__program__organization"),
    )
    return Reflection.objects.due().filter(
        Exists(still_member),
        enrolment__in=Enrolment.objects.running(),
        enrolment__learner__is_active=True,
    )


def _local(now: datetime.datetime, user: User) -> datetime.datetime:
    return timezone.localtime(now, zoneinfo.ZoneInfo(user.time_zone))


def program_reminds(reflection: Reflection, local: datetime.datetime) -> bool:
    """The rhythm of the reflection's program: does it remind of this reflection at the
    learner's local time `local`? (Working days, quiet hours and leave are the person's.)"""
    program = reflection.enrolment.cohort.program
    if reflection.due_on > local.date() or local.time() < program.reminder_time:
        return False
    if program.reminder_rhythm == ReminderRhythm.WEEKDAYS:
        return local.isoweekday() in program.reminder_weekdays
    if program.reminder_rhythm == ReminderRhythm.AFTER_FEEDBACK:
        return reflection.reminded_at is None
    return True


def reflection_reminders_schedule(*, now: datetime.datetime | None = None) -> int:
    """Queue today's reminder of every learner whose reminder is due now (see the module),
    in batches of REMINDER_BATCH learners, each in a fixed number of queries, so memory is
    bounded and queries grow only with the number of batches; safe to run any number of
    times: the outbox key (learner, kind, local date) lets one exist
    per day. Returns how many reminders are queued for this run's learners."""
    now = now or timezone.now()
    # Every time zone's today lies within a day of UTC's.
    utc_today = now.astimezone(datetime.UTC).date()
    last = utc_today + datetime.timedelta(days=1)
    open_reflections = _open_reflections().filter(due_on__lte=last)
    queued, after = 0, 0
    while True:
        # Batches of learners, not of reflections: all of a learner's reflections make one
        # mail, so they are read together.
        learner_ids = list(
            open_reflections.filter(enrolment__learner__gt=after)
            .order_by("enrolment__learner")
            .values_list("enrolment__learner", flat=True)
            .distinct()[:REMINDER_BATCH]
        )
        if not learner_ids:
            return queued
        queued += _schedule_learners(
            open_reflections.filter(enrolment__learner__in=learner_ids), now, utc_today
        )
        if len(learner_ids) < REMINDER_BATCH:
            return queued
        after = learner_ids[-1]


def _schedule_learners(reflections, now, utc_today) -> int:
    """One batch of `reflection_reminders_schedule`: the reminders of the learners of these
    open reflections."""
    reflections = list(
        reflections.select_related("enrolment__learner", "enrolment__cohort__program").order_by(
            "pk"
        )
    )
    # The program's rhythm needs no query: most runs end here, before anyone's time has come.
    candidates = [
        (reflection, reflection.enrolment.learner)
        for reflection in reflections
        if program_reminds(reflection, _local(now, reflection.enrolment.learner))
    ]
    if not candidates:
        return 0
    learners = {learner.pk: learner for _r, learner in candidates}
    turned_off = notifications.turned_off(learners.values(), REFLECTION_REMINDER)
    availability = availability_of(learners.values(), on=utc_today)

    reminded = defaultdict(list)
    for reflection, learner in candidates:
        organization = reflection.enrolment.cohort.program.organization_id
        if learner.pk not in turned_off and availability[learner.pk].allows(now, [organization]):
            reminded[learner].append(reflection)
    if not reminded:
        return 0
    messages = [
        (
            learner,
            _local(now, learner).date().isoformat(),
            {"organizations": sorted({r.enrolment.cohort.program.organization_id for r in rs})},
        )
        for learner, rs in reminded.items()
    ]
    queued = outbox.enqueue_many(kind=REFLECTION_REMINDER, messages=messages)
    return len(queued)


def reflection_link_token(reflection: Reflection) -> str:
    """A signed token for one reflection's form, valid for LINK_MAX_AGE and only while the
    reflection is open: handing it in uses up every link to it."""
    return signing.dumps({"r": reflection.pk, "u": reflection.enrolment.learner_id}, salt=LINK_SALT)


def reflection_of_token(token: str) -> Reflection | None:
    """The open reflection a link opens, with its enrolment, learner and program; None when
    the token is altered, expired or used up (the reflection is handed in), or the
    enrolment no longer runs."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or not all(isinstance(data.get(k), int) for k in "ru"):
        return None
    return (
        _open_reflections()
        .filter(pk=data["r"], enrolment__learner=data["u"])
        .select_related(
            "enrolment__learner", "enrolment__cohort__program", "feedback_moment__coach"
        )
        .first()
    )


def _link(name: str, token: str) -> str:
    return absolute_url(reverse(name, args=[token]))


def preload_reflection_reminders(messages) -> None:
    """What a delivered batch of reminders needs, in two queries for all of them: whether
    each learner turned reminders off, and their open reflections due by their today."""
    learners = [message.recipient for message in messages]
    turned_off = notifications.turned_off(learners, REFLECTION_REMINDER)
    now = timezone.now()
    latest = max(_local(now, learner).date() for learner in learners)
    reflections = defaultdict(list)
    for reflection in (
        _open_reflections()
        .filter(enrolment__learner__in=learners, due_on__lte=latest)
        .select_related("enrolment__cohort__program", "feedback_moment__coach")
        .order_by("due_on", "pk")
    ):
        reflections[reflection.enrolment.learner_id].append(reflection)
    for message in messages:
        message.preloaded = {
            "turned_off": message.recipient_id in turned_off,
            "reflections": reflections[message.recipient_id],
        }


def render_reflection_reminder(message) -> outbox.Rendered | None:
    """The day's reminder, rendered at delivery in the learner's language (from what
    `preload_reflection_reminders` fetched for its batch): every open, due reflection of
    every program, each with its own link; None when none is left or the learner turned
    reminders off since."""
    learner = message.recipient
    if message.preloaded["turned_off"]:
        return None
    today = _local(timezone.now(), learner).date()
    if message.due_slot != today.isoformat():
        # Delivered late (the broker was down, retries, quiet hours or leave moved it past
        # midnight): the day it was for has passed, and a second mail on one day is one too
        # many. The open reflections are today's reminder's to list.
        return None
    reflections = [r for r in message.preloaded["reflections"] if r.due_on <= today]
    if not reflections:
        return None
    # What the mail lists: once it is sent, these are reminded of (`reflection_reminder_sent`).
    message.context["reflections"] = [r.pk for r in reflections]
    items = [
        {
            "program": r.enrolment.cohort.program.name,
            "feedback": r.feedback_moment,
            "due_on": r.due_on,
            "overdue": r.is_overdue_on(today),
            "link": _link("coaching:reflection-link", reflection_link_token(r)),
        }
        for r in reflections
    ]
    subject = ngettext(
        "A reflection is waiting for you",
        "%(count)s reflections are waiting for you",
        len(items),
    ) % {"count": len(items)}
    context = {
        "subject": subject,
        "learner": learner,
        "items": items,
        "valid_hours": int(LINK_MAX_AGE.total_seconds() // 3600),
        "preferences_link": notifications.preferences_link(learner),
    }
    return outbox.Rendered(
        subject=subject,
        text=render_to_string("coaching/email/reflection_reminder.txt", context),
        html=render_to_string("coaching/email/reflection_reminder.html", context),
        unsubscribe=notifications.unsubscribe_link(learner, REFLECTION_REMINDER),
    )


def reflection_reminder_sent(message) -> None:
    """After the reminder went out: the reflections it listed are reminded of, so a program
    that reminds "once after each feedback moment" does not ask again. Only then: a
    reminder cancelled or failed leaves them to the next one."""
    Reflection.objects.filter(
        pk__in=message.context.get("reflections", []), reminded_at__isnull=True
    ).update(reminded_at=timezone.now())


def describe_reflection_reminder(message) -> notifications.Notice:
    """The reminder in the app's notification list: it leads to the learner's progress page,
    which lists every open reflection now (those the mail listed may be handed in since)."""
    return notifications.Notice(
        title=_("Reminder: a reflection is waiting for you"),
        url=reverse("coaching:my-progress"),
    )

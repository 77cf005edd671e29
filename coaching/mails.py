"""The coach's nudges and thank-you notes, sent through werkplek's outbox and also shown in
the app.

Each kind has a renderer (the mail, made at delivery in the coach's language; None when
there is nothing left to nudge about) and a describer (the in-app notification's title and
link, from the row's context alone).
"""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from coaching import skills
from coaching.attention import enrolment_statuses
from coaching.choices import Currency
from coaching.models import Reflection, SignOff, ThankYouNote
from programs.models import Enrolment
from werkplek import notifications
from werkplek.lib.urls import absolute_url
from werkplek.notifications import Notice
from werkplek.outbox import Rendered

FEEDBACK_OVERDUE = "coach_feedback_overdue"
HELP_ASKED = "coach_help_asked"
THANK_YOU = "coach_thank_you"
SIGN_OFF_EXPIRING = "coach_sign_off_expiring"


def overdue_slot(enrolment: Enrolment, last_feedback_on: datetime.date | None) -> str:
    """The overdue episode: one enrolment since its last feedback moment (or its start).
    The next day is the same episode; new feedback starts another."""
    return f"{enrolment.pk}:{(last_feedback_on or enrolment.started_on).isoformat()}"


def _progress_url(context: dict) -> str:
    return reverse("coaching:progress", args=[context["enrolment"]])


def render_feedback_overdue(message) -> Rendered | None:
    """ "Your learner has had no feedback for too long", unless feedback came in after all,
    the enrolment ended, the recipient no longer coaches it or turned these nudges off."""
    if not notifications.wants(message.recipient, FEEDBACK_OVERDUE):
        return None
    enrolment = (
        Enrolment.objects.coached_by(message.recipient)
        .select_related("learner", "cohort__program")
        .filter(pk=message.context["enrolment"])
        .first()
    )
    if enrolment is None:
        return None
    status = enrolment_statuses([enrolment], on=timezone.localdate())[enrolment.pk]
    if not status.is_overdue or overdue_slot(enrolment, status.last_feedback_on) != (
        message.due_slot
    ):
        return None
    context = {
        "coach": message.recipient,
        "enrolment": enrolment,
        "status": status,
        "link": absolute_url(reverse("coaching:feedback-create", args=[enrolment.pk])),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("Feedback for %(learner)s is overdue") % {"learner": enrolment.learner.name},
        text=render_to_string("coaching/email/feedback_overdue.txt", context),
        html=render_to_string("coaching/email/feedback_overdue.html", context),
        unsubscribe=notifications.unsubscribe_link(message.recipient, FEEDBACK_OVERDUE),
    )


def describe_overdue(message) -> Notice:
    return Notice(
        title=_("Feedback for %(learner)s is overdue (%(program)s)")
        % {"learner": message.context["learner"], "program": message.context["program"]},
        url=_progress_url(message.context),
    )


def render_help_asked(message) -> Rendered | None:
    """ "Your learner has a question" with what they wrote, while the recipient coaches them
    and has not turned these nudges off."""
    if not notifications.wants(message.recipient, HELP_ASKED):
        return None
    reflection = (
        Reflection.objects.select_related("enrolment__learner", "enrolment__cohort__program")
        .filter(
            pk=message.context["reflection"],
            enrolment__in=Enrolment.objects.coached_by(message.recipient),
        )
        .first()
    )
    if reflection is None:
        return None
    context = {
        "coach": message.recipient,
        "reflection": reflection,
        "enrolment": reflection.enrolment,
        "answers": [a for a in reflection.answers if a["answer"].strip()],
        "link": absolute_url(_help_url(message.context)),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("%(learner)s asks for your help") % {"learner": reflection.enrolment.learner},
        text=render_to_string("coaching/email/help_asked.txt", context),
        html=render_to_string("coaching/email/help_asked.html", context),
        unsubscribe=notifications.unsubscribe_link(message.recipient, HELP_ASKED),
    )


def _help_url(context: dict) -> str:
    return f"{_progress_url(context)}#reflection-{context['reflection']}"


def describe_help_asked(message) -> Notice:
    return Notice(
        title=_("%(learner)s asks for help in a reflection")
        % {"learner": message.context["learner"]},
        url=_help_url(message.context),
    )


def render_thank_you(message) -> Rendered | None:
    """ "An L&D manager thanks you" with their note, unless the coach turned these off."""
    if not notifications.wants(message.recipient, THANK_YOU):
        return None
    note = (
        ThankYouNote.objects.select_related("sender", "organization")
        .filter(pk=message.context["note"], coach=message.recipient)
        .first()
    )
    if note is None:
        return None
    context = {
        "coach": message.recipient,
        "note": note,
        "link": absolute_url(reverse("coaching:thanks")),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("%(sender)s thanks you") % {"sender": note.sender.name},
        text=render_to_string("coaching/email/thank_you.txt", context),
        html=render_to_string("coaching/email/thank_you.html", context),
        unsubscribe=notifications.unsubscribe_link(message.recipient, THANK_YOU),
    )


def describe_thank_you(message) -> Notice:
    return Notice(
        title=_("%(sender)s thanks you") % {"sender": message.context["sender"]},
        url=reverse("coaching:thanks"),
    )


def render_sign_off_expiring(message) -> Rendered | None:
    """ "Observe this task again": a learner's sign-off expires soon (or has), unless the task
    was signed off again since, the recipient no longer coaches the learner or turned these
    nudges off."""
    if not notifications.wants(message.recipient, SIGN_OFF_EXPIRING):
        return None
    sign_off = (
        SignOff.objects.select_related(
            "enrolment__learner", "enrolment__cohort__program", "checklist_item"
        )
        .filter(
            pk=message.context["sign_off"],
            enrolment__in=Enrolment.objects.coached_now_by(message.recipient),
        )
        .first()
    )
    if sign_off is None:
        return None
    enrolment, item = sign_off.enrolment, sign_off.checklist_item
    later = SignOff.objects.filter(
        enrolment__learner=enrolment.learner_id,
        checklist_item=item,
        signed_on__gt=sign_off.signed_on,
    )
    expires_on = item.expires_on(sign_off.signed_on)
    if expires_on is None or later.exists():
        return None
    today = timezone.localdate()
    running = enrolment.is_running
    link = reverse(
        "coaching:feedback-create" if running else "coaching:progress", args=[enrolment.pk]
    )
    context = {
        "coach": message.recipient,
        "sign_off": sign_off,
        "enrolment": enrolment,
        "expires_on": expires_on,
        "expired": skills.currency_of(expires_on, today) == Currency.EXPIRED,
        "running": running,
        "link": absolute_url(link),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("Observe “%(task)s” of %(learner)s again")
        % {"task": item.title, "learner": enrolment.learner.name},
        text=render_to_string("coaching/email/sign_off_expiring.txt", context),
        html=render_to_string("coaching/email/sign_off_expiring.html", context),
        unsubscribe=notifications.unsubscribe_link(message.recipient, SIGN_OFF_EXPIRING),
    )


def describe_sign_off_expiring(message) -> Notice:
    expires_on = datetime.date.fromisoformat(message.context["expires_on"])
    return Notice(
        title=_("The sign-off of “%(task)s” for %(learner)s expires on %(date)s")
        % {
            "task": message.context["task"],
            "learner": message.context["learner"],
            "date": formats.date_format(expires_on),
        },
        url=_progress_url(message.context),
    )

"""The coach's nudges and thank-you notes, sent through werkplek's outbox and also shown in
the app.

Each kind has a renderer (the mail, made at delivery in the coach's language; None when
there is nothing left to nudge about) and a describer (the in-app notification's title and
link, from the row's context alone).
"""

import datetime

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coaching.attention import enrolment_statuses
from coaching.models import Reflection, ThankYouNote
from programs.models import Enrolment
from werkplek import notifications
from werkplek.lib.urls import absolute_url
from werkplek.notifications import Notice
from werkplek.outbox import Rendered

FEEDBACK_OVERDUE = "coach_feedback_overdue"
HELP_ASKED = "coach_help_asked"
THANK_YOU = "coach_thank_you"


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

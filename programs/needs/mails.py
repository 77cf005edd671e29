"""The request to rate a program's goals, sent through werkplek's outbox and shown in the app."""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from programs.needs.models import NeedsRequest
from werkplek import notifications
from werkplek.lib.urls import absolute_url
from werkplek.notifications import Notice
from werkplek.outbox import Rendered

NEEDS_REQUEST = "needs_analysis_request"


def render_needs_request(message) -> Rendered | None:
    """ "What do you need to learn?" with the link to the form; nothing once the person
    answered, the round closed, or they turned these requests off."""
    if not notifications.wants(message.recipient, NEEDS_REQUEST):
        return None
    request = (
        NeedsRequest.objects.open()
        .select_related("analysis__program__organization", "asked_by")
        .filter(pk=message.context["request"], person=message.recipient)
        .first()
    )
    if request is None or not request.analysis.accepts_answers:
        return None
    context = {
        "person": message.recipient,
        "request": request,
        "program": request.analysis.program,
        "link": absolute_url(reverse("programs:needs-answer", args=[request.pk])),
        "preferences_link": notifications.preferences_link(message.recipient),
    }
    return Rendered(
        subject=_("What do you need to learn for %(program)s?")
        % {"program": request.analysis.program.name},
        text=render_to_string("programs/needs/email/request.txt", context),
        html=render_to_string("programs/needs/email/request.html", context),
        unsubscribe=notifications.unsubscribe_link(message.recipient, NEEDS_REQUEST),
    )


def describe_needs_request(message) -> Notice:
    return Notice(
        title=_("What do you need to learn for %(program)s?")
        % {"program": message.context["program"]},
        url=reverse("programs:needs-answer", args=[message.context["request"]]),
    )

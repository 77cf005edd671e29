"""The mails of programs, sent through werkplek's outbox and rendered when delivered."""

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from programs.models import Invitation
from werkplek.lib.urls import absolute_url
from werkplek.outbox import Rendered

INVITATION = "invitation"


def render_invitation(message) -> Rendered | None:
    """The invitation to join a group, in the organisation's language (the person's own
    account, if any, is not looked at before they accept); nothing once it is accepted."""
    invitation = (
        Invitation.objects.open()
        .select_related("cohort__program__organization")
        .filter(pk=message.context["invitation"])
        .first()
    )
    if invitation is None:
        return None
    program = invitation.cohort.program
    context = {
        "invitation": invitation,
        "program": program,
        "link": absolute_url(invitation.get_absolute_url()),
    }
    with translation.override(program.organization.language):
        return Rendered(
            subject=_("You are invited to %(program)s") % {"program": program.name},
            text=render_to_string("programs/email/invitation.txt", context),
            html=render_to_string("programs/email/invitation.html", context),
        )

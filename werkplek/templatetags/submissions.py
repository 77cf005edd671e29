"""The one-time token of a form that creates something (werkplek.lib.forms.submitted_once)."""

import uuid

from django import template
from django.utils.html import format_html

from werkplek.lib.forms import SUBMISSION_TOKEN, posted_token

register = template.Library()


@register.simple_tag(takes_context=True)
def submission_token(context, form=None):
    """A hidden input with a fresh token; the posted one when `form` is the form shown again
    after its post had errors, so the corrected post still counts once."""
    token = None
    if getattr(form, "is_bound", False):
        token = posted_token(context.request)
    return format_html(
        '<input type="hidden" name="{}" value="{}">', SUBMISSION_TOKEN, token or uuid.uuid4()
    )

"""The mails werkplek itself sends through the outbox, rendered when they are delivered."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from werkplek.outbox import Rendered

PASSWORD_RESET = "password_reset"  # noqa: S105 (an outbox kind, not a password)


def render_password_reset(message) -> Rendered:
    """The "choose a new password" mail. Its token is made here, at delivery: it never sits in
    the database or the broker, and it is valid for PASSWORD_RESET_TIMEOUT from now."""
    user = message.recipient
    site = urlsplit(settings.SITE_URL)
    context = {
        "user": user,
        "email": user.email,
        "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "protocol": site.scheme,
        "domain": site.netloc,
        "LANGUAGE_CODE": translation.get_language(),
    }
    return Rendered(
        subject=render_to_string("registration/password_reset_subject.txt", context),
        text=render_to_string("registration/password_reset_email.txt", context),
        html=render_to_string("registration/password_reset_email.html", context),
    )

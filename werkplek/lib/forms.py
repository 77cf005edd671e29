"""Running a service from a view with its errors shown on the form, once per posted form;
the date and time inputs of every form."""

import functools
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from werkplek.models import FormSubmission

# The hidden input that carries a create form's one-time token ({% submission_token form %}).
SUBMISSION_TOKEN = "submission_token"  # noqa: S105 (a field name, not a secret)


def run_service(form, service, **kwargs):
    """Call `service`; its validation errors become form errors. The result, or None.

    An integrity error means another request changed the same rows a moment earlier
    (a double submit, two managers at once); the user sees that and can try again.
    """
    try:
        return service(**kwargs)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
    except IntegrityError:
        form.add_error(
            NON_FIELD_ERRORS,
            _("Someone changed this at the same moment. Check the page and try again."),
        )
    return None


def posted_token(request) -> uuid.UUID | None:
    """The one-time token of the form posted in `request`, if it carries a well-formed one."""
    if request.method != "POST":
        return None
    try:
        return uuid.UUID(request.POST.get(SUBMISSION_TOKEN, ""))
    except ValueError:
        return None


class _TokenTaken(Exception):
    """Another request claimed this token first (and committed)."""


def remember_result(response, url: str):
    """Mark a response that is not a redirect (an htmx partial) as a success whose replay
    goes to `url`."""
    response.submission_result_url = url
    return response


def _result_url(response) -> str | None:
    if response.status_code in (301, 302, 303):
        return response["Location"]
    return getattr(response, "submission_result_url", None)


def _messages(request) -> list:
    """The messages queued so far, left in place (Django's documented `used = False`)."""
    storage = messages.get_messages(request)
    found = [[message.level, str(message.message)] for message in storage]
    storage.used = False
    return found


def submitted_once(view):
    """A view whose form creates something, run once per one-time token: a replayed post,
    a double tap or two posts at the same moment get the first post's answer (its redirect
    and its message) and write nothing twice.

    The token is claimed in the transaction that creates: on PostgreSQL a second insert of it
    waits on the unique index until the first commits and then fails, so the second request
    reads the first's answer. A form shown again with errors frees its token for the next try.
    A post without a token (not from our pages) runs as before.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        token = posted_token(request)
        if token is None or not request.user.is_authenticated:
            return view(request, *args, **kwargs)
        earlier = FormSubmission.objects.of(request.user).filter(token=token).first()
        if earlier is None:
            try:
                return _submit(view, request, token, *args, **kwargs)
            except _TokenTaken:
                earlier = FormSubmission.objects.of(request.user).get(token=token)
        for level, text in earlier.messages:
            messages.add_message(request, level, text)
        if getattr(request, "htmx", False):
            return HttpResponseClientRedirect(earlier.result_url)
        return redirect(earlier.result_url)

    return wrapper


def _submit(view, request, token, *args, **kwargs):
    with transaction.atomic():
        try:
            with transaction.atomic():
                submission = FormSubmission.objects.create(user=request.user, token=token)
        except IntegrityError as error:
            raise _TokenTaken from error
        shown_before = len(_messages(request))
        response = view(request, *args, **kwargs)
        url = _result_url(response)
        if url is None:
            submission.delete()
        else:
            submission.result_url = url
            submission.messages = _messages(request)[shown_before:]
            submission.save(update_fields=["result_url", "messages"])
        return response


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)

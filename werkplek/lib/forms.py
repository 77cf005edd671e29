"""Running a service from a view with its errors shown on the form, once per posted form;
the date, time, weekday and free-text inputs of every form."""

import datetime
import functools
import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.shortcuts import redirect
from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from werkplek.choices import Weekday
from werkplek.lib.text import MaxCharactersValidator
from werkplek.lib.versions import EditConflict
from werkplek.models import FormSubmission

# The hidden input that carries a create form's one-time token ({% submission_token form %}).
SUBMISSION_TOKEN = "submission_token"  # noqa: S105 (a field name, not a secret)


def run_service(form, service, *, saved_form=None, **kwargs):
    """Call `service`; its validation errors become form errors. The result, or None.

    An integrity error means another request changed the same rows a moment earlier
    (a double submit, two managers at once); the user sees that and can try again. An edit
    conflict (someone saved in between) shows the changes side by side: `saved_form(saved)`
    builds the unbound form of the object as saved now.
    """
    try:
        return service(**kwargs)
    except EditConflict as conflict:
        show_edit_conflict(form, saved_form(conflict.saved), saved=conflict.saved)
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


class VersionField(forms.IntegerField):
    """The hidden version of the object an edit form shows (werkplek.lib.versions).

    A post without it (a page from before versions, a hand-made request) cannot say what it
    builds on, so it cleans to MISSING, a version no object has: the save is refused as an
    edit conflict, with what was typed kept, instead of overwriting. Create forms ignore it.
    """

    MISSING = 0

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        super().__init__(required=False, min_value=1, max_value=2**31 - 1, **kwargs)

    def clean(self, value):
        version = super().clean(value)
        return self.MISSING if version is None else version


def _shown(field, value) -> str:
    """A saved value as the form's field would show it to a person."""
    if value in (None, "", [], ()):
        return _("(empty)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, datetime.time):
        return time_format(value, "TIME_FORMAT")
    choices = getattr(field, "choices", None)
    if choices is not None:
        labels = {str(key): label for key, label in choices if key != ""}
        values = value if isinstance(value, list | tuple | set) else [value]
        return ", ".join(str(labels.get(str(getattr(v, "pk", v)), v)) for v in values)
    return str(field.prepare_value(value))


def show_edit_conflict(form, saved_form, *, saved) -> None:
    """Someone saved in between: keep what the person typed, say so, and let the next save
    build on both. A field the person left as they opened it takes the value saved since (so
    saving again never undoes the other save); under each field both changed differently,
    the value saved now. Fields the form's version cannot tell (related rows, such as levels
    per goal) are compared with the saved value only."""
    form.add_error(
        None,
        _(
            "Someone saved this after you opened it, so your changes are not saved yet. "
            "Compare them with the values saved in the meantime, shown under the fields, "
            "and save again."
        ),
    )
    opened = _opened_values(form, saved_form, saved)
    form.data = form.data.copy()
    for name, field in form.fields.items():
        if name == "version" or field.disabled:
            continue
        now, typed = saved_form[name].initial, form[name].data
        if name in opened and not field.has_changed(opened[name], typed):
            _put(form, name, field, now)
        elif field.has_changed(now, typed):
            message = _("Saved in the meantime: %(value)s") % {"value": _shown(field, now)}
            form.add_error(name, message)
    form.data[form.add_prefix("version")] = saved_form["version"].initial


def _opened_values(form, saved_form, saved) -> dict:
    """{field: its value in the version the person opened}, from the history of `saved` (the
    object as stored now), for the fields that are its model's own columns; empty when that
    version is not known."""
    try:
        seen = int(form["version"].data)
    except (KeyError, TypeError, ValueError):
        return {}
    record = type(saved).history.filter(id=saved.pk, version=seen).order_by("-history_id").first()
    if record is None:
        return {}
    opened = record.instance
    return {
        field.name: saved_form.fields[field.name].prepare_value(getattr(opened, field.attname))
        for field in saved._meta.concrete_fields
        if not field.primary_key and field.name in form.fields
    }


def _put(form, name: str, field, value) -> None:
    """Show `value` in the bound form's field, as if the person had typed it."""
    key = form.add_prefix(name)
    if isinstance(field, forms.BooleanField):
        if value:
            form.data[key] = "on"
        else:
            form.data.pop(key, None)
        return
    shown = field.widget.format_value(field.prepare_value(value))
    form.data[key] = "" if shown is None else shown


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class WeekdaysField(forms.TypedMultipleChoiceField):
    """Days of the week as checkboxes, cleaned to ISO numbers (1 = Monday)."""

    def __init__(self, *, required=False, **kwargs):
        super().__init__(
            choices=Weekday.choices,
            coerce=int,
            required=required,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )


class LongTextField(forms.CharField):
    """A text box for free text of at most `max_length` characters.

    The browser gets no maxlength: it would cut off a pasted text there without a word. A
    longer text comes back with the message how much too long it is, all of it still in
    the box to shorten."""

    widget = forms.Textarea

    def __init__(self, *, max_length, **kwargs):
        super().__init__(**kwargs)
        self.max_length = max_length
        self.validators.append(MaxCharactersValidator(max_length))

"""Running a service from a view with its errors shown on the form; the date, time and
free-text inputs of every form."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from werkplek.lib.text import MaxCharactersValidator


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


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


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

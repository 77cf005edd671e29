"""Running a service from a view with its errors shown on the form; the date, time and
weekday inputs of every form."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from werkplek.choices import Weekday


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

import unicodedata

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from werkplek import mails, notifications, outbox
from werkplek.choices import Weekday, time_zone_choices
from werkplek.lib.forms import DateInput, TimeInput
from werkplek.models import Leave, Organization, User


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Mind that the password is "
            "case-sensitive."
        ),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the e-mail written to the outbox instead of sent by the
    request, and also for people who never set a password (an account made without one, an
    invitation that ran out): "forgot password" is how they choose their first."""

    def get_users(self, email):
        # Django leaves out accounts without a usable password, for sites where such people
        # log in elsewhere (single sign-on). Here a password is the only way in.
        wanted = unicodedata.normalize("NFKC", email).casefold()
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (u for u in users if unicodedata.normalize("NFKC", u.email).casefold() == wanted)

    def save(self, **kwargs):
        """Queue one mail per matching account; the token is made when it is delivered.

        The answer is the same redirect, as fast, for a known and an unknown address: the
        broker is reached after the response, from another thread (werkplek.outbox). A second
        request within the same minute adds no second mail."""
        minute = timezone.now().strftime("%Y-%m-%dT%H:%M")
        for user in self.get_users(self.cleaned_data["email"]):
            outbox.enqueue(recipient=user, kind=mails.PASSWORD_RESET, due_slot=minute)


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"]
        widgets = {"quiet_hours_start": TimeInput(), "quiet_hours_end": TimeInput()}


class OrganizationSettingsForm(forms.ModelForm):
    working_weekdays = forms.TypedMultipleChoiceField(
        label=_("Working days"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("No reminders on other days."),
    )

    class Meta:
        model = Organization
        fields = [
            "max_learning_hours_per_week",
            "quiet_hours_start",
            "quiet_hours_end",
            "working_weekdays",
        ]
        localized_fields = ["max_learning_hours_per_week"]  # "7,5" as Dutch people type it
        widgets = {"quiet_hours_start": TimeInput(), "quiet_hours_end": TimeInput()}


class NotificationsForm(forms.Form):
    """One switch per kind of message the person receives and may turn off."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        off = set(user.notification_opt_outs.values_list("kind", flat=True))
        for kind, label in notifications.optional_kinds(user).items():
            self.fields[kind] = forms.BooleanField(
                label=label,
                required=False,
                initial=kind not in off,
                widget=forms.CheckboxInput(attrs={"role": "switch", "class": "form-check-input"}),
            )

    def enabled(self) -> dict[str, bool]:
        return {kind: self.cleaned_data[kind] for kind in self.fields}


class LeaveForm(forms.ModelForm):
    class Meta:
        model = Leave
        fields = ["starts_on", "ends_on"]
        widgets = {"starts_on": DateInput(), "ends_on": DateInput()}

import unicodedata

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import forms as auth_forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from werkplek import mails, notifications, outbox, signin
from werkplek.choices import time_zone_choices
from werkplek.lib.forms import DateInput, TimeInput, WeekdaysField
from werkplek.models import (
    NO_WORKING_DAYS,
    RETENTION_MONTHS_LEAST,
    RETENTION_MONTHS_MOST,
    Leave,
    Organization,
    User,
)


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Mind that the password is "
            "case-sensitive."
        ),
    }


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's own login, which knows no code step: an account with two-step sign-in
    logs in on werkplek's login page and then opens the admin."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if signin.needs_code(user):
            raise forms.ValidationError(
                _("This account logs in in two steps: log in on werkplek's login page first."),
                code="two_step",
            )


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
        request within the same minute adds no second mail, nor one past the hourly limit."""
        minute = timezone.now().strftime("%Y-%m-%dT%H:%M")
        for user in self.get_users(self.cleaned_data["email"]):
            if signin.reset_mail_allowed(user):
                outbox.enqueue(recipient=user, kind=mails.PASSWORD_RESET, due_slot=minute)


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone", "quiet_hours_start", "quiet_hours_end"]
        widgets = {"quiet_hours_start": TimeInput(), "quiet_hours_end": TimeInput()}


class OrganizationSettingsForm(forms.ModelForm):
    working_weekdays = WeekdaysField(
        label=_("Working days"),
        required=True,
        error_messages={"required": NO_WORKING_DAYS},
        help_text=_("No reminders on other days."),
    )

    class Meta:
        model = Organization
        fields = [
            "max_learning_hours_per_week",
            "quiet_hours_start",
            "quiet_hours_end",
            "working_weekdays",
            "retention_months",
            "two_factor_required_for_managers",
        ]
        localized_fields = ["max_learning_hours_per_week"]  # "7,5" as Dutch people type it
        widgets = {"quiet_hours_start": TimeInput(), "quiet_hours_end": TimeInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retention_months"].help_text = _(
            "How long the texts about a learner are kept after their enrolment ended, from "
            "%(least)s to %(most)s months; then they are removed, and so is the name of "
            "whoever left that long ago. Empty: werkplek's default, %(default)s months."
        ) % {
            "least": RETENTION_MONTHS_LEAST,
            "most": RETENTION_MONTHS_MOST,
            "default": settings.AVG_RETENTION_MONTHS,
        }


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


class EraseForm(forms.Form):
    """The confirmation of an erasure: the manager types the person's name."""

    name = forms.CharField(label=_("Type the person's name to confirm"), max_length=150)

    def __init__(self, *args, person: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_name(self):
        typed = " ".join(self.cleaned_data["name"].split())
        if typed.casefold() != " ".join(self.person.name.split()).casefold():
            raise forms.ValidationError(_("The name you typed is not this person's name."))
        return typed


class SignInCodeForm(OTPAuthenticationFormMixin, forms.Form):
    """A code from the person's authenticator app, or one of their backup codes; wrong
    codes make the next try wait longer (django-otp's throttle, per device)."""

    otp_device = forms.ChoiceField(label=_("Code from"), widget=forms.RadioSelect)
    otp_token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    otp_error_messages = {
        **OTPAuthenticationFormMixin.otp_error_messages,
        "token_required": _("Enter the code."),
        "invalid_token": _("This code is not right. Check your app and try again."),
        "n_failed_attempts": ngettext_lazy(
            "%(failure_count)d wrong code. Wait a moment and try again.",
            "%(failure_count)d wrong codes in a row. Wait a moment and try again.",
            "failure_count",
        ),
        "verification_not_allowed": _("Checking codes is paused. Try again soon."),
        "device_required": _("Choose where your code comes from."),
    }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        choices = self.device_choices(user)
        self.fields["otp_device"].choices = choices
        self.fields["otp_device"].initial = choices[0][0] if choices else None

    @staticmethod
    def device_choices(user):
        """The person's app first, then their backup codes, by what they are (django-otp
        also calls this when a code was wrong)."""
        labels = {TOTPDevice: _("my authenticator app"), StaticDevice: _("a backup code")}
        devices = sorted(devices_for_user(user), key=lambda d: not isinstance(d, TOTPDevice))
        return [(device.persistent_id, labels[type(device)]) for device in devices]

    def clean(self):
        super().clean()
        self.clean_otp(self.user)
        return self.cleaned_data


class TwoFactorSetupForm(forms.Form):
    """The first code from the app that just scanned the QR code."""

    otp_token = forms.CharField(
        label=_("Code from your app"),
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

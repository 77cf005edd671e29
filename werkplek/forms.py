import unicodedata

from django import forms
from django.contrib.auth import forms as auth_forms
from django.template import loader
from django.utils.translation import gettext_lazy as _

from werkplek import services
from werkplek.choices import time_zone_choices
from werkplek.models import User


class LoginForm(auth_forms.AuthenticationForm):
    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Mind that the password is "
            "case-sensitive."
        ),
    }


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the e-mail sent by a worker instead of the request, and also
    for people who never set a password (an account made without one, an invitation that
    ran out): "forgot password" is how they choose their first."""

    def get_users(self, email):
        # Django leaves out accounts without a usable password, for sites where such people
        # log in elsewhere (single sign-on). Here a password is the only way in.
        wanted = unicodedata.normalize("NFKC", email).casefold()
        users = User.objects.filter(email__iexact=email, is_active=True)
        return (u for u in users if unicodedata.normalize("NFKC", u.email).casefold() == wanted)

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html_body = ""
        if html_email_template_name:
            html_body = loader.render_to_string(html_email_template_name, context)
        services.email_enqueue(to=[to_email], subject=subject, body=body, html_body=html_body)


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=time_zone_choices)

    class Meta:
        model = User
        fields = ["name", "language", "time_zone"]

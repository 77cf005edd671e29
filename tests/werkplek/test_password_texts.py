"""Dutch says "je" everywhere, also in the texts that Django's password forms bring along."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from programs.models import Invitation
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

FORMAL = re.compile(r"\b(u|uw|uzelf)\b", re.IGNORECASE)


class _Text(HTMLParser):
    """The words a person reads or hears: text and the attributes that carry text."""

    SPOKEN_ATTRIBUTES = {"aria-label", "title", "placeholder", "alt", "value"}

    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)

    def handle_starttag(self, tag, attrs):
        if tag == "input" and dict(attrs).get("type") == "hidden":
            return
        spoken = self.SPOKEN_ATTRIBUTES
        self.parts.extend(value for name, value in attrs if name in spoken and value)


def formal_sentences(response) -> list[str]:
    parser = _Text()
    parser.feed(response.content.decode())
    return [part.strip() for part in parser.parts if FORMAL.search(part)]


def _reset_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_reset_confirm", args=[uid, default_token_generator.make_token(user)])


def test_the_password_pages_say_je_in_dutch(client, learner, cohort):
    invitation = Invitation.objects.create(
        cohort=cohort, email="nina@dc-noord.nl", name="Nina Kok", started_on=cohort.starts_on
    )
    anonymous = {
        "login": client.get(reverse("login")),
        "login with an error": client.post(reverse("login"), {"username": learner.email}),
        "reset": client.get(reverse("password_reset")),
        "reset sent": client.post(reverse("password_reset"), {"email": learner.email}, follow=True),
        "invitation": client.get(reverse("programs:invitation-accept", args=[invitation.token])),
    }
    set_password = client.get(_reset_link(learner), follow=True)
    anonymous["set password"] = set_password
    anonymous["set password with errors"] = client.post(
        set_password.redirect_chain[-1][0], {"new_password1": "12345", "new_password2": "1234"}
    )
    client.force_login(learner)
    signed_in = {
        "change": client.get(reverse("password_change")),
        "change with errors": client.post(
            reverse("password_change"),
            {"old_password": "wrong", "new_password1": "12345", "new_password2": "12345"},
        ),
    }
    pages = anonymous | signed_in
    assert "Je wachtwoord mag niet alleen uit cijfers bestaan." in (
        signed_in["change"].content.decode()
    )
    assert "Je oude wachtwoord klopt niet." in signed_in["change with errors"].content.decode()
    formal = {name: found for name, page in pages.items() if (found := formal_sentences(page))}
    assert not formal


def test_the_formal_check_would_notice_django_s_own_wording():
    class Page:
        content = b"<p>Uw wachtwoord mag niet volledig uit cijfers bestaan.</p>"

    assert formal_sentences(Page()) == ["Uw wachtwoord mag niet volledig uit cijfers bestaan."]


def test_a_correct_password_change_still_works(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "een-ander-lang-wachtwoord",
            "new_password2": "een-ander-lang-wachtwoord",
        },
    )
    assert response.url == reverse("password_change_done")

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from werkplek.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(deliver_outbox):
    return deliver_outbox


def test_someone_without_a_password_yet_can_choose_one_through_forgot_password(client, sent):
    User.objects.create_user("nina@example.nl", None, name="Nina Kok")
    client.post(reverse("password_reset"), {"email": "Nina@Example.nl"})
    [message] = sent()
    assert message.to == ["nina@example.nl"]
    link = next(word for word in message.body.split() if "/account/reset/" in word)
    form = client.get(urlsplit(link).path, follow=True)
    url = form.redirect_chain[-1][0]
    client.post(
        url, {"new_password1": "een-lang-wachtwoord", "new_password2": "een-lang-wachtwoord"}
    )
    assert User.objects.get(email="nina@example.nl").check_password("een-lang-wachtwoord")


def test_a_deactivated_account_gets_no_reset_mail(client, sent):
    User.objects.create_user("oud@example.nl", "x-password-123", name="Oud", is_active=False)
    client.post(reverse("password_reset"), {"email": "oud@example.nl"})
    assert sent() == []


def test_a_look_alike_address_gets_no_reset_mail(client, sent):
    User.objects.create_user("nina@example.nl", None, name="Nina Kok")
    client.post(reverse("password_reset"), {"email": "nına@example.nl"})  # dotless ı
    assert sent() == []

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
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


def ask(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_an_account_gets_at_most_three_reset_mails_an_hour(client, sent):
    User.objects.create_user("nina@example.nl", "x-password-123", name="Nina Kok")
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    for minute in range(6):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            response = ask(client, "nina@example.nl", REMOTE_ADDR=f"198.51.100.{minute}")
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
    assert len(sent()) == 3
    with time_machine.travel(start + datetime.timedelta(minutes=61), tick=False):
        ask(client, "nina@example.nl")
    assert len(sent()) == 4


def test_known_and_unknown_addresses_get_the_same_answer_also_past_the_limit(client, sent):
    User.objects.create_user("nina@example.nl", "x-password-123", name="Nina Kok")
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    answers = set()
    for minute in range(5):
        with time_machine.travel(start + datetime.timedelta(minutes=minute), tick=False):
            for email in ("nina@example.nl", "niemand@example.nl"):
                response = ask(client, email, REMOTE_ADDR=f"198.51.100.{minute}")
                answers.add((response.status_code, response.url))
    assert answers == {(302, reverse("password_reset_done"))}


def test_one_address_may_ask_ten_times_an_hour_whatever_it_types(client, sent):
    User.objects.create_user("nina@example.nl", "x-password-123", name="Nina Kok")
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for number in range(10):
            assert ask(client, f"someone{number}@example.nl").status_code == 302
        known = ask(client, "nina@example.nl")
        unknown = ask(client, "niemand@example.nl")
    assert known.status_code == unknown.status_code == 429
    page = known.content.decode()
    assert "Te veel aanvragen vanaf je adres" in page
    assert 'value="nina@example.nl"' in page  # what was typed stays
    assert _without_csrf(unknown).replace("niemand", "nina") == _without_csrf(known)
    assert sent() == []
    with time_machine.travel(start + datetime.timedelta(hours=1), tick=False):
        assert ask(client, "nina@example.nl").status_code == 302
    assert len(sent()) == 1


def test_reset_requests_from_one_ipv6_network_share_the_hourly_limit(client, sent):
    start = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for number in range(10):
            address = f"2001:db8:1:2::{number + 1:x}"
            assert (
                ask(client, f"someone{number}@example.nl", REMOTE_ADDR=address).status_code == 302
            )
        rotated = ask(client, "nina@example.nl", REMOTE_ADDR="2001:db8:1:2:abcd::1")
        elsewhere = ask(client, "nina@example.nl", REMOTE_ADDR="2001:db8:1:3::1")
    assert (rotated.status_code, elsewhere.status_code) == (429, 302)


def _without_csrf(response):
    """The page without its CSRF tokens, which are masked afresh in every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "", response.content.decode())

"""Sign-in protection in the browser, on a phone: the lockout message, and a manager who
turns on two-step sign-in and logs in with a code."""

import base64

import pytest
from django.core.management import call_command
from django_otp.oath import totp
from playwright.sync_api import expect

from werkplek.demo import DEMO_PASSWORD, LEARNER_EMAIL, MANAGER_EMAIL


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_five_wrong_passwords_show_the_lockout_on_the_login_page(demo, phone, log_in, axe):
    for attempt in range(5):
        log_in(LEARNER_EMAIL, f"verkeerd-{attempt}")
    expect(phone.get_by_role("alert")).to_contain_text("Te veel mislukte pogingen om in te loggen")
    expect(phone.get_by_label("E-mailadres")).to_have_value(LEARNER_EMAIL)
    axe(phone)
    log_in(LEARNER_EMAIL, DEMO_PASSWORD)
    expect(phone.get_by_role("alert")).to_contain_text("15 minuten")


def code_for(secret: str) -> str:
    return f"{totp(base64.b32decode(secret.replace(' ', ''))):06d}"


def test_a_manager_turns_on_two_step_sign_in_and_logs_in_with_a_code(
    demo, phone, live_server, log_in, axe
):
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    phone.goto(f"{live_server.url}/account/tweestaps/")
    expect(phone.get_by_role("img", name="QR-code voor je authenticator-app")).to_be_visible()
    axe(phone)
    secret = phone.locator("code").inner_text()
    phone.get_by_label("Code uit je app").fill(code_for(secret))
    phone.get_by_role("button", name="Inloggen in twee stappen aanzetten").click()
    expect(phone.get_by_role("heading", name="Inloggen in twee stappen staat aan")).to_be_visible()
    backup_codes = phone.locator(".backup-codes li").all_inner_texts()
    assert len(backup_codes) == 10
    axe(phone)

    phone.context.clear_cookies()
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    expect(phone.get_by_role("heading", name="Voer je code in")).to_be_visible()
    axe(phone)
    # The app's code was used to turn it on; a backup code signs in now.
    phone.get_by_label("een reservecode").check()
    phone.get_by_label("Code", exact=False).last.fill(backup_codes[0])
    phone.get_by_role("button", name="Inloggen").click()
    expect(phone.get_by_role("heading", name="Aandacht nodig")).to_be_visible()

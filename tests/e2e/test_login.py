import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from werkplek.demo import DEMO_PASSWORD, MANAGER_EMAIL


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo")


def test_demo_manager_logs_in_in_dutch_and_lands_on_her_work(demo, page, live_server, log_in, axe):
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Inloggen bij werkplek")).to_be_visible()
    axe(page)

    log_in(MANAGER_EMAIL, DEMO_PASSWORD)

    expect(page).to_have_url(f"{live_server.url}{reverse('coaching:attention')}")
    expect(page.get_by_role("link", name="Mensen")).to_be_visible()
    axe(page)


def test_wrong_password_shows_a_dutch_error_and_keeps_the_email(demo, page, live_server, log_in):
    log_in(MANAGER_EMAIL, "verkeerd-wachtwoord")
    expect(page.get_by_text("Dit e-mailadres en wachtwoord passen niet bij elkaar")).to_be_visible()
    expect(page.get_by_label("E-mailadres")).to_have_value(MANAGER_EMAIL)


def test_a_missing_page_keeps_the_layout_in_dutch(demo, page, live_server, log_in, axe):
    log_in(MANAGER_EMAIL, DEMO_PASSWORD)
    page.set_viewport_size({"width": 390, "height": 844})
    response = page.goto(f"{live_server.url}/programmas/999999/")
    assert response.status == 404
    expect(page.get_by_role("heading", name="Pagina niet gevonden")).to_be_visible()
    axe(page)
    page.get_by_role("link", name="Naar mijn startpagina").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('coaching:attention')}")

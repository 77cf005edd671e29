"""Error pages speak the visitor's language and keep the site's layout."""

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_a_page_that_is_not_there_answers_in_dutch_in_the_site_layout(client, learner):
    client.force_login(learner)
    response = client.get("/bestaat-niet/")
    content = response.content.decode()
    assert response.status_code == 404
    assert "Pagina niet gevonden" in content
    assert 'href="/voorkeuren/"' in content, "the navigation of the site is there"


def test_the_404_page_follows_the_chosen_language(client, learner):
    learner.language = "en"
    learner.save()
    client.force_login(learner)
    assert "Page not found" in client.get("/does-not-exist/").content.decode()


def test_a_form_without_its_csrf_token_gets_a_dutch_page(learner):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    response = client.post(reverse("preferences"), {"name": "Nieuwe naam"})
    assert response.status_code == 403
    assert "Niet toegestaan" in response.content.decode()


def test_the_500_page_is_dutch_and_needs_no_database():
    request = RequestFactory().get("/")
    with translation.override("nl"):
        response = defaults.server_error(request)
    assert response.status_code == 500
    assert "Er ging iets mis" in response.content.decode()

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_language_switch_is_remembered_for_the_signed_in_person(client, learner):
    client.force_login(learner)
    response = client.post(reverse("language-switch"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.language == "en"
    assert "My preferences" in client.get(reverse("preferences")).content.decode()


def test_anonymous_language_switch_shows_the_login_page_in_english(client):
    client.post(reverse("language-switch"), {"language": "en", "next": "/account/login/"})
    assert "Log in to werkplek" in client.get(reverse("login")).content.decode()


def test_preferences_save_name_language_and_time_zone(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("preferences"),
        {"name": "Daan Jansen", "language": "en", "time_zone": "Europe/London"},
        follow=True,
    )
    assert "Your preferences have been saved." in response.content.decode()
    learner.refresh_from_db()
    assert (learner.name, learner.language, learner.time_zone) == (
        "Daan Jansen",
        "en",
        "Europe/London",
    )


def test_a_bad_time_zone_is_refused_and_the_typed_name_kept(client, learner):
    client.force_login(learner)
    response = client.post(
        reverse("preferences"),
        {"name": "Nieuwe Naam", "language": "nl", "time_zone": "Mars/Olympus"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "Mars/Olympus is geen beschikbare keuze" in content
    assert 'value="Nieuwe Naam"' in content
    learner.refresh_from_db()
    assert learner.name != "Nieuwe Naam"


def test_the_time_zone_picker_offers_the_common_zones_first_by_name(client, learner):
    client.force_login(learner)
    content = client.get(reverse("preferences")).content.decode()
    assert content.index("Nederland (Amsterdam)") < content.index("Argentina / Buenos Aires")
    assert "GB-Eire" not in content
    assert "Factory" not in content
    response = client.post(
        reverse("preferences"),
        {"name": learner.name, "language": "nl", "time_zone": "America/Argentina/Buenos_Aires"},
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.time_zone == "America/Argentina/Buenos_Aires"

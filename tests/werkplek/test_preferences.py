import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from coaching import digest, evaluations, mails, reminders
from programs.needs.mails import NEEDS_REQUEST
from tests.factories import MembershipFactory, UserFactory
from werkplek import notifications, services
from werkplek.models import NotificationOptOut

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


# --- Notification switches: each person sees the kinds their roles receive ------------------

# Anyone may be asked to rate a program's goals (a needs analysis), so every role has that switch.
LEARNER_KINDS = {reminders.REFLECTION_REMINDER, evaluations.EVALUATION_ASKED, NEEDS_REQUEST}
COACH_KINDS = {
    mails.FEEDBACK_OVERDUE,
    mails.HELP_ASKED,
    mails.THANK_YOU,
    mails.SIGN_OFF_EXPIRING,
    evaluations.EVALUATION_ASKED,
    NEEDS_REQUEST,
}
MANAGER_KINDS = {digest.DIGEST, NEEDS_REQUEST}


def switches(page: str) -> set[str]:
    return set(re.findall(r'name="notify-([a-z_]+)"', page))


def test_a_learner_sees_only_the_switches_of_what_learners_receive(client, learner):
    client.force_login(learner)
    assert switches(client.get(reverse("preferences")).content.decode()) == LEARNER_KINDS


def test_a_coach_sees_only_the_nudge_switches(client, coach):
    client.force_login(coach)
    assert switches(client.get(reverse("preferences")).content.decode()) == COACH_KINDS


def test_a_manager_sees_only_the_digest_and_needs_analysis_switches(client, manager):
    client.force_login(manager)
    assert switches(client.get(reverse("preferences")).content.decode()) == MANAGER_KINDS


def test_a_coach_who_also_manages_sees_the_switches_of_both_roles(client, organization):
    person = MembershipFactory(
        organization=organization, is_manager=True, is_coach=True, is_learner=False
    ).user
    client.force_login(person)
    page = client.get(reverse("preferences")).content.decode()
    assert switches(page) == COACH_KINDS | MANAGER_KINDS


def test_the_settings_link_shows_the_same_switches_as_the_preferences_page(
    client, learner, coach, manager
):
    for person, kinds in ((learner, LEARNER_KINDS), (coach, COACH_KINDS), (manager, MANAGER_KINDS)):
        url = reverse("notification-settings-link", args=[notifications.preferences_token(person)])
        assert switches(client.get(url).content.decode()) == kinds


def test_a_person_without_a_current_role_is_told_there_is_nothing_to_turn_off(client):
    person = UserFactory(language="nl")
    client.force_login(person)
    page = client.get(reverse("preferences")).content.decode()
    assert switches(page) == set()
    assert "Je rollen krijgen geen e-mails die je kunt uitzetten." in page


def test_a_learner_cannot_turn_off_a_kind_their_roles_do_not_receive(learner):
    with pytest.raises(ValueError, match="cannot be turned off"):
        services.notification_settings_set(
            actor=learner, user=learner, enabled={digest.DIGEST: False}
        )
    assert not NotificationOptOut.objects.exists()


def test_nobody_turns_off_anothers_mail_not_even_their_manager(learner, manager):
    with pytest.raises(PermissionDenied):
        services.notification_settings_set(
            actor=manager, user=learner, enabled={reminders.REFLECTION_REMINDER: False}
        )
    assert not NotificationOptOut.objects.exists()

"""Land where the work is: after login each person goes straight to their role's page."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("actor", "page"),
    [
        ("manager", "coaching:attention"),
        ("coach", "coaching:home"),
        ("learner", "coaching:my-progress"),
    ],
)
def test_home_sends_each_role_to_its_own_page(client, request, actor, page):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(page)


def test_logging_in_lands_a_coach_on_their_learners(client, coach):
    response = client.post(
        reverse("login"), {"username": coach.email, "password": PASSWORD}, follow=True
    )
    assert [url for url, _status in response.redirect_chain] == [
        reverse("home"),
        reverse("coaching:home"),
    ]


def test_a_person_with_several_roles_lands_on_the_widest_first(client, organization):
    user = MembershipFactory(organization=organization, is_coach=True, is_learner=True).user
    client.force_login(user)
    assert client.get(reverse("home")).url == reverse("coaching:home")


def test_the_role_chosen_in_the_switcher_is_remembered_for_the_session(client, organization):
    user = MembershipFactory(organization=organization, is_coach=True, is_learner=True).user
    client.force_login(user)
    chosen = client.get(reverse("home"), {"role": "learner"})
    assert chosen.url == reverse("coaching:my-progress")
    assert client.get(reverse("home")).url == reverse("coaching:my-progress")


def test_a_role_the_person_does_not_hold_cannot_be_chosen(client, coach):
    client.force_login(coach)
    assert client.get(reverse("home"), {"role": "manager"}).url == reverse("coaching:home")


def test_a_person_with_several_roles_gets_the_switcher_with_the_current_one_marked(
    client, organization
):
    user = MembershipFactory(organization=organization, is_coach=True, is_learner=True).user
    client.force_login(user)
    client.get(reverse("home"), {"role": "learner"})
    content = client.get(reverse("preferences")).content.decode()
    assert 'aria-labelledby="role-switch-label"' in content
    assert 'aria-current="true" href="/?role=learner">Lerende</a>' in content
    assert 'href="/?role=coach">Coach</a>' in content
    assert "?role=manager" not in content


def test_with_the_role_switcher_the_navigation_folds_into_the_menu_below_a_wider_screen(
    client, organization, coach
):
    # Unfolded from 768 px, links and switcher ran off a tablet screen and wrapped up to 1199 px.
    several = MembershipFactory(organization=organization, is_manager=True, is_coach=True).user
    client.force_login(several)
    assert "navbar-expand-xl" in client.get(reverse("preferences")).content.decode()
    client.force_login(coach)
    assert "navbar-expand-lg" in client.get(reverse("preferences")).content.decode()


def test_a_person_with_one_role_gets_no_switcher(client, coach):
    client.force_login(coach)
    content = client.get(reverse("preferences")).content.decode()
    assert "role-switch-label" not in content


def test_a_manager_finds_the_people_of_their_organisation_in_the_navigation(client, manager):
    client.force_login(manager)
    content = client.get(reverse("preferences")).content.decode()
    assert f'href="{reverse("organization-detail", args=["dc-noord"])}">Mensen</a>' in content


def test_the_navigation_marks_the_page_the_person_is_on(client, manager):
    client.force_login(manager)
    content = client.get(reverse("programs:list")).content.decode()
    assert f'active" aria-current="page" href="{reverse("programs:list")}"' in content
    assert content.count('aria-current="page" href=') == 1


def test_a_person_without_any_role_sees_what_to_do_next(client):
    user = UserFactory(email="nieuw@example.nl")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Vraag je L&amp;D-manager" in content
    assert "nieuw@example.nl" in content
    assert reverse("preferences") in content


@pytest.mark.parametrize("memberships", [1, 12])
def test_home_uses_the_same_number_of_queries_whatever_the_number_of_organisations(
    client, manager, django_assert_num_queries, memberships
):
    MembershipFactory.create_batch(memberships, user=manager, is_manager=True)
    client.force_login(manager)
    # session, user, the user's memberships with their organisations
    with django_assert_num_queries(3):
        client.get(reverse("home"))


def test_the_login_page_speaks_the_browser_language_before_the_person_is_known(client):
    content = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Log in to werkplek" in content


def test_after_logout_the_login_page_speaks_the_language_the_person_chose(client, learner):
    learner.language = "en"
    learner.save(update_fields=["language"])
    client.post(reverse("login"), {"username": learner.email, "password": PASSWORD})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME]["max-age"] == 365 * 24 * 60 * 60
    client.post(reverse("logout"))
    content = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Log in to werkplek" in content


def test_changing_the_language_in_the_preferences_sets_the_language_cookie(client, learner):
    client.force_login(learner)
    client.post(
        reverse("preferences"),
        {"name": learner.name, "language": "en", "time_zone": "Europe/Amsterdam"},
    )
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    client.post(reverse("logout"))
    assert "Log in to werkplek" in client.get(reverse("login")).content.decode()

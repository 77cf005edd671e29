import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import PASSWORD, MembershipFactory
from werkplek.templatetags.people import email_wrap

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_the_dutch_login_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    page = client.get(response.url)
    assert page.status_code == 200
    assert "Inloggen" in page.content.decode()


def test_manager_sees_the_people_of_their_organisation(client, manager, coach, learner):
    client.force_login(manager)
    response = client.get(reverse("organization-detail", args=["dc-noord"]))
    assert response.status_code == 200
    assert email_wrap(learner.email) in response.content.decode()
    assert email_wrap(coach.email) in response.content.decode()


def test_people_list_can_be_filtered_by_role(client, manager, coach, learner):
    client.force_login(manager)
    response = client.get(reverse("organization-detail", args=["dc-noord"]), {"role": "coach"})
    assert email_wrap(coach.email) in response.content.decode()
    assert email_wrap(learner.email) not in response.content.decode()


def test_a_name_with_an_apostrophe_is_shown_escaped_once(client, manager, organization):
    MembershipFactory(organization=organization, user__name="Anouk van 't Riet")
    client.force_login(manager)
    content = client.get(reverse("organization-detail", args=["dc-noord"])).content.decode()
    assert escape("Anouk van 't Riet") in content
    assert "Anouk van 't Riet" not in content
    assert "&amp;#x27;" not in content


@pytest.mark.parametrize("actor", ["coach", "learner", "other_manager"])
def test_others_get_404_on_an_organisation_they_do_not_manage(client, request, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("organization-detail", args=["dc-noord"]))
    assert response.status_code == 404


def test_manager_of_a_gets_the_same_404_for_b_as_for_a_missing_organisation(
    client, manager, other_organization
):
    client.force_login(manager)
    existing = client.get(reverse("organization-detail", args=[other_organization.slug]))
    missing = client.get(reverse("organization-detail", args=["bestaat-niet"]))
    assert existing.status_code == missing.status_code == 404


@pytest.mark.parametrize("size", [2, 40])
def test_people_page_uses_the_same_number_of_queries_whatever_the_size(
    client, manager, organization, django_assert_num_queries, size
):
    MembershipFactory.create_batch(size, organization=organization)
    client.force_login(manager)
    # session, user, the user's roles (navigation), the organisation, the number of members,
    # one page of members, the bell's unread count
    with django_assert_num_queries(7):
        client.get(reverse("organization-detail", args=["dc-noord"]))


def test_login_ignores_capitals_in_the_email_address(client, learner):
    response = client.post(
        reverse("login"), {"username": learner.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302

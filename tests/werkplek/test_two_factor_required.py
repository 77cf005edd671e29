"""An organisation can require two-step sign-in of its L&D managers: a manager without it
is sent to its set-up from every page but the few they need on the way."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import MembershipFactory, OrganizationFactory
from werkplek import services

pytestmark = pytest.mark.django_db


def give_app(user):
    return TOTPDevice.objects.create(user=user, name="app", confirmed=True)


@pytest.fixture
def required(organization):
    organization.two_factor_required_for_managers = True
    organization.save(update_fields=["two_factor_required_for_managers"])
    return organization


@pytest.mark.parametrize(
    "page",
    [
        reverse("organization-detail", args=["dc-noord"]),
        reverse("organization-settings", args=["dc-noord"]),
        reverse("organization-history", args=["dc-noord"]),
        reverse("preferences"),
        reverse("password_change"),
        reverse("programs:list"),
        reverse("home"),
    ],
)
def test_a_manager_without_an_app_is_sent_to_the_set_up_from_any_page(
    client, manager, required, page
):
    client.force_login(manager)
    response = client.get(page)
    assert response.status_code == 302
    assert response.url == reverse("two-factor")


def test_the_set_up_page_says_why(client, manager, required):
    client.force_login(manager)
    page = client.get(reverse("two-factor"), follow=True).content.decode()
    assert "Je organisatie vraagt van L&D-managers inloggen in twee stappen" in page


def test_a_post_elsewhere_writes_nothing(client, manager, required):
    client.force_login(manager)
    response = client.post(
        reverse("organization-settings", args=[required.slug]),
        {"working_weekdays": [1], "quiet_hours_start": "20:00", "quiet_hours_end": "07:00"},
    )
    assert response.url == reverse("two-factor")
    required.refresh_from_db()
    assert required.two_factor_required_for_managers
    assert required.working_weekdays == [1, 2, 3, 4, 5]


def test_an_htmx_request_is_sent_to_the_whole_set_up_page(client, manager, required):
    client.force_login(manager)
    response = client.get(reverse("notifications"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("two-factor")


@pytest.mark.parametrize(
    ("method", "name"),
    [("get", "two-factor"), ("post", "logout"), ("post", "language-switch"), ("get", "privacy")],
)
def test_set_up_log_out_language_and_privacy_stay_open(client, manager, required, method, name):
    client.force_login(manager)
    data = {"language": "en"} if method == "post" else {}
    response = getattr(client, method)(reverse(name), data)
    assert response.get("Location") != reverse("two-factor")
    assert response.status_code in (200, 302)


def test_a_manager_with_an_app_opens_every_page(client, manager, required):
    give_app(manager)
    client.force_login(manager)
    assert client.get(reverse("organization-detail", args=[required.slug])).status_code == 200


@pytest.mark.parametrize("actor", ["coach", "learner"])
def test_coaches_and_learners_are_not_asked(client, request, required, actor):
    client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("preferences"))
    assert response.status_code == 200


def test_a_manager_of_another_organisation_is_not_asked(client, required, other_manager):
    client.force_login(other_manager)
    assert client.get(reverse("preferences")).status_code == 200


def test_an_ended_manager_role_is_not_asked(client, required):
    membership = MembershipFactory(organization=required, is_manager=True, is_learner=True)
    services.membership_end(membership=membership)
    OrganizationFactory()  # a learner elsewhere, with nothing required
    MembershipFactory(user=membership.user)
    client.force_login(membership.user)
    assert client.get(reverse("preferences")).status_code == 200


def test_requiring_it_takes_an_app_of_ones_own(manager, organization):
    with pytest.raises(ValidationError) as refused:
        services.organization_update_settings(
            actor=manager, organization=organization, two_factor_required_for_managers=True
        )
    assert "two_factor_required_for_managers" in refused.value.error_dict
    organization.refresh_from_db()
    assert not organization.two_factor_required_for_managers

    give_app(manager)
    services.organization_update_settings(
        actor=manager, organization=organization, two_factor_required_for_managers=True
    )
    organization.refresh_from_db()
    assert organization.two_factor_required_for_managers
    change = organization.history.latest()
    assert change.history_user == manager


def test_the_settings_form_says_what_to_do_first(client, manager, organization):
    client.force_login(manager)
    response = client.post(
        reverse("organization-settings", args=[organization.slug]),
        {
            "working_weekdays": [1, 2, 3, 4, 5],
            "quiet_hours_start": "20:00",
            "quiet_hours_end": "07:00",
            "two_factor_required_for_managers": "on",
        },
    )
    assert response.status_code == 200
    assert "Zet eerst voor jezelf inloggen in twee stappen aan" in response.content.decode()
    organization.refresh_from_db()
    assert not organization.two_factor_required_for_managers


def test_after_the_set_up_the_manager_goes_on(client, manager, required):
    client.force_login(manager)
    client.get(reverse("two-factor"))
    key = client.session["two_factor_setup_key"]
    response = client.post(reverse("two-factor"), {"otp_token": f"{totp(bytes.fromhex(key)):06d}"})
    assert response.status_code == 200
    assert client.get(reverse("organization-detail", args=[required.slug])).status_code == 200

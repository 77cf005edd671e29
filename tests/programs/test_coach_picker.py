"""The group page's coach picker: a searchable handful of coaches, never hundreds of options."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from programs.models import Pairing
from tests.factories import (
    EnrolmentFactory,
    MembershipFactory,
    PairingFactory,
    UserFactory,
    members_in_bulk,
)

pytestmark = pytest.mark.django_db


def coach_radios(content: str) -> list[str]:
    """The coaches' names offered as radio buttons, in order."""
    return re.findall(
        r'name="coach" value="\d+" id="coach-\d+"[^>]*>\s*<label[^>]*>([^<]+?)\s*<', content
    )


def coach_named(organization, name, **fields):
    fields = {"is_coach": True, "is_learner": False, **fields}
    return MembershipFactory(organization=organization, user=UserFactory(name=name), **fields)


@pytest.fixture
def search_url(cohort):
    return reverse("programs:cohort-coaches", args=[cohort.pk])


def test_the_group_page_offers_eight_coaches_of_five_hundred_and_says_there_are_more(
    client, manager, organization, cohort, enrolment
):
    members_in_bulk(organization, 2000)  # 500 coaches
    client.force_login(manager)
    content = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    assert len(coach_radios(content)) == 8
    assert "<select" not in content.split('id="coach-picker"')[1].split("</fieldset>")[0]
    assert "8 coaches getoond; typ meer van een naam om anderen te vinden." in content


def test_coaches_with_the_fewest_learners_come_first_with_their_load(
    client, manager, organization, cohort
):
    busy = coach_named(organization, "Ilse Busy", coach_capacity=2)
    coach_named(organization, "Anna Vrij", coach_capacity=4)
    coach_named(organization, "Olaf Onbeperkt")
    for enrolment in EnrolmentFactory.create_batch(2, cohort=cohort):
        PairingFactory(enrolment=enrolment, coach=busy.user)
    client.force_login(manager)
    content = client.get(reverse("programs:cohort-detail", args=[cohort.pk])).content.decode()
    assert coach_radios(content) == ["Anna Vrij", "Olaf Onbeperkt", "Ilse Busy"]
    assert "0 van 4 lerenden" in content
    assert "0 lerenden" in content
    assert "2 van 2 lerenden · vol" in content


def test_the_search_answers_htmx_with_only_the_matching_coaches(
    client, manager, organization, search_url
):
    members_in_bulk(organization, 200)
    coach_named(organization, "Wilma Zoekbaar")
    client.force_login(manager)
    response = client.get(search_url, {"q": "zoekbaar"}, headers={"HX-Request": "true"})
    content = response.content.decode()
    assert "<html" not in content
    assert coach_radios(content) == ["Wilma Zoekbaar"]


def test_the_search_finds_a_coach_by_email_address(client, manager, organization, search_url):
    MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        user=UserFactory(name="Kees Post", email="k.post@dc-noord.nl"),
    )
    coach_named(organization, "Karel Post")
    client.force_login(manager)
    content = client.get(search_url, {"q": "K.POST@"}, headers={"HX-Request": "true"})
    assert coach_radios(content.content.decode()) == ["Kees Post"]


def test_a_search_without_matches_says_so(client, manager, search_url):
    client.force_login(manager)
    response = client.get(search_url, {"q": "<niemand>"}, headers={"HX-Request": "true"})
    assert f'Geen coach gevonden voor "{escape("<niemand>")}".' in response.content.decode()


def test_coaches_of_another_organisation_are_never_offered(
    client, manager, other_organization, search_url
):
    coach_named(other_organization, "Elders Coach")
    client.force_login(manager)
    response = client.get(search_url, {"q": "elders"}, headers={"HX-Request": "true"})
    assert coach_radios(response.content.decode()) == []


def test_without_javascript_the_search_returns_to_the_group_page_with_the_matches(
    client, manager, organization, cohort, enrolment, search_url
):
    members_in_bulk(organization, 200)
    coach_named(organization, "Wilma Zoekbaar")
    client.force_login(manager)
    response = client.get(search_url, {"q": "zoekbaar"}, follow=True)
    group_url = reverse("programs:cohort-detail", args=[cohort.pk])
    assert response.redirect_chain == [(f"{group_url}?coach_q=zoekbaar#coach-picker", 302)]
    content = response.content.decode()
    assert coach_radios(content) == ["Wilma Zoekbaar"]
    assert 'value="zoekbaar"' in content


def test_a_chosen_coach_stays_chosen_when_the_page_asks_to_confirm(
    client, manager, organization, cohort
):
    members_in_bulk(organization, 400)  # 100 coaches with room, all listed before a full one
    full = coach_named(organization, "Zeno Vol", coach_capacity=1)
    PairingFactory(enrolment=EnrolmentFactory(cohort=cohort), coach=full.user)
    learner = EnrolmentFactory(cohort=cohort)
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [learner.pk], "coach": full.user.pk, "starts_on": "2026-11-20"}
    content = client.post(url, data).content.decode()
    assert coach_radios(content)[0] == "Zeno Vol"
    assert f'value="{full.user.pk}" id="coach-{full.user.pk}" checked' in content
    client.post(url, {**data, "over_capacity_ok": "on"})
    assert Pairing.objects.filter(enrolment=learner, coach=full.user).exists()


def test_pairing_without_a_coach_asks_for_one(client, manager, cohort, enrolment):
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    response = client.post(url, {"enrolments": [enrolment.pk], "starts_on": "2026-11-20"})
    assert "Kies een coach." in response.content.decode()


def test_a_coach_of_another_organisation_cannot_be_posted(
    client, manager, other_organization, cohort, enrolment
):
    stranger = coach_named(other_organization, "Elders Coach")
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [enrolment.pk], "coach": stranger.user.pk, "starts_on": "2026-11-20"}
    client.post(url, data)
    assert not Pairing.objects.filter(coach=stranger.user).exists()


@pytest.mark.parametrize("value", ["²", "99999999999999999999999"])
def test_a_coach_value_that_is_no_database_id_asks_for_a_coach_again(
    client, manager, cohort, enrolment, value
):
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    data = {"enrolments": [enrolment.pk], "coach": value, "starts_on": "2026-11-20"}
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.content.decode()


def test_a_nul_character_in_the_coach_search_is_ignored_not_a_server_error(
    client, manager, organization, cohort, enrolment, search_url
):
    coach_named(organization, "Wilma Zoekbaar")
    client.force_login(manager)
    response = client.get(search_url, {"q": "zoek\x00baar"}, headers={"HX-Request": "true"})
    assert coach_radios(response.content.decode()) == ["Wilma Zoekbaar"]
    group_page = reverse("programs:cohort-detail", args=[cohort.pk])
    response = client.get(group_page, {"coach_q": "zoekbaar\x00"})
    assert coach_radios(response.content.decode()) == ["Wilma Zoekbaar"]

"""The manager's people page: searched and paged on the server, readable on a phone."""

import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.factories import MembershipFactory, UserFactory, members_in_bulk
from werkplek.templatetags.people import email_wrap

pytestmark = pytest.mark.django_db


@pytest.fixture
def people_url(organization):
    return reverse("organization-detail", args=[organization.slug])


def names_on(response):
    return re.findall(r'<td class="stack-title">([^<]+)<', response.content.decode())


def emails_on(response):
    found = re.findall(
        r'<td class="stack-title">[^<]+<div[^>]*>(.*?)</div>', response.content.decode()
    )
    return {email.replace("<wbr>", "") for email in found}


def test_the_search_finds_people_by_part_of_their_name(client, manager, organization, people_url):
    MembershipFactory(organization=organization, user=UserFactory(name="Anouk Verbeek"))
    MembershipFactory(organization=organization, user=UserFactory(name="Sem Hoekstra"))
    client.force_login(manager)
    assert names_on(client.get(people_url, {"q": "verbeek"})) == ["Anouk Verbeek"]


def test_the_search_finds_people_by_their_email_address(client, manager, organization, people_url):
    MembershipFactory(
        organization=organization, user=UserFactory(name="Sem Hoekstra", email="sem.h@dc-noord.nl")
    )
    client.force_login(manager)
    response = client.get(people_url, {"q": "SEM.H@"})
    assert names_on(response) == ["Sem Hoekstra"]
    assert "1 persoon" in response.content.decode()


def test_a_search_without_matches_says_so(client, manager, people_url):
    client.force_login(manager)
    response = client.get(people_url, {"q": "niemand-heet-zo"})
    assert "Niemand voldoet aan je zoekopdracht." in response.content.decode()


def test_the_page_shows_fifty_people_and_links_to_the_next(
    client, manager, organization, people_url
):
    members_in_bulk(organization, 120)
    client.force_login(manager)
    first = client.get(people_url)
    content = first.content.decode()
    assert len(names_on(first)) == 50
    assert "121 mensen" in content  # 120 and the manager
    assert "Pagina 1 van 3" in content
    assert 'href="?page=2"' in content
    last = client.get(people_url, {"page": 3})
    assert len(names_on(last)) == 21
    assert len(emails_on(first)) == 50
    assert emails_on(first).isdisjoint(emails_on(last))


def test_paging_keeps_the_search_and_the_role(client, manager, organization, people_url):
    members_in_bulk(organization, 400)  # 100 coaches, every fourth person
    client.force_login(manager)
    response = client.get(people_url, {"role": "coach", "q": "bulk"})
    content = response.content.decode()
    assert "100 mensen" in content
    assert escape("?role=coach&q=bulk&page=2") in content
    second = client.get(people_url, {"role": "coach", "q": "bulk", "page": 2})
    assert len(names_on(second)) == 50
    # the role filters keep the search and start again at page 1
    assert escape("?role=learner&q=bulk") in second.content.decode()


def test_a_page_number_out_of_range_shows_the_last_page(client, manager, organization, people_url):
    members_in_bulk(organization, 60)
    client.force_login(manager)
    response = client.get(people_url, {"page": 99})
    assert response.status_code == 200
    assert "Pagina 2 van 2" in response.content.decode()


def test_on_a_phone_rows_stack_and_email_addresses_wrap_only_between_their_parts(
    client, manager, organization, people_url
):
    MembershipFactory(
        organization=organization,
        user=UserFactory(name="Fatima El Idrissi", email="fatima.el-idrissi@distributiecentrum.nl"),
    )
    client.force_login(manager)
    content = client.get(people_url).content.decode()
    assert 'class="table table-sm align-middle table-stack"' in content
    assert '<td data-label="Team">' in content
    assert "fatima<wbr>.el-idrissi<wbr>@distributiecentrum<wbr>.nl" not in content
    assert "fatima.<wbr>el-idrissi<wbr>@distributiecentrum.<wbr>nl" in content
    assert "text-break" not in content  # Bootstrap's text-break would split words anywhere


def test_email_wrap_escapes_what_it_shows():
    assert email_wrap('a"<b>@x.nl') == "a&quot;&lt;b&gt;<wbr>@x.<wbr>nl"


def test_a_nul_character_in_the_search_is_ignored_not_a_server_error(
    client, manager, organization, people_url
):
    # PostgreSQL refuses a NUL in any string; nobody types one, a crafted link does.
    MembershipFactory(organization=organization, user=UserFactory(name="Anouk Verbeek"))
    client.force_login(manager)
    response = client.get(people_url, {"q": "Verbeek\x00"})
    assert names_on(response) == ["Anouk Verbeek"]
    assert "\x00" not in response.content.decode()

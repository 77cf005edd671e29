"""The program list and a program's groups come a page at a time, filters kept."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from programs.choices import ProgramStatus
from programs.models import Invitation
from tests.factories import CohortFactory, ProgramFactory

pytestmark = pytest.mark.django_db


def program_names(content: str) -> list[str]:
    return re.findall(r'<h2 class="h6 mb-1"><a href="[^"]+">([^<]+)</a>', content)


def test_the_program_list_shows_25_programs_a_page(client, manager, organization):
    for number in range(30):
        ProgramFactory(organization=organization, owner=manager, name=f"Programma {number:02}")
    client.force_login(manager)
    first = client.get(reverse("programs:list")).content.decode()
    assert len(program_names(first)) == 25
    assert "30 programma's" in first
    assert "Pagina 1 van 2" in first
    second = client.get(reverse("programs:list"), {"page": 2}).content.decode()
    assert program_names(second) == [f"Programma {number}" for number in range(25, 30)]


def test_paging_the_program_list_keeps_its_filters(client, manager, organization):
    for number in range(30):
        ProgramFactory(organization=organization, owner=manager, name=f"Actief {number:02}")
    ProgramFactory.create_batch(
        3, organization=organization, owner=manager, status=ProgramStatus.DRAFT
    )
    client.force_login(manager)
    url = reverse("programs:list")
    first = client.get(url, {"status": "active", "q": "Actief"}).content.decode()
    assert escape("?status=active&q=Actief&page=2") in first
    second = client.get(url, {"status": "active", "q": "Actief", "page": 2}).content.decode()
    assert len(program_names(second)) == 5


def test_the_filter_answer_for_htmx_carries_its_own_page_links(client, manager, organization):
    ProgramFactory.create_batch(26, organization=organization, owner=manager)
    client.force_login(manager)
    response = client.get(reverse("programs:list"), {"q": "Programma"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert content.lstrip().startswith('<div id="program-rows">')
    assert escape("?q=Programma&page=2") in content


def test_a_program_shows_its_newest_20_groups_first(client, manager, program):
    start = datetime.date(2026, 1, 5)
    for week in range(23):
        CohortFactory(
            program=program,
            name=f"Instroom week {week:02}",
            starts_on=start + datetime.timedelta(weeks=week),
        )
    client.force_login(manager)
    url = reverse("programs:detail", args=[program.pk])
    first = client.get(url).content.decode()
    groups = re.findall(r">(Instroom week \d+)</a>", first)
    assert len(groups) == 20
    assert groups[:2] == ["Instroom week 22", "Instroom week 21"]
    last = client.get(url, {"page": 2}).content.decode()
    assert re.findall(r">(Instroom week \d+)</a>", last) == [
        "Instroom week 02",
        "Instroom week 01",
        "Instroom week 00",
    ]


def test_the_group_page_shows_25_invited_people_a_page_and_keeps_the_learners_page(
    client, manager, cohort
):
    for number in range(30):
        Invitation.objects.create(
            cohort=cohort,
            email=f"nieuw{number:02}@example.nl",
            name=f"Uitgenodigd {number:02}",
            started_on=cohort.starts_on,
        )
    client.force_login(manager)
    url = reverse("programs:cohort-detail", args=[cohort.pk])
    first = client.get(url, {"page": 1}).content.decode()
    assert re.findall(r"Uitgenodigd (\d\d)", first) == [f"{n:02}" for n in range(25)]
    assert escape("?page=1&uitgenodigd=2") in first
    second = client.get(url, {"page": 1, "uitgenodigd": 2}).content.decode()
    assert re.findall(r"Uitgenodigd (\d\d)", second) == [f"{n:02}" for n in range(25, 30)]
